import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { afterListing } from '../http/cursor-listing.js';
import {
  createCsvSettings,
  createImportSettings,
  deleteCsvSettings,
  deleteImportSettings,
  getCsvSettings,
  getImportSettings,
  listCsvSettings,
  listImportSettings,
  updateCsvSettings,
  updateImportSettings,
} from './import-settings.service.js';
import {
  CSV_SETTINGS_PATH,
  IMPORT_SETTINGS_PATH,
  toCsvSettingsView,
  toImportSettingsView,
} from './import-settings.js';

const ImportField = Type.Object({ name: Type.String(), included: Type.Boolean() });

const ImportSettingsSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    matchingCriteria: Type.Array(Type.String()),
    mergeContacts: Type.Boolean(),
    externalSourceId: Type.String(),
    importFields: Type.Array(ImportField),
    dateCreated: Type.String(),
    selfUri: Type.String(),
  },
  { title: 'ContactImportSettings' },
);

// Types and presence only (null first in unions: with coerceTypes, null would become [''] or ''): the rules (lengths, criteria, duplicates) are checkImportSettings',
// which names every broken one at once. Read-only fields sent back (id, dateCreated, selfUri)
// are accepted and ignored.
const ImportSettingsBody = Type.Object(
  {
    name: Type.String(),
    matchingCriteria: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String())])),
    mergeContacts: Type.Boolean(),
    externalSourceId: Type.String(),
    importFields: Type.Array(ImportField),
  },
  { additionalProperties: true },
);

const CsvMapping = Type.Object({ sourceField: Type.String(), targetField: Type.String() });

const CsvSettingsSchema = Type.Object(
  {
    id: Type.String(),
    externalSettingsId: Type.Optional(Type.String()),
    mappings: Type.Array(CsvMapping),
    selfUri: Type.String(),
  },
  { title: 'CsvSettings' },
);

const CsvSettingsBody = Type.Object(
  {
    externalSettingsId: Type.Optional(Type.Union([Type.Null(), Type.String()])),
    mappings: Type.Array(CsvMapping),
  },
  { additionalProperties: true },
);

const Params = Type.Object({ settingsId: Type.String({ minLength: 1, maxLength: 100 }) });
const tags = ['Import settings'];

export function importSettingsRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.get(
      IMPORT_SETTINGS_PATH,
      {
        schema: {
          tags,
          summary: 'List import settings by name (cursor paging)',
          querystring: Type.Object({
            after: Type.Optional(Type.String({ maxLength: 1000 })),
            pageSize: Type.Integer({ default: 25 }),
            sortOrder: Type.Optional(Type.String({ maxLength: 20 })),
            name: Type.Optional(Type.String({ maxLength: 200 })),
          }),
          response: {
            200: Type.Object(
              {
                entities: Type.Array(ImportSettingsSchema),
                nextUri: Type.Optional(Type.String()),
                selfUri: Type.String(),
                previousUri: Type.Optional(Type.String()),
                cursors: Type.Optional(Type.Object({ after: Type.String() })),
              },
              { title: 'ContactImportSettingsEntityListing' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { settings, next } = await listImportSettings(
          db,
          principalOf(request),
          request.query,
        );
        const listing = afterListing(
          settings.map(toImportSettingsView),
          next,
          IMPORT_SETTINGS_PATH,
          request.query,
        );
        return next === undefined ? listing : { ...listing, cursors: { after: next } };
      },
    );

    r.post(
      IMPORT_SETTINGS_PATH,
      {
        schema: {
          tags,
          summary: 'Create import settings',
          body: ImportSettingsBody,
          response: { 200: ImportSettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toImportSettingsView(await createImportSettings(db, principalOf(request), request.body)),
    );

    r.get(
      `${IMPORT_SETTINGS_PATH}/:settingsId`,
      {
        schema: {
          tags,
          summary: 'Fetch import settings',
          params: Params,
          response: { 200: ImportSettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toImportSettingsView(
          await getImportSettings(db, principalOf(request), request.params.settingsId),
        ),
    );

    r.put(
      `${IMPORT_SETTINGS_PATH}/:settingsId`,
      {
        schema: {
          tags,
          summary: 'Replace import settings',
          params: Params,
          body: ImportSettingsBody,
          response: { 200: ImportSettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toImportSettingsView(
          await updateImportSettings(
            db,
            principalOf(request),
            request.params.settingsId,
            request.body,
          ),
        ),
    );

    r.delete(
      `${IMPORT_SETTINGS_PATH}/:settingsId`,
      {
        schema: {
          tags,
          summary: 'Delete import settings that no CSV settings use',
          params: Params,
        },
      },
      async (request, reply) => {
        await deleteImportSettings(db, principalOf(request), request.params.settingsId);
        return reply.status(204).send();
      },
    );

    r.get(
      CSV_SETTINGS_PATH,
      {
        schema: {
          tags,
          summary: 'List CSV settings, optionally of one import settings (cursor paging)',
          querystring: Type.Object({
            after: Type.Optional(Type.String({ maxLength: 1000 })),
            pageSize: Type.Integer({ default: 25 }),
            externalSettingsId: Type.Optional(Type.String({ maxLength: 100 })),
          }),
          response: {
            200: Type.Object(
              {
                entities: Type.Array(CsvSettingsSchema),
                nextUri: Type.Optional(Type.String()),
                selfUri: Type.String(),
                previousUri: Type.Optional(Type.String()),
              },
              { title: 'Listing' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { settings, next } = await listCsvSettings(db, principalOf(request), request.query);
        return afterListing(
          settings.map(toCsvSettingsView),
          next,
          CSV_SETTINGS_PATH,
          request.query,
        );
      },
    );

    r.post(
      CSV_SETTINGS_PATH,
      {
        schema: {
          tags,
          summary: 'Create CSV settings',
          body: CsvSettingsBody,
          response: { 200: CsvSettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toCsvSettingsView(await createCsvSettings(db, principalOf(request), request.body)),
    );

    r.get(
      `${CSV_SETTINGS_PATH}/:settingsId`,
      {
        schema: {
          tags,
          summary: 'Fetch CSV settings',
          params: Params,
          response: { 200: CsvSettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toCsvSettingsView(
          await getCsvSettings(db, principalOf(request), request.params.settingsId),
        ),
    );

    r.put(
      `${CSV_SETTINGS_PATH}/:settingsId`,
      {
        schema: {
          tags,
          summary: 'Replace CSV settings',
          params: Params,
          body: CsvSettingsBody,
          response: { 200: CsvSettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toCsvSettingsView(
          await updateCsvSettings(
            db,
            principalOf(request),
            request.params.settingsId,
            request.body,
          ),
        ),
    );

    r.delete(
      `${CSV_SETTINGS_PATH}/:settingsId`,
      {
        schema: { tags, summary: 'Delete CSV settings', params: Params },
      },
      async (request, reply) => {
        await deleteCsvSettings(db, principalOf(request), request.params.settingsId);
        return reply.status(204).send();
      },
    );
  };
}
