import { mkdtempSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ensureDefaultOrganization } from '../../src/orgs/org.service.js';
import { bootstrapAdminClient } from '../../src/clients/bootstrap.js';
import { newId } from '../../src/common/ids.js';
import { nowIso } from '../../src/common/time.js';
import { insertContact } from '../../src/contacts/contact.repository.js';
import type { DialectName } from '../../src/db/database.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET } from '../helpers/kith.js';

/**
 * CSV import and export driven end to end through the official Genesys SDK, as an integrator
 * would: a Kith listening on a real port, files sent to and fetched from the URLs its answers
 * give, with plain `fetch` and no bearer token. `ApiClient.instance` is a process-wide
 * singleton, so every test signs in again before it calls the API.
 */

const client = platformClient.ApiClient.instance;
type Api = InstanceType<typeof platformClient.ExternalContactsApi>;
type ImportJob = Awaited<ReturnType<Api['getExternalcontactsImportJob']>>;
type ContactsExport = Awaited<ReturnType<Api['getExternalcontactsContactsExport']>>;

const POLL_TIMEOUT_MS = 20_000;
const POLL_INTERVAL_MS = 50;
const TEST_TIMEOUT_MS = 90_000;

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the SDK call to reject, but it resolved');
}

function genesysError(status: number, code?: string): Record<string, unknown> {
  return {
    status,
    ...(code === undefined ? {} : { code }),
    message: expect.any(String),
    contextId: expect.stringMatching(/\S/),
    details: expect.any(Array),
  };
}

/** Reads until `done` holds, 50 ms apart, for at most 20 s. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string) {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > POLL_TIMEOUT_MS)
      throw new Error(`${what} did not get there in 20 s: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

const ENDED = ['Completed', 'Failed', 'Cancelled'];

function validatedOrEnded(job: ImportJob): boolean {
  return (
    ENDED.includes(job.status ?? '') ||
    (job.status === 'Created' && job.executionStep === 'Validated')
  );
}

function ended(job: ImportJob): boolean {
  return ENDED.includes(job.status ?? '');
}

/** The headers of an upload answer as `fetch` takes them. */
function headersOf(list: readonly { name?: string; value?: string }[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of list) if (name !== undefined) headers[name] = value ?? '';
  return headers;
}

/** The rows of a CSV file as objects by header. */
function records(csv: string): Record<string, string>[] {
  return parse<Record<string, string>>(csv, { columns: true });
}

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Date.now().toString(36)}`;
}

/**
 * Kills this test process when the main thread has been blocked for `ms`: a server that spins
 * in-process would otherwise hang the run for ever, since no timer (not even the test's
 * timeout) fires while it spins. The watch runs on its own thread.
 */
function watchdog(ms: number, what: string): { disarm(): Promise<void> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const fs = require('node:fs');
     const timer = setTimeout(() => {
       fs.writeSync(2, '\\n' + workerData.what + ' did not answer in ' + workerData.ms +
         ' ms: killing the test process, whose event loop may be blocked\\n');
       process.kill(process.pid, 'SIGKILL');
     }, workerData.ms);
     parentPort.once('message', () => { clearTimeout(timer); parentPort.close(); });`,
    { eval: true, workerData: { ms, what } },
  );
  return {
    async disarm() {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('disarm');
      await exited;
    },
  };
}

