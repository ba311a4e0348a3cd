import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { originOf, principalOf } from '../http/fastify-types.js';
import { SIGNED_URL_PARAMS, STANDARD_ERRORS } from '../http/schemas.js';
import { afterListing } from '../http/cursor-listing.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { splitListParam } from '../common/list-params.js';
import { EXPORT_KINDS, exportsPath, toExportView, type ExportKind } from './export-job.js';
import { createExport, getExport, listExports, openExportFile } from './export.service.js';

const tags = ['Exports'];

/** The Genesys model of each kind's export: `ContactsExport`, `OrganizationsExport`, … */
const MODEL: Record<ExportKind, string> = {
  contacts: 'ContactsExport',
  organizations: 'OrganizationsExport',
  notes: 'NotesExport',
  relationships: 'RelationshipsExport',
};

const QueryConditions = Type.Object(
  {
    filters: Type.Optional(Type.Unknown()),
    limit: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);

function exportView(kind: ExportKind) {
  return Type.Object(
    {
      id: Type.String(),
      divisionIds: Type.Array(Type.String()),
      createdBy: Type.Object({ id: Type.String(), selfUri: Type.Optional(Type.String()) }),
      dateCreated: Type.String(),
      dateCompletion: Type.Optional(Type.String()),
      status: Type.String(),
      downloadUrl: Type.Optional(Type.String()),
      resultRowCount: Type.Optional(Type.Integer()),
      queryConditions: Type.Object({
        filters: Type.Optional(Type.Unknown()),
        limit: Type.Optional(Type.Integer()),
      }),
      statusDetails: Type.Optional(Type.String()),
      selfUri: Type.String(),
    },
    { title: MODEL[kind] },
  );
}

export function exportRoutes(deps: {
  db: Kysely<DB>;
  dataDir: string;
  /** Called when an export was asked for, so that a worker starts writing it. */
  onWork: () => void;
}): FastifyPluginAsync {
  const { db, dataDir, onWork } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    for (const kind of EXPORT_KINDS) {
      const path = exportsPath(kind);
      const View = exportView(kind);
      r.post(
        path,
        {
          schema: {
            tags,
            summary: `Export ${kind} as CSV: written in the background, then downloadable`,
            body: Type.Object(
              {
                divisionIds: Type.Optional(
                  Type.Union([
                    Type.Null(),
                    Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 200 }),
                  ]),
                ),
                queryConditions: Type.Optional(Type.Union([Type.Null(), QueryConditions])),
              },
              { additionalProperties: true },
            ),
            response: { 200: View, ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const job = await createExport(db, principalOf(request), kind, request.body);
          onWork();
          return toExportView(job, originOf(request));
        },
      );

      r.get(
        path,
        {
          schema: {
            tags,
            summary: `List ${kind} exports, newest first (cursor paging with after)`,
            querystring: Type.Object({
              divisionIds: Type.Optional(Type.Array(Type.String({ maxLength: 100 }))),
              after: Type.Optional(Type.String({ maxLength: 1000 })),
              pageSize: Type.Integer({ default: 25, minimum: 1, maximum: 200 }),
            }),
            response: {
              200: Type.Object(
                {
                  entities: Type.Array(View),
                  nextUri: Type.Optional(Type.String()),
                  selfUri: Type.String(),
                  previousUri: Type.Optional(Type.String()),
                },
                { title: `${MODEL[kind]}Listing` },
              ),
              ...STANDARD_ERRORS,
            },
          },
        },
        async (request) => {
          const { after, pageSize } = request.query;
          // The SDK joins a list with commas; repeated parameters work too.
          const divisionIds = splitListParam(request.query.divisionIds);
          const scope = `${kind}-exports`;
          const jobs = await listExports(db, principalOf(request), kind, {
            ...(after === undefined ? {} : { afterId: decodeCursor(after, scope) }),
            limit: pageSize + 1,
            ...(divisionIds === undefined ? {} : { divisionIds }),
          });
          const page = jobs.slice(0, pageSize);
          const last = page[page.length - 1];
          const next =
            jobs.length > pageSize && last !== undefined ? encodeCursor(last.id, scope) : undefined;
          const origin = originOf(request);
          return afterListing(
            page.map((job) => toExportView(job, origin)),
            next,
            path,
            { pageSize, divisionIds: divisionIds?.join(',') },
          );
        },
      );

      r.get(
        `${path}/:exportId`,
        {
          schema: {
            tags,
            summary: `A ${kind} export: its status, row count and download URL`,
            params: Type.Object({ exportId: Type.String({ minLength: 1, maxLength: 100 }) }),
            response: { 200: View, ...STANDARD_ERRORS },
          },
        },
        async (request) =>
          toExportView(
            await getExport(db, principalOf(request), kind, request.params.exportId),
            originOf(request),
          ),
      );
    }

    r.get(
      '/api/v2/externalcontacts/exports/files/:orgId/:exportId/:token',
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            "Download an export's CSV file (the URL is the credential, as a pre-signed URL is)",
          params: Type.Object({
            ...SIGNED_URL_PARAMS,
            exportId: Type.String({ minLength: 1, maxLength: 100 }),
          }),
        },
      },
      async (request, reply) => {
        const { job, size, stream } = await openExportFile(db, dataDir, request.params);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-length', size)
          .header('content-disposition', `attachment; filename="${job.kind}-export-${job.id}.csv"`)
          .send(stream);
      },
    );
  };
}
