import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { originOf, principalOf } from '../http/fastify-types.js';
import { SIGNED_URL_PARAMS, STANDARD_ERRORS } from '../http/schemas.js';
import { afterListing } from '../http/cursor-listing.js';
import { decodeCursor, encodeCursor } from '../common/cursor.js';
import { badRequest } from '../errors/app-error.js';
import { requirePermission } from '../authorization/guard.js';
import {
  commandJob,
  createJob,
  createUpload,
  fileNamesOf,
  getJob,
  JOB_ADD,
  jobOfReportUrl,
  listImportJobs,
  previewUpload,
  receiveUpload,
  sampleCsv,
  uploadDetails,
  UPLOAD_VIEW,
} from './import-job.service.js';
import { IMPORT_PATH, jobSelfUri, toJobView, type ImportJob } from './import-job.js';
import { writeFailures } from './import-report.js';
import { listCustomFieldNames } from '../schemas/schema.service.js';

const tags = ['Import jobs'];

const Division = Type.Optional(
  Type.Union([
    Type.Null(),
    Type.Object({ id: Type.Optional(Type.String()) }, { additionalProperties: true }),
  ]),
);

const JobBody = {
  uploadId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  settingsId: Type.String({ minLength: 1, maxLength: 100 }),
  division: Division,
  defaultCountry: Type.Optional(Type.String({ maxLength: 10 })),
};

const JobView = Type.Object(
  {
    id: Type.String(),
    status: Type.String(),
    statusDetails: Type.Optional(Type.String()),
    executionStep: Type.Optional(Type.String()),
    metadata: Type.Record(Type.String(), Type.Unknown()),
    dateCreated: Type.String(),
    division: Type.Record(Type.String(), Type.Unknown()),
    settings: Type.Object({ id: Type.String(), selfUri: Type.String() }),
    progress: Type.Record(Type.String(), Type.Unknown()),
    selfUri: Type.String(),
  },
  { title: 'ContactImportJobResponse' },
);

const UploadParams = Type.Object({ uploadId: Type.String({ minLength: 1, maxLength: 100 }) });
const JobParams = Type.Object({ jobId: Type.String({ minLength: 1, maxLength: 100 }) });