/** A Kith listening on a real port over a fresh database and data directory, for a describe. */
function listeningKith(dialect: DialectName) {
  let database: TestDatabase;
  let app: FastifyInstance;
  let port: number;
  let orgId: string;
  let dataDir: string;
  /** The bearer token of the last sign-in, for the few URLs the SDK has no method for. */
  let accessToken: string;

  async function signIn(): Promise<Api> {
    client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
    client.setReturnExtendedResponses(false);
    const auth = await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
    accessToken = auth.accessToken;
    return new platformClient.ExternalContactsApi();
  }

  /** Uploads a file as the SDK's answer says: a PUT to its URL, with its headers, no token. */
  async function upload(api: Api, fileName: string, csv: string): Promise<string> {
    const announced = await api.postExternalcontactsImportCsvUploads({
      fileName,
      fileSize: Buffer.byteLength(csv),
    });
    expect(announced).toMatchObject({
      uploadId: expect.stringMatching(/\S/),
      uploadUrl: expect.stringMatching(/^https?:\/\//),
      uploadHeaders: expect.any(Array),
    });
    const watch = watchdog(15_000, `PUT ${announced.uploadUrl}`);
    try {
      const sent = await fetch(announced.uploadUrl, {
        method: 'PUT',
        headers: headersOf(announced.uploadHeaders),
        body: csv,
      });
      expect(sent.status).toBe(200);
    } finally {
      await watch.disarm();
    }
    return announced.uploadId;
  }

  /** Asks the job to continue after its dry run, then waits until it has ended. */
  async function continueJob(api: Api, jobId: string): Promise<ImportJob> {
    const continued = await api.putExternalcontactsImportJob(jobId, {
      jobId,
      status: 'Continue',
    });
    expect(continued).toMatchObject({ jobId, status: expect.any(String) });
    return until(() => api.getExternalcontactsImportJob(jobId), ended, `import job ${jobId}`);
  }

  /** Waits until an export has left RUNNING. */
  async function finished<T extends { status?: string }>(
    read: () => Promise<T>,
    what: string,
  ): Promise<T> {
    return until(read, (job) => job.status !== 'RUNNING', what);
  }

  /** The file of a finished export, fetched by its download URL alone (no bearer token). */
  async function download(job: { status?: string; downloadUrl?: string }): Promise<string> {
    expect(job.status).toBe('SUCCEEDED');
    expect(job.downloadUrl).toMatch(/^https?:\/\//);
    const res = await fetch(job.downloadUrl as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    return res.text();
  }

  async function searchOne(api: Api, q: string) {
    const listing = await api.getExternalcontactsContacts({ q });
    expect(listing.entities).toHaveLength(1);
    return listing.entities![0]!;
  }

  beforeAll(async () => {
    database = await openTestDatabase(dialect);
    const org = await ensureDefaultOrganization(database.db);
    orgId = org.id;
    await bootstrapAdminClient(database.db, org.id, { id: ADMIN_ID, secret: ADMIN_SECRET });
    dataDir = mkdtempSync(path.join(tmpdir(), 'kith-transfer-sdk-'));
    app = await buildApp({
      config: loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0', KITH_DATA_DIR: dataDir }),
      db: database.db,
      logger: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    client.setReturnExtendedResponses(false);
    await app?.close();
    await database?.destroy();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  return {
    /** Unique to this dialect's run, for names and email addresses. */
    tag: `${dialect}${Date.now().toString(36)}`,
    get db() {
      return database.db;
    },
    get orgId() {
      return orgId;
    },
    get port() {
      return port;
    },
    get accessToken() {
      return accessToken;
    },
    signIn,
    upload,
    continueJob,
    finished,
    download,
    searchOne,
  };
}

// Exports first: should a file upload block the server, the watchdog ends the process, and
// the exports will have run by then.
for (const dialect of DIALECTS) {
  describe(`CSV export through the Genesys SDK (${dialect})`, () => {
    const kith = listeningKith(dialect);
    const { tag, signIn, finished, download } = kith;

    it(
      'exports contacts to a file fetched by its download URL, filtered and listed newest first',
      async () => {
        const api = await signIn();
        const first = await api.postExternalcontactsContacts({
          firstName: 'Exported',
          lastName: `One ${tag}`,
          title: 'Analyst',
          workEmail: `export.one.${tag}@example.com`,
          workPhone: { display: '+1 317 555 0201' },
          address: { city: 'Indianapolis', countryCode: 'US' },
        });
        const second = await api.postExternalcontactsContacts({
          firstName: 'Exported',
          lastName: `Two ${tag}`,
          personalEmail: `export.two.${tag}@example.org`,
        });
        // An Ephemeral contact (made by interactions, not by the API), which the filter leaves out.
        const ephemeralId = newId();
        const now = nowIso();
        await insertContact(
          kith.db,
          {
            id: ephemeralId,
            orgId: kith.orgId,
            divisionId: null,
            type: 'Ephemeral',
            fields: { firstName: 'Visitor' },
            version: 1,
            createDate: now,
            modifyDate: now,
          },
          [],
        );

        const asked = await api.postExternalcontactsContactsExports({
          divisionIds: [],
          queryConditions: {},
        });
        expect(asked).toMatchObject({
          id: expect.stringMatching(/\S/),
          status: expect.stringMatching(/^(RUNNING|SUCCEEDED)$/),
          divisionIds: [],
          dateCreated: expect.any(String),
          createdBy: { id: expect.any(String) },
          selfUri: expect.stringContaining(asked.id!),
        });
        const all = await finished(
          () => api.getExternalcontactsContactsExport(asked.id!),
          `contacts export ${asked.id}`,
        );
        expect(all).toMatchObject({
          id: asked.id,
          status: 'SUCCEEDED',
          resultRowCount: expect.any(Number),
          dateCompletion: expect.any(String),
          downloadUrl: expect.stringMatching(/^https?:\/\//),
        });
        const rows = records(await download(all));
        expect(rows).toHaveLength(all.resultRowCount!);
        expect(rows.find((r) => r.id === first.id)).toMatchObject({
          firstName: 'Exported',
          lastName: `One ${tag}`,
          title: 'Analyst',
          workEmail: `export.one.${tag}@example.com`,
          // E.164, behind the `'` Kith puts before a cell starting with `+` (README: formulas).
          workPhone: "'+13175550201",
          'address.city': 'Indianapolis',
          type: 'Curated',
          divisionId: '*',
        });
        expect(rows.find((r) => r.id === second.id)).toMatchObject({
          lastName: `Two ${tag}`,
          personalEmail: `export.two.${tag}@example.org`,
        });
        expect(rows.find((r) => r.id === ephemeralId)).toMatchObject({ type: 'Ephemeral' });

        const curatedAsked = await api.postExternalcontactsContactsExports({
          divisionIds: [],
          queryConditions: {
            filters: { eq: { field: 'ContactClassification', value: 'Curated' } },
          },
        });
        const curated = await finished(
          () => api.getExternalcontactsContactsExport(curatedAsked.id!),
          `contacts export ${curatedAsked.id}`,
        );
        expect(curated).toMatchObject({
          status: 'SUCCEEDED',
          resultRowCount: all.resultRowCount! - 1,
          queryConditions: {
            filters: { eq: { field: 'ContactClassification', value: 'Curated' } },
          },
        });
        const curatedRows = records(await download(curated));
        expect(curatedRows.map((r) => r.id)).toEqual(expect.arrayContaining([first.id, second.id]));
        expect(curatedRows.map((r) => r.id)).not.toContain(ephemeralId);
        expect(curatedRows.every((r) => r.type === 'Curated')).toBe(true);

        const newest = await api.getExternalcontactsContactsExports({ pageSize: 1 });
        expect(newest.entities?.map((e) => e.id)).toEqual([curated.id]);
        expect(newest.nextUri).toEqual(expect.any(String));
        expect(newest.entities?.[0]).toMatchObject({
          status: 'SUCCEEDED',
          resultRowCount: curated.resultRowCount,
        });
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'exports organizations, notes and relationships',
      async () => {
        const api = await signIn();
        const organizationName = unique(`Exported Org ${tag}`);
        const organization = await api.postExternalcontactsOrganizations({
          name: organizationName,
        });
        const contact = await api.postExternalcontactsContacts({
          firstName: 'Noted',
          lastName: tag,
        });
        const noteText = `A note ${tag}`;
        // The SDK's Note model marks the read-only createdBy as required.
        await api.postExternalcontactsContactNotes(contact.id!, {
          noteText,
        } as unknown as Parameters<Api['postExternalcontactsContactNotes']>[1]);

        const organizationsAsked = await api.postExternalcontactsOrganizationsExports({});
        expect(organizationsAsked.status).toMatch(/^(RUNNING|SUCCEEDED)$/);
        const organizations = await finished(
          () => api.getExternalcontactsOrganizationsExport(organizationsAsked.id!),
          `organizations export ${organizationsAsked.id}`,
        );
        expect(organizations).toMatchObject({ status: 'SUCCEEDED', resultRowCount: 1 });
        expect(records(await download(organizations))).toEqual([
          expect.objectContaining({ id: organization.id, name: organizationName }),
        ]);

        const notesAsked = await api.postExternalcontactsNotesExports({});
        expect(notesAsked.status).toMatch(/^(RUNNING|SUCCEEDED)$/);
        const notes = await finished(
          () => api.getExternalcontactsNotesExport(notesAsked.id!),
          `notes export ${notesAsked.id}`,
        );
        expect(notes).toMatchObject({ status: 'SUCCEEDED', resultRowCount: 1 });
        expect(records(await download(notes))).toEqual([
          expect.objectContaining({ entityId: contact.id, noteText }),
        ]);

        const relationshipsAsked = await api.postExternalcontactsRelationshipsExports({});
        expect(relationshipsAsked.status).toMatch(/^(RUNNING|SUCCEEDED)$/);
        const relationships = await finished(
          () => api.getExternalcontactsRelationshipsExport(relationshipsAsked.id!),
          `relationships export ${relationshipsAsked.id}`,
        );
        expect(relationships).toMatchObject({ status: 'SUCCEEDED', resultRowCount: 0 });
        expect(records(await download(relationships))).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    // The SDK joins a `multi` collection parameter with commas (ApiClient.serialize):
    // `divisionIds=a,b`, as for the contacts search.
    it(
      'lists the exports of two divisions at once, as the SDK sends them',
      async () => {
        const api = await signIn();
        const authorization = new platformClient.AuthorizationApi();
        const east = await authorization.postAuthorizationDivisions({
          name: unique(`Export east ${tag}`),
          description: 'exports',
        });
        const west = await authorization.postAuthorizationDivisions({
          name: unique(`Export west ${tag}`),
          description: 'exports',
        });
        const ofEast = await api.postExternalcontactsContactsExports({ divisionIds: [east.id!] });
        const ofWest = await api.postExternalcontactsContactsExports({ divisionIds: [west.id!] });
        const exports: ContactsExport[] = [ofEast, ofWest];
        expect(exports.map((e) => e.divisionIds)).toEqual([[east.id], [west.id]]);

        const onlyEast = await api.getExternalcontactsContactsExports({ divisionIds: [east.id!] });
        expect(onlyEast.entities?.map((e) => e.id)).toEqual([ofEast.id]);
        const both = await api.getExternalcontactsContactsExports({
          divisionIds: [east.id!, west.id!],
        });
        expect(both.entities?.map((e) => e.id)).toEqual([ofWest.id, ofEast.id]);
      },
      TEST_TIMEOUT_MS,
    );

    it('rejects an export filter on a field it cannot apply with a 400', async () => {
      const api = await signIn();
      const refused = await rejectionOf(
        api.postExternalcontactsContactsExports({
          queryConditions: { filters: { eq: { field: 'ShoeSize', value: '9' } } },
        }),
      );
      expect(refused).toMatchObject(genesysError(400, 'bad.request'));
      expect((refused as { message: string }).message).toContain(
        'queryConditions.filters.eq.field',
      );
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`CSV import through the Genesys SDK (${dialect})`, () => {
    const kith = listeningKith(dialect);
    const { tag, signIn, upload, continueJob, searchOne } = kith;

    it(
      'imports a CSV file: upload URL, preview, details, dry run, Continue, then the contacts',
      async () => {
        const api = await signIn();
        const source = await api.postExternalcontactsExternalsources({
          name: unique(`Import CRM ${tag}`),
          active: true,
        });
        const settingsName = unique(`Import settings ${tag}`);
        const settings = await api.postExternalcontactsImportSettings({
          name: settingsName,
          matchingCriteria: ['Email', 'Phone'],
          mergeContacts: false,
          externalSourceId: source.id!,
          importFields: [],
        });
        expect(settings).toMatchObject({
          id: expect.stringMatching(/\S/),
          name: settingsName,
          matchingCriteria: ['Email', 'Phone'],
          mergeContacts: false,
          externalSourceId: source.id,
          importFields: [],
          selfUri: expect.stringContaining(settings.id!),
        });

        const ada = `ada.${tag}@example.com`;
        const grace = `grace.${tag}@example.com`;
        const header = ['firstName', 'lastName', 'workPhone', 'workEmail', 'externalId'];
        const rows = [
          ['Ada', 'Lovelace', '(317) 555-0101', ada, `crm-ada-${tag}`],
          ['Bad', 'Email', '', 'not-an-email', `crm-bad-${tag}`],
          ['Grace', 'Hopper', '+44 20 7946 0958', grace, `crm-grace-${tag}`],
        ];
        const csv = `${[header, ...rows].map((cells) => cells.join(',')).join('\n')}\n`;
        const uploadId = await upload(api, 'people.csv', csv);

        const preview = await api.getExternalcontactsImportCsvUploadPreview(uploadId);
        expect(preview).toEqual({ uploadId, headers: header, entries: rows });
        const details = await api.getExternalcontactsImportCsvUploadDetails(uploadId);
        expect(details).toMatchObject({
          uploadId,
          fileName: 'people.csv',
          validationResult: { separatorValid: true, fileEncodingValid: true, errors: [] },
        });

        const created = await api.postExternalcontactsImportCsvJobs({
          uploadId,
          settingsId: settings.id!,
          division: { id: '*' },
        });
        expect(created.job).toMatchObject({ id: expect.stringMatching(/\S/) });
        const jobId = created.job.id!;

        const dryRun = await until(
          () => api.getExternalcontactsImportJob(jobId),
          validatedOrEnded,
          `the dry run of import job ${jobId}`,
        );
        expect(dryRun).toMatchObject({
          id: jobId,
          status: 'Created',
          executionStep: 'Validated',
          metadata: { fileName: 'people.csv', dryRunSuccessCount: 2, dryRunFailedCount: 1 },
          settings: { id: settings.id },
          division: { id: '*' },
          selfUri: expect.stringContaining(jobId),
        });
        // The dry run writes nothing.
        expect((await api.getExternalcontactsContacts({ q: ada })).entities ?? []).toEqual([]);

        const job = await continueJob(api, jobId);
        expect(job).toMatchObject({
          id: jobId,
          status: 'Completed',
          metadata: {
            fileName: 'people.csv',
            dryRunSuccessCount: 2,
            dryRunFailedCount: 1,
            importSuccessCount: 2,
            importFailedCount: 1,
          },
        });

        expect(await searchOne(api, ada)).toMatchObject({
          firstName: 'Ada',
          lastName: 'Lovelace',
          workEmail: ada,
          // No country code: read as a US number.
          workPhone: { e164: '+13175550101' },
          externalIds: [{ externalSource: { id: source.id }, value: `crm-ada-${tag}` }],
          type: 'Curated',
          division: { id: '*' },
        });
        expect(await searchOne(api, grace)).toMatchObject({
          firstName: 'Grace',
          workPhone: { e164: '+442079460958' },
        });

        const listed = await api.getExternalcontactsImportJobs();
        expect(listed.entities?.map((j) => j.id)).toContain(jobId);
        const completed = await api.getExternalcontactsImportJobs({ jobStatus: 'Completed' });
        expect(completed.entities?.find((j) => j.id === jobId)).toMatchObject({
          status: 'Completed',
          metadata: { importSuccessCount: 2, importFailedCount: 1 },
        });

        // The report of the import names the bad row by its line. The SDK has no method for it:
        // its URL is fetched as it is, with no token, as a Genesys pre-signed URL is.
        const reportUrl = job.metadata?.importReportDownloadUrl;
        expect(reportUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${kith.port}/`));
        const report = await fetch(reportUrl as string);
        expect(report.status).toBe(200);
        const reported: string[][] = parse(await report.text(), { relax_column_count: true });
        expect(reported.slice(1).map((r) => r[0])).toEqual(['3']);
        expect(reported[1]?.[1]).toContain('not-an-email');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'maps non-standard column names through CSV settings',
      async () => {
        const api = await signIn();
        const source = await api.postExternalcontactsExternalsources({
          name: unique(`Mapped CRM ${tag}`),
          active: true,
        });
        const settings = await api.postExternalcontactsImportSettings({
          name: unique(`Mapped settings ${tag}`),
          matchingCriteria: ['Email', 'Phone'],
          mergeContacts: false,
          externalSourceId: source.id!,
          importFields: [],
        });
        const mappings = [
          { sourceField: 'Given Name', targetField: 'firstName' },
          { sourceField: 'Family Name', targetField: 'lastName' },
          { sourceField: 'E-mail', targetField: 'workEmail' },
          { sourceField: 'Mobile', targetField: 'cellPhone' },
        ];
        const csvSettings = await api.postExternalcontactsImportCsvSettings({
          externalSettingsId: settings.id!,
          mappings,
        });
        expect(csvSettings).toMatchObject({
          id: expect.stringMatching(/\S/),
          externalSettingsId: settings.id,
          mappings,
        });

        const mapped = `mapped.${tag}@example.com`;
        const csv = [
          'Given Name,Family Name,E-mail,Mobile,Ignored',
          `Mapped,Person,${mapped},(317) 555-0102,zzz`,
          '',
        ].join('\r\n');
        const uploadId = await upload(api, 'mapped.csv', csv);
        const created = await api.postExternalcontactsImportCsvJobs({
          uploadId,
          settingsId: csvSettings.id!,
          division: { id: '*' },
        });
        const jobId = created.job.id!;
        const dryRun = await until(
          () => api.getExternalcontactsImportJob(jobId),
          validatedOrEnded,
          `the dry run of import job ${jobId}`,
        );
        expect(dryRun).toMatchObject({
          status: 'Created',
          executionStep: 'Validated',
          metadata: { fileName: 'mapped.csv', dryRunSuccessCount: 1, dryRunFailedCount: 0 },
        });
        const job = await continueJob(api, jobId);
        expect(job).toMatchObject({
          status: 'Completed',
          metadata: { importSuccessCount: 1, importFailedCount: 0 },
        });
        expect(await searchOne(api, mapped)).toMatchObject({
          firstName: 'Mapped',
          lastName: 'Person',
          workEmail: mapped,
          cellPhone: { e164: '+13175550102' },
        });
        const listed = await api.getExternalcontactsImportJobs({ pageSize: '200' });
        expect(listed.entities?.map((j) => j.id)).toContain(jobId);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
