import fs from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { postContact, ROOT } from '../helpers/contacts.js';
import { importCsv, importSettings, tempDataDir } from '../helpers/imports.js';
import { insertExport } from '../../src/exports/export-job.repository.js';
import { exportFile } from '../../src/exports/export-engine.js';
import { startExportWorker } from '../../src/exports/export-worker.js';
import { newId } from '../../src/common/ids.js';
import { addSeconds, nowIso } from '../../src/common/time.js';

interface ExportView {
  id: string;
  status: string;
  divisionIds: string[];
  downloadUrl?: string;
  resultRowCount?: number;
  dateCreated: string;
  dateCompletion?: string;
  queryConditions: { filters?: unknown; limit?: number };
  createdBy: { id: string };
  selfUri: string;
}

const ORGANIZATIONS = `${ROOT}/organizations`;

function field(type: string): Record<string, unknown> {
  return { allOf: [{ $ref: `#/definitions/${type}` }], title: `A ${type}` };
}

/** Asks for an export and waits until it has finished. */
async function exportOf(
  kith: TestKith,
  kind: string,
  body: Record<string, unknown> = {},
  token?: string,
): Promise<ExportView> {
  const asked = ok<ExportView>(
    await kith.request('POST', `${ROOT}/${kind}/exports`, {
      body,
      ...(token === undefined ? {} : { token }),
    }),
  );
  expect(asked.status).toMatch(/RUNNING|SUCCEEDED/);
  const started = Date.now();
  for (;;) {
    const job = ok<ExportView>(await kith.request('GET', `${ROOT}/${kind}/exports/${asked.id}`));
    if (job.status !== 'RUNNING') return job;
    if (Date.now() - started > 20_000) throw new Error(`export ${asked.id} is still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The file of a finished export, fetched by its download URL alone (no bearer token). */
async function download(kith: TestKith, job: ExportView): Promise<string> {
  expect(job.status).toBe('SUCCEEDED');
  const url = new URL(job.downloadUrl as string);
  const res = await kith.request('GET', url.pathname, { token: null });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toContain('text/csv');
  return res.body;
}

/** The rows of a CSV file as objects by header. */
function records(csv: string): Record<string, string>[] {
  return parse<Record<string, string>>(csv, { columns: true });
}

for (const dialect of DIALECTS) {
  describe(`Exports over HTTP (${dialect})`, () => {
    const kith = useTestKith(dialect, { env: { KITH_DATA_DIR: tempDataDir() } });

    it('exports every contact with every field, custom fields included, and escapes formulas', async () => {
      const schema = ok<{ id: string; version: number }>(
        await kith.request('POST', `${CONTACTS}/schemas`, {
          body: {
            name: 'Export loyalty',
            jsonSchema: {
              title: 'Export loyalty',
              properties: { tier_text: field('text'), visits_integer: field('integer') },
            },
          },
        }),
      );
      const ada = await postContact(kith, {
        firstName: '=HYPERLINK("http://evil.example","click")',
        lastName: 'Lovelace, Countess',
        workPhone: { display: '+1 317 555 0101' },
        workEmail: 'ada.export@example.com',
        address: { city: 'London', countryCode: 'GB' },
        schema: { id: schema.id, version: schema.version },
        customFields: { tier_text: '@gold', visits_integer: 7 },
      });
      await postContact(kith, { firstName: 'Grace', lastName: 'Hopper' });

      const job = await exportOf(kith, 'contacts');
      expect(job).toMatchObject({
        status: 'SUCCEEDED',
        resultRowCount: 2,
        divisionIds: [],
        queryConditions: { limit: 180_000_000 },
        createdBy: { id: expect.any(String) },
        dateCompletion: expect.any(String),
      });
      const csv = await download(kith, job);
      const rows = records(csv);
      expect(rows).toHaveLength(2);
      const row = rows.find((r) => r.id === ada.id);
      expect(row).toMatchObject({
        firstName: `'=HYPERLINK("http://evil.example","click")`,
        lastName: 'Lovelace, Countess',
        workPhone: "'+13175550101",
        workEmail: 'ada.export@example.com',
        'address.city': 'London',
        'schema.id': schema.id,
        'customFields.tier_text': "'@gold",
        'customFields.visits_integer': '7',
        type: 'Curated',
        divisionId: '*',
      });
    });

    it('filters by division, type and organization, and stops at the limit', async () => {
      const east = await createDivision(kith, 'Export east');
      const west = await createDivision(kith, 'Export west');
      const divisionIds = [east, west];
      const organization = ok<{ id: string }>(
        await kith.request('POST', ORGANIZATIONS, { body: { name: 'Export Org' } }),
      );
      const inEast = await postContact(kith, { firstName: 'East', division: { id: east } });
      const employee = await postContact(kith, {
        firstName: 'Employee',
        division: { id: west },
        externalOrganization: { id: organization.id },
      });
      await postContact(kith, { firstName: 'Other', division: { id: west } });

      const byDivision = records(
        await download(kith, await exportOf(kith, 'contacts', { divisionIds: [east] })),
      );
      expect(byDivision.map((r) => r.id)).toEqual([inEast.id]);

      const byOrganization = records(
        await download(
          kith,
          await exportOf(kith, 'contacts', {
            divisionIds,
            queryConditions: {
              filters: { eq: { field: 'ExternalOrganizationId', value: organization.id } },
            },
          }),
        ),
      );
      expect(byOrganization.map((r) => r.id)).toEqual([employee.id]);

      const notCurated = await exportOf(kith, 'contacts', {
        divisionIds,
        queryConditions: {
          filters: { not: { eq: { field: 'ContactClassification', value: 'curated' } } },
        },
      });
      expect(notCurated.resultRowCount).toBe(0);

      const limited = await exportOf(kith, 'contacts', {
        divisionIds,
        queryConditions: { limit: 2 },
      });
      expect(limited.resultRowCount).toBe(2);
      expect(records(await download(kith, limited))).toHaveLength(2);

      const eastOrWithOrganization = await exportOf(kith, 'contacts', {
        divisionIds,
        queryConditions: {
          filters: {
            and: [
              {
                or: [
                  { in: { field: 'DivisionId', values: [east] } },
                  { eq: { field: 'ExternalOrganizationId', value: organization.id } },
                ],
              },
              { gte: { field: 'CreateDate', value: '2000-01-01T00:00:00Z' } },
            ],
          },
        },
      });
      expect(eastOrWithOrganization.resultRowCount).toBe(2);
      const none = await exportOf(kith, 'contacts', {
        divisionIds,
        queryConditions: { filters: { lte: { field: 'CreateDate', value: '2000-01-01' } } },
      });
      expect(none.resultRowCount).toBe(0);
    });

    it('refuses a filter it cannot apply, naming it', async () => {
      const unknownField = await kith.request('POST', `${CONTACTS}/exports`, {
        body: { queryConditions: { filters: { eq: { field: 'ShoeSize', value: '9' } } } },
      });
      expectGenesysError(unknownField, 400, 'bad.request');
      expect(unknownField.json().message).toContain('queryConditions.filters.eq.field');
      const dateOnText = await kith.request('POST', `${CONTACTS}/exports`, {
        body: { queryConditions: { filters: { lte: { field: 'DivisionId', value: 'x' } } } },
      });
      expectGenesysError(dateOnText, 400, 'bad.request');
      const twoOperators = await kith.request('POST', `${CONTACTS}/exports`, {
        body: {
          queryConditions: {
            filters: {
              eq: { field: 'DivisionId', value: '*' },
              in: { field: 'DivisionId', values: ['*'] },
            },
          },
        },
      });
      expectGenesysError(twoOperators, 400, 'bad.request');
      const badLimit = await kith.request('POST', `${CONTACTS}/exports`, {
        body: { queryConditions: { limit: 0 } },
      });
      expectGenesysError(badLimit, 400, 'bad.request');
    });

    it('imports an export back to the same contacts, and exports them again unchanged', async () => {
      const division = await createDivision(kith, 'Round trip');
      const schema = ok<{ id: string; version: number }>(
        await kith.request('POST', `${CONTACTS}/schemas`, {
          body: {
            name: 'Round trip',
            jsonSchema: {
              title: 'Round trip',
              properties: { level_text: field('text'), likes_tag: field('tag') },
            },
          },
        }),
      );
      await postContact(kith, {
        firstName: '+Plus',
        lastName: 'O"Quote',
        title: '-minus',
        workPhone: { display: '+44 20 7946 0958' },
        cellPhone: { display: '(317) 555-0199' },
        workEmail: 'round.trip@example.com',
        personalEmail: 'round.personal@example.com',
        address: { address1: '1 Line\nTwo', city: 'Leeds', postalCode: 'LS1', countryCode: 'GB' },
        twitterId: { screenName: 'roundtrip' },
        surveyOptOut: true,
        externalSystemUrl: 'https://crm.example.com/1',
        schema: { id: schema.id, version: schema.version },
        customFields: { level_text: '=1+1', likes_tag: ['tea', 'cake'] },
        division: { id: division },
      });
      await postContact(kith, {
        firstName: 'Plain',
        workEmail: 'plain.trip@example.com',
        division: { id: division },
      });

      const first = await download(
        kith,
        await exportOf(kith, 'contacts', { divisionIds: [division] }),
      );
      const { settingsId } = await importSettings(kith);
      const { job } = await importCsv(kith, first, { settingsId, division });
      expect(job).toMatchObject({
        status: 'Completed',
        metadata: { importSuccessCount: 2, importFailedCount: 0 },
        progress: { createdCount: 0, updatedCount: 0, unchangedCount: 2 },
      });
      const second = await download(
        kith,
        await exportOf(kith, 'contacts', { divisionIds: [division] }),
      );
      expect(second).toBe(first);
    });

    it('exports organizations, notes and relationships', async () => {
      const organization = ok<{ id: string }>(
        await kith.request('POST', ORGANIZATIONS, {
          body: { name: 'Notes Inc', tags: ['a', 'b'], websites: ['https://notes.example'] },
        }),
      );
      const contact = await postContact(kith, { firstName: 'Noted' });
      ok(
        await kith.request('POST', `${CONTACTS}/${contact.id}/notes`, {
          body: { noteText: '=cmd|calc' },
        }),
      );
      ok(
        await kith.request('POST', `${ORGANIZATIONS}/${organization.id}/notes`, {
          body: { noteText: 'about the organization' },
        }),
      );

      const organizations = records(await download(kith, await exportOf(kith, 'organizations')));
      expect(organizations.find((o) => o.id === organization.id)).toMatchObject({
        name: 'Notes Inc',
        tags: 'a;b',
        websites: 'https://notes.example',
      });

      const notes = records(await download(kith, await exportOf(kith, 'notes')));
      expect(notes.map((n) => [n.entityType, n.entityId, n.noteText]).sort()).toEqual([
        ['contact', contact.id, "'=cmd|calc"],
        ['organization', organization.id, 'about the organization'],
      ]);
      const ofOrganization = await exportOf(kith, 'notes', {
        queryConditions: { filters: { eq: { field: 'EntityType', value: 'organization' } } },
      });
      expect(ofOrganization.resultRowCount).toBe(1);

      const relationships = await exportOf(kith, 'relationships');
      expect(relationships.status).toBe('SUCCEEDED');
      expect(records(await download(kith, relationships))).toEqual([]);
    });

    it('writes an export whose writer died: another worker takes its lease over', async () => {
      await postContact(kith, { firstName: 'Orphaned', lastName: 'Export' });
      const id = newId();
      // A RUNNING export leased to a process of this host that no longer exists, for an hour.
      await insertExport(kith.database.db, {
        id,
        orgId: kith.orgId,
        kind: 'contacts',
        divisionIds: [],
        parts: [{ filter: { divisionIds: 'all', includeUnassigned: true } }],
        filters: null,
        limit: 180_000_000,
        status: 'RUNNING',
        statusDetails: null,
        resultRowCount: null,
        token: 'orphan-token',
        leaseOwner: `${hostname()}:2147483646:dead`,
        leaseUntil: addSeconds(nowIso(), 3600),
        principal: { type: 'client', id: 'someone' },
        dateCreated: nowIso(),
        dateCompleted: null,
      });
      // What the dead writer left half-written.
      const file = exportFile(kith.config.dataDir, { orgId: kith.orgId, id });
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.deadbeef.part`, 'id,firstName\n01,Half');
      const started = Date.now();
      let job: ExportView;
      do {
        await new Promise((resolve) => setTimeout(resolve, 100));
        job = ok<ExportView>(await kith.request('GET', `${CONTACTS}/exports/${id}`));
      } while (job.status === 'RUNNING' && Date.now() - started < 20_000);
      expect(job.status).toBe('SUCCEEDED');
      const rows = records(await download(kith, job));
      expect(rows.some((r) => r.lastName === 'Export')).toBe(true);
      expect(rows).toHaveLength(job.resultRowCount as number);
      expect(fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(id))).toEqual([
        `${id}.csv`,
      ]);
    });

    it('removes export files older than KITH_EXPORT_RETENTION_DAYS; their downloads then answer 404', async () => {
      await postContact(kith, { firstName: 'Kept', lastName: 'Awhile' });
      const old = await exportOf(kith, 'contacts');
      const fresh = await exportOf(kith, 'contacts');
      const oldFile = exportFile(kith.config.dataDir, { orgId: kith.orgId, id: old.id });
      const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000);
      fs.utimesSync(oldFile, eightDaysAgo, eightDaysAgo);
      // A worker cleans when it starts, then hourly.
      const worker = startExportWorker(kith.database.db, {
        dataDir: kith.config.dataDir,
        retentionDays: 7,
        onError: (error) => {
          throw error;
        },
      });
      try {
        const started = Date.now();
        while (fs.existsSync(oldFile) && Date.now() - started < 10_000)
          await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        await worker.stop();
      }
      expect(fs.existsSync(oldFile)).toBe(false);
      const gone = await kith.request('GET', new URL(old.downloadUrl as string).pathname, {
        token: null,
      });
      expectGenesysError(gone, 404, 'not.found');
      expect(gone.json<{ message: string }>().message).toContain('KITH_EXPORT_RETENTION_DAYS');
      expect(records(await download(kith, fresh)).some((r) => r.lastName === 'Awhile')).toBe(true);
    });

    it('lists exports newest first, and keeps each to those allowed to read it', async () => {
      const older = await exportOf(kith, 'contacts');
      const newer = await exportOf(kith, 'contacts');
      const listing = ok<{ entities: ExportView[]; nextUri?: string }>(
        await kith.request('GET', `${CONTACTS}/exports?pageSize=1`),
      );
      expect(listing.entities.map((e) => e.id)).toEqual([newer.id]);
      expect(listing.nextUri).toBeDefined();
      const next = ok<{ entities: ExportView[] }>(
        await kith.request('GET', listing.nextUri as string),
      );
      expect(next.entities.map((e) => e.id)).toEqual([older.id]);

      const viewer = await kith.principal(['externalContacts:contact:view'], ['*']);
      const refused = await kith.request('POST', `${CONTACTS}/exports`, {
        body: {},
        token: viewer.token,
      });
      expectGenesysError(refused, 403, 'missing.permissions');

      const wrongToken = new URL(older.downloadUrl as string).pathname.replace(/[^/]+$/, 'x');
      expect((await kith.request('GET', wrongToken, { token: null })).statusCode).toBe(404);
      const other = await kith.request('GET', `${ROOT}/organizations/exports/${older.id}`);
      expect(other.statusCode).toBe(404);
    });
  });
}