export function importJobRoutes(deps: {
  db: Kysely<DB>;
  dataDir: string;
  /** Called when a job may have work for the worker (created, continued, retried). */
  onWork: () => void;
}): FastifyPluginAsync {
  const { db, dataDir, onWork } = deps;
  const views = async (jobs: readonly ImportJob[], origin: string) => {
    const names = await fileNamesOf(db, jobs);
    return jobs.map((job) => toJobView(job, names.get(job.uploadId) ?? null, origin));
  };
  const view = async (job: ImportJob, origin: string) => (await views([job], origin))[0];
  /** Streams a pass's report, row by row from the database. */
  const sendReport = async (
    request: FastifyRequest,
    reply: FastifyReply,
    job: ImportJob,
    pass: 'dryrun' | 'import',
  ) => {
    reply.raw.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="import-${job.id}-${pass}-report.csv"`,
      'x-request-id': request.id,
    });
    await writeFailures(db, job, pass === 'dryrun' ? 'dryRun' : 'import', reply.raw);
    return reply.hijack();
  };
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    // The file itself is streamed to disk, never parsed or buffered by Fastify.
    for (const type of [
      'text/csv',
      'application/octet-stream',
      'text/plain',
      'application/vnd.ms-excel',
    ])
      app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));

    r.post(
      `${IMPORT_PATH}/csv/uploads`,
      {
        schema: {
          tags,
          summary: 'Announce a CSV file: the answer says where to send it',
          body: Type.Object(
            { fileName: Type.Optional(Type.String({ maxLength: 1000 })), fileSize: Type.Number() },
            { additionalProperties: true },
          ),
          response: {
            200: Type.Object(
              {
                uploadId: Type.String(),
                uploadUrl: Type.String(),
                uploadHeaders: Type.Array(
                  Type.Object({ name: Type.String(), value: Type.String() }),
                ),
              },
              { title: 'CsvUploadResponse' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const upload = await createUpload(db, principalOf(request), request.body);
        return {
          uploadId: upload.id,
          uploadUrl: `${originOf(request)}${IMPORT_PATH}/csv/files/${upload.orgId}/${upload.id}/${upload.token}`,
          uploadHeaders: [{ name: 'Content-Type', value: 'text/csv' }],
        };
      },
    );

    r.put(
      `${IMPORT_PATH}/csv/files/:orgId/:uploadId/:token`,
      {
        config: { public: true },
        schema: {
          tags,
          summary: "Send an upload's file (the URL is the credential, as a pre-signed URL is)",
          params: Type.Object({
            orgId: Type.String({ minLength: 1, maxLength: 100 }),
            uploadId: Type.String({ minLength: 1, maxLength: 100 }),
            token: Type.String({ minLength: 1, maxLength: 200 }),
          }),
          response: {
            200: Type.Object({ uploadId: Type.String(), status: Type.String() }),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const body = request.body as Readable | undefined;
        if (body === undefined || typeof (body as { pipe?: unknown }).pipe !== 'function')
          throw badRequest('Send the CSV file as the body, with Content-Type text/csv');
        const upload = await receiveUpload(db, dataDir, request.params, body);
        return { uploadId: upload.id, status: upload.status };
      },
    );

    r.get(
      `${IMPORT_PATH}/csv/uploads/:uploadId/preview`,
      {
        schema: {
          tags,
          summary: 'The header and first rows of an uploaded file',
          params: UploadParams,
          response: {
            200: Type.Object(
              {
                uploadId: Type.String(),
                headers: Type.Array(Type.String()),
                entries: Type.Array(Type.Array(Type.String())),
              },
              { title: 'CsvUploadPreviewResponse' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => previewUpload(db, dataDir, principalOf(request), request.params.uploadId),
    );

    r.get(
      `${IMPORT_PATH}/csv/uploads/:uploadId/details`,
      {
        schema: {
          tags,
          summary: "An uploaded file's separator, encoding and every line that is not a row",
          params: UploadParams,
          response: {
            200: Type.Object(
              {
                uploadId: Type.String(),
                fileName: Type.Optional(Type.String()),
                validationResult: Type.Object({
                  separatorValid: Type.Boolean(),
                  fileEncodingValid: Type.Boolean(),
                  errors: Type.Array(
                    Type.Object({ lineNumber: Type.Integer(), message: Type.String() }),
                  ),
                }),
                separator: Type.String(),
                encoding: Type.String(),
              },
              { title: 'CsvUploadDetailsResponse' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => uploadDetails(db, dataDir, principalOf(request), request.params.uploadId),
    );

    r.get(
      `${IMPORT_PATH}/csv/sample`,
      { schema: { tags, summary: 'A sample CSV file with every column an import reads' } },
      async (request, reply) => {
        const principal = principalOf(request);
        requirePermission(principal, UPLOAD_VIEW);
        const csv = sampleCsv(
          await listCustomFieldNames(db, principal.orgId, 'contact', 'enabled'),
        );
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="kith-import-sample.csv"')
          .send(csv);
      },
    );

    r.post(
      `${IMPORT_PATH}/csv/jobs`,
      {
        schema: {
          tags,
          summary: 'Import an uploaded file: the job validates every row, then waits for Continue',
          body: Type.Object(
            { ...JobBody, uploadId: Type.String({ minLength: 1, maxLength: 100 }) },
            { additionalProperties: true },
          ),
          response: {
            200: Type.Object(
              { job: Type.Object({ id: Type.String(), selfUri: Type.String() }) },
              { title: 'CsvJobResponse' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const job = await createJob(db, principalOf(request), request.body);
        onWork();
        return { job: { id: job.id, selfUri: jobSelfUri(job.id) } };
      },
    );

    r.post(
      `${IMPORT_PATH}/jobs`,
      {
        schema: {
          tags,
          summary: 'Create an import job (Kith: the body also names the uploadId)',
          body: Type.Object(JobBody, { additionalProperties: true }),
          response: { 200: JobView, ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const job = await createJob(db, principalOf(request), request.body, JOB_ADD);
        onWork();
        return view(job, originOf(request));
      },
    );

    r.get(
      `${IMPORT_PATH}/jobs`,
      {
        schema: {
          tags,
          summary: 'List import jobs (cursor paging, newest first unless sortOrder=Ascending)',
          querystring: Type.Object({
            after: Type.Optional(Type.String({ maxLength: 1000 })),
            pageSize: Type.Integer({ default: 25, minimum: 1, maximum: 200 }),
            sortOrder: Type.Optional(
              Type.Union([Type.Literal('Ascending'), Type.Literal('Descending')]),
            ),
            jobStatus: Type.Optional(
              Type.Union(
                ['Created', 'Running', 'Completed', 'Failed', 'Cancelled'].map((s) =>
                  Type.Literal(s),
                ),
              ),
            ),
            expand: Type.Optional(Type.Array(Type.String())),
          }),
          response: {
            200: Type.Object(
              {
                entities: Type.Array(JobView),
                nextUri: Type.Optional(Type.String()),
                selfUri: Type.String(),
                previousUri: Type.Optional(Type.String()),
                cursors: Type.Optional(Type.Object({ after: Type.String() })),
              },
              { title: 'ContactImportJobEntityListing' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { after, pageSize, sortOrder, jobStatus } = request.query;
        const descending = sortOrder !== 'Ascending';
        const scope = `import-jobs:${descending ? 'd' : 'a'}:${jobStatus ?? ''}`;
        const jobs = await listImportJobs(db, principalOf(request), {
          ...(after === undefined ? {} : { after: decodeCursor(after, scope) }),
          limit: pageSize + 1,
          descending,
          ...(jobStatus === undefined ? {} : { status: jobStatus }),
        });
        const page = jobs.slice(0, pageSize);
        const last = page[page.length - 1];
        const next =
          jobs.length > pageSize && last !== undefined ? encodeCursor(last.id, scope) : undefined;
        const listing = afterListing(
          await views(page, originOf(request)),
          next,
          `${IMPORT_PATH}/jobs`,
          {
            pageSize,
            sortOrder,
            jobStatus,
          },
        );
        return next === undefined ? listing : { ...listing, cursors: { after: next } };
      },
    );

    r.get(
      `${IMPORT_PATH}/jobs/:jobId`,
      {
        schema: {
          tags,
          summary: 'An import job: status, execution step, counts and report links',
          params: JobParams,
          querystring: Type.Object({ expand: Type.Optional(Type.Array(Type.String())) }),
          response: { 200: JobView, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        view(await getJob(db, principalOf(request), request.params.jobId), originOf(request)),
    );

    r.put(
      `${IMPORT_PATH}/jobs/:jobId`,
      {
        schema: {
          tags,
          summary: 'Continue a validated job, cancel one, or retry a failed or cancelled one',
          params: JobParams,
          body: Type.Object(
            { jobId: Type.Optional(Type.String()), status: Type.String({ maxLength: 50 }) },
            { additionalProperties: true },
          ),
          response: {
            200: Type.Object(
              { jobId: Type.String(), status: Type.String() },
              { title: 'ContactImportJobStatusUpdateResponse' },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const { jobId } = request.params;
        if (request.body.jobId !== undefined && request.body.jobId !== jobId)
          throw badRequest(
            `jobId ${request.body.jobId} of the body is not the job ${jobId} of the path`,
            'jobId',
          );
        const job = await commandJob(db, principalOf(request), jobId, request.body.status);
        onWork();
        return { jobId: job.id, status: job.status };
      },
    );

    r.get(
      `${IMPORT_PATH}/jobs/:jobId/reports/:pass`,
      {
        schema: {
          tags,
          summary:
            'The report of a pass: every line not imported, with its number, reason and cells',
          params: Type.Object({
            jobId: Type.String({ minLength: 1, maxLength: 100 }),
            pass: Type.Union([Type.Literal('dryrun'), Type.Literal('import')]),
          }),
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { jobId, pass } = request.params;
        const job = await getJob(db, principal, jobId);
        return sendReport(request, reply, job, pass);
      },
    );

    r.get(
      `${IMPORT_PATH}/jobs/reports/:orgId/:jobId/:pass/:token`,
      {
        config: { public: true },
        schema: {
          tags,
          summary:
            "Download a pass's report (the URL is the credential, as a pre-signed URL is): every line not imported",
          params: Type.Object({
            ...SIGNED_URL_PARAMS,
            jobId: Type.String({ minLength: 1, maxLength: 100 }),
            pass: Type.Union([Type.Literal('dryrun'), Type.Literal('import')]),
          }),
        },
      },
      async (request, reply) => {
        const { pass } = request.params;
        const job = await jobOfReportUrl(db, request.params);
        return sendReport(request, reply, job, pass);
      },
    );
  };
}
