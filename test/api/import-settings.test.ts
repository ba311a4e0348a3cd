import type { AddressInfo } from 'node:net';
import platformClient from 'purecloud-platform-client-v2';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { expectGenesysError, ok, type GenesysError } from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith, type TestKith } from '../helpers/kith.js';
import { EXTERNAL_SOURCES, ROOT } from '../helpers/contacts.js';
import { findCsvSettings, findImportSettings } from '../../src/imports/import-settings.service.js';

const SETTINGS = `${ROOT}/import/settings`;
const CSV_SETTINGS = `${ROOT}/import/csv/settings`;

interface SettingsView {
  id: string;
  name: string;
  matchingCriteria: string[];
  mergeContacts: boolean;
  externalSourceId: string;
  importFields: { name: string; included: boolean }[];
  dateCreated: string;
  selfUri: string;
}

interface SettingsPage {
  entities: SettingsView[];
  nextUri?: string;
  selfUri: string;
  previousUri?: string;
  cursors?: { after?: string };
}

interface CsvView {
  id: string;
  externalSettingsId?: string;
  mappings: { sourceField: string; targetField: string }[];
  selfUri: string;
}

interface CsvPage {
  entities: CsvView[];
  nextUri?: string;
  selfUri: string;
  previousUri?: string;
}

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix} ${counter} ${Date.now().toString(36)}`;
}

async function postSource(kith: TestKith, token?: string): Promise<string> {
  return ok<{ id: string }>(
    await kith.request('POST', EXTERNAL_SOURCES, {
      body: { name: unique('Source') },
      ...(token === undefined ? {} : { token }),
    }),
  ).id;
}

function settingsBody(sourceId: string, over: Record<string, unknown> = {}) {
  return {
    name: unique('Settings'),
    matchingCriteria: ['Email', 'Phone'],
    mergeContacts: true,
    externalSourceId: sourceId,
    importFields: [
      { name: 'firstName', included: true },
      { name: 'title', included: false },
    ],
    ...over,
  };
}

function csvBody(over: Record<string, unknown> = {}) {
  return {
    mappings: [
      { sourceField: 'First Name', targetField: 'firstName' },
      { sourceField: 'Email', targetField: 'workEmail' },
    ],
    ...over,
  };
}

/** The field names of a 400 (or other) answer, after checking it is a Genesys error. */
function fieldsOf(error: GenesysError): string[] {
  return error.details.map((d) => d.fieldName ?? '');
}

for (const dialect of DIALECTS) {
  describe(`import settings (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sourceId: string;

    beforeAll(async () => {
      sourceId = await postSource(kith);
    });

    async function postSettings(over: Record<string, unknown> = {}): Promise<SettingsView> {
      return ok<SettingsView>(
        await kith.request('POST', SETTINGS, { body: settingsBody(sourceId, over) }),
      );
    }

    async function postCsv(over: Record<string, unknown> = {}): Promise<CsvView> {
      return ok<CsvView>(await kith.request('POST', CSV_SETTINGS, { body: csvBody(over) }));
    }

    describe('/import/settings', () => {
      it('creates, reads, replaces and deletes import settings', async () => {
        const body = settingsBody(sourceId, { matchingCriteria: ['phone', 'EMAIL'] });
        const created = ok<SettingsView>(await kith.request('POST', SETTINGS, { body }));
        expect(created).toEqual({
          id: expect.any(String),
          name: body.name,
          matchingCriteria: ['Phone', 'Email'],
          mergeContacts: true,
          externalSourceId: sourceId,
          importFields: body.importFields,
          dateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          selfUri: `${SETTINGS}/${created.id}`,
        });
        expect(ok<SettingsView>(await kith.request('GET', created.selfUri))).toEqual(created);

        // A GET-modify-PUT round trip, read-only fields included.
        const otherSource = await postSource(kith);
        const replaced = ok<SettingsView>(
          await kith.request('PUT', created.selfUri, {
            body: {
              ...created,
              name: `${created.name} v2`,
              matchingCriteria: [],
              mergeContacts: false,
              externalSourceId: otherSource,
              importFields: [{ name: 'lastName', included: true }],
            },
          }),
        );
        expect(replaced).toEqual({
          ...created,
          name: `${created.name} v2`,
          matchingCriteria: [],
          mergeContacts: false,
          externalSourceId: otherSource,
          importFields: [{ name: 'lastName', included: true }],
        });
        expect(ok<SettingsView>(await kith.request('GET', created.selfUri))).toEqual(replaced);

        const deleted = await kith.request('DELETE', created.selfUri);
        expect(deleted.statusCode).toBe(204);
        expect(deleted.body).toBe('');
        expectGenesysError(await kith.request('GET', created.selfUri), 404, 'not.found');
        expectGenesysError(await kith.request('DELETE', created.selfUri), 404, 'not.found');
        expectGenesysError(
          await kith.request('PUT', created.selfUri, { body: settingsBody(sourceId) }),
          404,
          'not.found',
        );
      });

      it('stores no matching criteria when none are given: the external id alone', async () => {
        const { matchingCriteria: _none, ...body } = settingsBody(sourceId);
        expect(
          ok<SettingsView>(await kith.request('POST', SETTINGS, { body })).matchingCriteria,
        ).toEqual([]);
        expect(
          ok<SettingsView>(
            await kith.request('POST', SETTINGS, {
              body: { ...settingsBody(sourceId), matchingCriteria: null },
            }),
          ).matchingCriteria,
        ).toEqual([]);
      });

      it('answers a name taken in any case with 409 naming name, on create and on rename', async () => {
        const first = await postSettings({ name: 'Nightly sync' });
        for (const name of ['Nightly sync', 'NIGHTLY SYNC', ' nightly sync ']) {
          const error = expectGenesysError(
            await kith.request('POST', SETTINGS, { body: settingsBody(sourceId, { name }) }),
            409,
            'conflict',
          );
          expect(fieldsOf(error)).toEqual(['name']);
          expect(error.message).toContain('Nightly sync');
        }
        const second = await postSettings();
        const error = expectGenesysError(
          await kith.request('PUT', second.selfUri, {
            body: settingsBody(sourceId, { name: 'nightly SYNC' }),
          }),
          409,
          'conflict',
        );
        expect(fieldsOf(error)).toEqual(['name']);
        // Renaming settings to their own name in another case is no conflict.
        expect(
          ok<SettingsView>(
            await kith.request('PUT', first.selfUri, {
              body: settingsBody(sourceId, { name: 'NIGHTLY SYNC' }),
            }),
          ).name,
        ).toBe('NIGHTLY SYNC');
      });

      it('lets two organizations use the same name', async () => {
        await postSettings({ name: 'Shared name' });
        const other = await kith.otherOrganization(unique('Other org'));
        const otherSource = await postSource(kith, other.adminToken);
        ok(
          await kith.request('POST', SETTINGS, {
            token: other.adminToken,
            body: settingsBody(otherSource, { name: 'Shared name' }),
          }),
        );
      });

      it('creates one of concurrent creates with the same name, answering 409 to the rest', async () => {
        const answers = await Promise.all(
          ['Racing', 'racing', 'RACING', 'Racing '].map((name) =>
            kith.request('POST', SETTINGS, { body: settingsBody(sourceId, { name }) }),
          ),
        );
        expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409, 409]);
      });

      it('answers an external source that does not exist, or is of another organization, with 400 naming externalSourceId', async () => {
        const other = await kith.otherOrganization(unique('Foreign org'));
        const foreignSource = await postSource(kith, other.adminToken);
        for (const externalSourceId of ['no-such-source', foreignSource]) {
          const error = expectGenesysError(
            await kith.request('POST', SETTINGS, {
              body: settingsBody(sourceId, { externalSourceId }),
            }),
            400,
          );
          expect(fieldsOf(error)).toEqual(['externalSourceId']);
        }
        const settings = await postSettings();
        const error = expectGenesysError(
          await kith.request('PUT', settings.selfUri, {
            body: settingsBody(sourceId, { externalSourceId: 'no-such-source' }),
          }),
          400,
        );
        expect(fieldsOf(error)).toEqual(['externalSourceId']);
      });

      it('answers each broken rule with 400 naming its field', async () => {
        const cases: [Record<string, unknown>, string[]][] = [
          [{ name: '' }, ['name']],
          [{ name: '   ' }, ['name']],
          [{ name: 'x'.repeat(201) }, ['name']],
          [{ matchingCriteria: ['Email', 'Fax'] }, ['matchingCriteria[1]']],
          [{ matchingCriteria: ['Email', 'email'] }, ['matchingCriteria[1]']],
          [{ externalSourceId: '' }, ['externalSourceId']],
          [
            {
              importFields: [
                { name: 'firstName', included: true },
                { name: 'FirstName', included: false },
              ],
            },
            ['importFields[1].name'],
          ],
          [{ importFields: [{ name: '', included: true }] }, ['importFields[0].name']],
          [{ mergeContacts: 'sometimes' }, ['mergeContacts']],
          [{ importFields: [{ name: 'firstName' }] }, ['importFields.0.included']],
        ];
        for (const [over, fields] of cases) {
          const error = expectGenesysError(
            await kith.request('POST', SETTINGS, { body: settingsBody(sourceId, over) }),
            400,
          );
          expect({ over, fields: fieldsOf(error) }).toEqual({ over, fields });
        }
        for (const missing of ['name', 'mergeContacts', 'externalSourceId', 'importFields']) {
          const body: Record<string, unknown> = settingsBody(sourceId);
          delete body[missing];
          const error = expectGenesysError(await kith.request('POST', SETTINGS, { body }), 400);
          expect(fieldsOf(error)).toEqual([missing]);
        }
        expect(
          ok<SettingsView>(
            await kith.request('POST', SETTINGS, {
              body: settingsBody(sourceId, { name: 'y'.repeat(200) }),
            }),
          ).name,
        ).toHaveLength(200);
      });

      it('lists by name with cursors, in either order, filtered by name, every settings once', async () => {
        const names = Array.from({ length: 7 }, (_, i) => `Paged ${String.fromCharCode(71 - i)}`);
        for (const name of names) await postSettings({ name });
        const sorted = [...names].sort();

        async function walk(query: string): Promise<string[]> {
          const seen: string[] = [];
          let url = `${SETTINGS}?${query}`;
          for (let pages = 0; pages < 10; pages += 1) {
            const page = ok<SettingsPage>(await kith.request('GET', url));
            expect(page.entities.length).toBeLessThanOrEqual(3);
            seen.push(...page.entities.map((e) => e.name));
            const after = page.cursors?.after;
            if (after === undefined) {
              expect(page.nextUri).toBeUndefined();
              return seen;
            }
            expect(page.nextUri).toContain(`after=${encodeURIComponent(after)}`);
            expect(page.nextUri).toContain('pageSize=3');
            url = page.nextUri as string;
          }
          throw new Error('the listing did not end');
        }

        expect(await walk('pageSize=3&name=paged')).toEqual(sorted);
        expect(await walk('pageSize=3&name=PAGED&sortOrder=Descending')).toEqual(
          [...sorted].reverse(),
        );
        expect(await walk('pageSize=3&name=ged%20c')).toEqual(['Paged C']);
        expect(await walk('pageSize=3&name=no%20such%20name')).toEqual([]);

        const all = ok<SettingsPage>(await kith.request('GET', `${SETTINGS}?pageSize=200`));
        const defaultPage = ok<SettingsPage>(await kith.request('GET', SETTINGS));
        expect(defaultPage.entities).toEqual(all.entities.slice(0, 25));
        expect(all.entities.map((e) => e.name.toLowerCase())).toEqual(
          all.entities.map((e) => e.name.toLowerCase()).sort(),
        );
      });

      it('takes the name filter literally', async () => {
        await postSettings({ name: '100% match_1' });
        await postSettings({ name: '1000 matches' });
        const page = ok<SettingsPage>(
          await kith.request('GET', `${SETTINGS}?name=${encodeURIComponent('0% match_')}`),
        );
        expect(page.entities.map((e) => e.name)).toEqual(['100% match_1']);
      });

      it('lists only the settings of the caller organization', async () => {
        const mine = await postSettings();
        const other = await kith.otherOrganization(unique('Listing org'));
        const page = ok<SettingsPage>(
          await kith.request('GET', `${SETTINGS}?pageSize=200`, { token: other.adminToken }),
        );
        expect(page.entities).toEqual([]);
        expectGenesysError(
          await kith.request('GET', mine.selfUri, { token: other.adminToken }),
          404,
          'not.found',
        );
      });

      it('answers a bad pageSize, sortOrder or cursor with 400 naming it', async () => {
        for (const pageSize of [0, 201, -5]) {
          const error = expectGenesysError(
            await kith.request('GET', `${SETTINGS}?pageSize=${pageSize}`),
            400,
          );
          expect(fieldsOf(error)).toEqual(['pageSize']);
        }
        expect(
          fieldsOf(expectGenesysError(await kith.request('GET', `${SETTINGS}?pageSize=ten`), 400)),
        ).toEqual(['pageSize']);
        expect(
          fieldsOf(expectGenesysError(await kith.request('GET', `${SETTINGS}?sortOrder=up`), 400)),
        ).toEqual(['sortOrder']);
        expect(
          fieldsOf(expectGenesysError(await kith.request('GET', `${SETTINGS}?after=garbage`), 400)),
        ).toEqual(['after']);

        await postSettings();
        await postSettings();
        const page = ok<SettingsPage>(await kith.request('GET', `${SETTINGS}?pageSize=1`));
        const after = page.cursors?.after as string;
        // A cursor of one order replayed with the other would skip or repeat settings.
        expect(
          fieldsOf(
            expectGenesysError(
              await kith.request(
                'GET',
                `${SETTINGS}?pageSize=1&sortOrder=Descending&after=${encodeURIComponent(after)}`,
              ),
              400,
            ),
          ),
        ).toEqual(['after']);
        expect(
          fieldsOf(
            expectGenesysError(
              await kith.request('GET', `${CSV_SETTINGS}?after=${encodeURIComponent(after)}`),
              400,
            ),
          ),
        ).toEqual(['after']);
      });

      it('refuses to delete settings that CSV settings use, with 409 naming them', async () => {
        const settings = await postSettings();
        const first = await postCsv({ externalSettingsId: settings.id });
        const second = await postCsv({ externalSettingsId: settings.id });
        const error = expectGenesysError(
          await kith.request('DELETE', settings.selfUri),
          409,
          'conflict',
        );
        expect(error.details.map((d) => (d as { entityId?: string }).entityId).sort()).toEqual(
          [first.id, second.id].sort(),
        );
        expect(error.message).toContain(first.id);
        expect(error.message).toContain(second.id);

        expect((await kith.request('DELETE', first.selfUri)).statusCode).toBe(204);
        ok(await kith.request('PUT', second.selfUri, { body: csvBody() }));
        expect((await kith.request('DELETE', settings.selfUri)).statusCode).toBe(204);
        expectGenesysError(await kith.request('GET', settings.selfUri), 404);
      });
    });

    describe('/import/csv/settings', () => {
      it('creates, reads, replaces and deletes CSV settings', async () => {
        const settings = await postSettings();
        const body = csvBody({ externalSettingsId: settings.id });
        const created = ok<CsvView>(await kith.request('POST', CSV_SETTINGS, { body }));
        expect(created).toEqual({
          id: expect.any(String),
          externalSettingsId: settings.id,
          mappings: body.mappings,
          selfUri: `${CSV_SETTINGS}/${created.id}`,
        });
        expect(ok<CsvView>(await kith.request('GET', created.selfUri))).toEqual(created);

        const mappings = [
          { sourceField: 'Surname', targetField: 'lastName' },
          { sourceField: 'Tier', targetField: 'customFields.tier_enum' },
          { sourceField: 'Company', targetField: 'externalOrganization.name' },
        ];
        const replaced = ok<CsvView>(
          await kith.request('PUT', created.selfUri, { body: { ...created, mappings } }),
        );
        expect(replaced).toEqual({ ...created, mappings });

        // Without externalSettingsId, the CSV settings go with no import settings.
        const untied = ok<CsvView>(
          await kith.request('PUT', created.selfUri, { body: { mappings } }),
        );
        expect(untied).toEqual({ id: created.id, mappings, selfUri: created.selfUri });
        expect(ok<CsvView>(await kith.request('GET', created.selfUri))).toEqual(untied);

        const deleted = await kith.request('DELETE', created.selfUri);
        expect(deleted.statusCode).toBe(204);
        expectGenesysError(await kith.request('GET', created.selfUri), 404, 'not.found');
        expectGenesysError(await kith.request('DELETE', created.selfUri), 404, 'not.found');
        expectGenesysError(
          await kith.request('PUT', created.selfUri, { body: csvBody() }),
          404,
          'not.found',
        );
      });

      it('answers import settings that do not exist, or are of another organization, with 400 naming externalSettingsId', async () => {
        const other = await kith.otherOrganization(unique('Csv org'));
        const otherSource = await postSource(kith, other.adminToken);
        const foreign = ok<SettingsView>(
          await kith.request('POST', SETTINGS, {
            token: other.adminToken,
            body: settingsBody(otherSource),
          }),
        );
        for (const externalSettingsId of ['no-such-settings', foreign.id]) {
          const error = expectGenesysError(
            await kith.request('POST', CSV_SETTINGS, { body: csvBody({ externalSettingsId }) }),
            400,
          );
          expect(fieldsOf(error)).toEqual(['externalSettingsId']);
        }
        const csv = await postCsv();
        const error = expectGenesysError(
          await kith.request('PUT', csv.selfUri, {
            body: csvBody({ externalSettingsId: 'no-such-settings' }),
          }),
          400,
        );
        expect(fieldsOf(error)).toEqual(['externalSettingsId']);
      });

      it('answers each broken mapping rule with 400 naming its field', async () => {
        const many = Array.from({ length: 201 }, (_, i) => ({
          sourceField: `Column ${i}`,
          targetField: `customFields.f${i}_text`,
        }));
        const cases: [unknown, string[]][] = [
          [[], ['mappings']],
          [many, ['mappings']],
          [[{ sourceField: '', targetField: 'firstName' }], ['mappings[0].sourceField']],
          [
            [
              { sourceField: 'Name', targetField: 'firstName' },
              { sourceField: 'NAME', targetField: 'lastName' },
            ],
            ['mappings[1].sourceField'],
          ],
          [
            [{ sourceField: 'Colour', targetField: 'favouriteColour' }],
            ['mappings[0].targetField'],
          ],
          [
            [
              { sourceField: 'A', targetField: 'workEmail' },
              { sourceField: 'B', targetField: 'workemail' },
            ],
            ['mappings[1].targetField'],
          ],
          [
            [
              { sourceField: 'A', targetField: 'customFields.tier_text' },
              { sourceField: 'B', targetField: 'customFields.tier_text' },
            ],
            ['mappings[1].targetField'],
          ],
          [[{ sourceField: 'A' }], ['mappings.0.targetField']],
        ];
        for (const [mappings, fields] of cases) {
          const error = expectGenesysError(
            await kith.request('POST', CSV_SETTINGS, { body: { mappings } }),
            400,
          );
          expect(fieldsOf(error)).toEqual(fields);
        }
        expect(
          fieldsOf(expectGenesysError(await kith.request('POST', CSV_SETTINGS, { body: {} }), 400)),
        ).toEqual(['mappings']);
        // 200 mappings, and distinct custom fields, are fine.
        expect(
          ok<CsvView>(
            await kith.request('POST', CSV_SETTINGS, { body: { mappings: many.slice(0, 200) } }),
          ).mappings,
        ).toHaveLength(200);
      });

      it('lists with cursors, every CSV settings once, filtered by externalSettingsId', async () => {
        const settings = await postSettings();
        const tied: string[] = [];
        for (let i = 0; i < 5; i += 1)
          tied.push((await postCsv({ externalSettingsId: settings.id })).id);
        await postCsv();

        const seen: string[] = [];
        let url = `${CSV_SETTINGS}?pageSize=2&externalSettingsId=${settings.id}`;
        let pages = 0;
        for (;;) {
          const page = ok<CsvPage>(await kith.request('GET', url));
          pages += 1;
          expect(page.entities.length).toBeLessThanOrEqual(2);
          expect(page.entities.every((e) => e.externalSettingsId === settings.id)).toBe(true);
          seen.push(...page.entities.map((e) => e.id));
          if (page.nextUri === undefined) break;
          expect(page.nextUri).toContain(`externalSettingsId=${settings.id}`);
          url = page.nextUri;
        }
        expect(pages).toBe(3);
        expect(seen).toEqual(tied);

        const all = ok<CsvPage>(await kith.request('GET', `${CSV_SETTINGS}?pageSize=200`));
        expect(all.entities.length).toBeGreaterThanOrEqual(6);
        expect(ok<CsvPage>(await kith.request('GET', CSV_SETTINGS)).entities).toEqual(
          all.entities.slice(0, 25),
        );
        expect(
          ok<CsvPage>(await kith.request('GET', `${CSV_SETTINGS}?externalSettingsId=nothing`))
            .entities,
        ).toEqual([]);
        for (const pageSize of [0, 201])
          expect(
            fieldsOf(
              expectGenesysError(
                await kith.request('GET', `${CSV_SETTINGS}?pageSize=${pageSize}`),
                400,
              ),
            ),
          ).toEqual(['pageSize']);
        expect(
          fieldsOf(
            expectGenesysError(await kith.request('GET', `${CSV_SETTINGS}?after=nope`), 400),
          ),
        ).toEqual(['after']);
      });
    });

    describe('permissions', () => {
      it('answers 403 to a principal without the permission of each call', async () => {
        const settings = await postSettings();
        const csv = await postCsv({ externalSettingsId: settings.id });
        const stranger = await kith.principal(['externalContacts:contact:view'], ['*']);
        const calls: [string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?][] = [
          ['importSettings:add', 'POST', SETTINGS, settingsBody(sourceId)],
          ['importSettings:viewAll', 'GET', SETTINGS],
          ['importSettings:view', 'GET', settings.selfUri],
          ['importSettings:edit', 'PUT', settings.selfUri, settingsBody(sourceId)],
          ['importSettings:delete', 'DELETE', settings.selfUri],
          ['importCsvSettings:add', 'POST', CSV_SETTINGS, csvBody()],
          ['importCsvSettings:view', 'GET', CSV_SETTINGS],
          ['importCsvSettings:view', 'GET', csv.selfUri],
          ['importCsvSettings:edit', 'PUT', csv.selfUri, csvBody()],
          ['importCsvSettings:delete', 'DELETE', csv.selfUri],
        ];
        for (const [permission, method, url, body] of calls) {
          const error = expectGenesysError(
            await kith.request(method, url, {
              token: stranger.token,
              ...(body === undefined ? {} : { body }),
            }),
            403,
            'missing.permissions',
          );
          expect(error.messageParams.permissions).toBe(`externalContacts:${permission}`);
        }
      });

      it('lets each permission do its call and no other', async () => {
        const settings = await postSettings();
        const csv = await postCsv({ externalSettingsId: settings.id });
        const holder = async (permission: string) =>
          (
            await kith.principal(
              // Any contact permission opens External Contacts at all; the rest is the one tested.
              ['externalContacts:contact:view', `externalContacts:${permission}`],
              ['*'],
            )
          ).token;

        const viewer = await holder('importSettings:view');
        ok(await kith.request('GET', settings.selfUri, { token: viewer }));
        expectGenesysError(await kith.request('GET', SETTINGS, { token: viewer }), 403);

        const lister = await holder('importSettings:viewAll');
        ok(await kith.request('GET', SETTINGS, { token: lister }));
        expectGenesysError(await kith.request('GET', settings.selfUri, { token: lister }), 403);

        const adder = await holder('importSettings:add');
        const added = ok<SettingsView>(
          await kith.request('POST', SETTINGS, { token: adder, body: settingsBody(sourceId) }),
        );
        expectGenesysError(
          await kith.request('PUT', added.selfUri, { token: adder, body: settingsBody(sourceId) }),
          403,
        );

        const editor = await holder('importSettings:edit');
        ok(
          await kith.request('PUT', added.selfUri, {
            token: editor,
            body: settingsBody(sourceId),
          }),
        );
        expectGenesysError(await kith.request('DELETE', added.selfUri, { token: editor }), 403);

        const remover = await holder('importSettings:delete');
        expect((await kith.request('DELETE', added.selfUri, { token: remover })).statusCode).toBe(
          204,
        );

        const csvViewer = await holder('importCsvSettings:view');
        ok(await kith.request('GET', CSV_SETTINGS, { token: csvViewer }));
        ok(await kith.request('GET', csv.selfUri, { token: csvViewer }));
        expectGenesysError(
          await kith.request('POST', CSV_SETTINGS, { token: csvViewer, body: csvBody() }),
          403,
        );

        const csvAdder = await holder('importCsvSettings:add');
        const csvAdded = ok<CsvView>(
          await kith.request('POST', CSV_SETTINGS, { token: csvAdder, body: csvBody() }),
        );
        const csvEditor = await holder('importCsvSettings:edit');
        ok(await kith.request('PUT', csvAdded.selfUri, { token: csvEditor, body: csvBody() }));
        expectGenesysError(
          await kith.request('DELETE', csvAdded.selfUri, { token: csvEditor }),
          403,
        );
        const csvRemover = await holder('importCsvSettings:delete');
        expect(
          (await kith.request('DELETE', csvAdded.selfUri, { token: csvRemover })).statusCode,
        ).toBe(204);
      });
    });

    describe('the import engine lookups', () => {
      it('find settings of the organization by id, and nothing of another organization', async () => {
        const view = await postSettings({ matchingCriteria: ['phone'] });
        const csv = await postCsv({ externalSettingsId: view.id });
        const db = kith.database.db;
        expect(await findImportSettings(db, kith.orgId, view.id)).toEqual({
          id: view.id,
          orgId: kith.orgId,
          name: view.name,
          matchingCriteria: ['Phone'],
          mergeContacts: true,
          externalSourceId: sourceId,
          importFields: view.importFields,
          dateCreated: view.dateCreated,
        });
        expect(await findCsvSettings(db, kith.orgId, csv.id)).toEqual({
          id: csv.id,
          orgId: kith.orgId,
          externalSettingsId: view.id,
          mappings: csv.mappings,
          dateCreated: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        });
        const other = await kith.otherOrganization(unique('Engine org'));
        expect(await findImportSettings(db, other.orgId, view.id)).toBeUndefined();
        expect(await findCsvSettings(db, other.orgId, csv.id)).toBeUndefined();
        expect(await findCsvSettings(db, kith.orgId, 'no-such-id')).toBeUndefined();
      });
    });
  });

  describe(`import settings through the Genesys SDK (${dialect})`, () => {
    const kith = useTestKith(dialect);
    const client = platformClient.ApiClient.instance;
    let port: number;

    beforeAll(async () => {
      await kith.app.listen({ port: 0, host: '127.0.0.1' });
      port = (kith.app.server.address() as AddressInfo).port;
    });

    async function signIn(): Promise<InstanceType<typeof platformClient.ExternalContactsApi>> {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      client.setReturnExtendedResponses(false);
      await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      return new platformClient.ExternalContactsApi();
    }

    it('creates and lists import settings, and creates, replaces and deletes CSV settings', async () => {
      const api = await signIn();
      const source = await api.postExternalcontactsExternalsources({ name: unique('SDK source') });
      const name = unique('SDK settings');
      const settings = await api.postExternalcontactsImportSettings({
        name,
        matchingCriteria: ['Email', 'Phone'],
        mergeContacts: false,
        externalSourceId: source.id!,
        importFields: [{ name: 'firstName', included: true }],
      });
      expect(settings).toMatchObject({
        name,
        matchingCriteria: ['Email', 'Phone'],
        mergeContacts: false,
        externalSourceId: source.id,
        selfUri: `${SETTINGS}/${settings.id}`,
      });

      const listed = await api.getExternalcontactsImportSettings({
        pageSize: '10',
        sortOrder: 'Ascending',
        name: name.toUpperCase(),
      });
      expect(listed.entities).toEqual([settings]);

      const csv = await api.postExternalcontactsImportCsvSettings({
        externalSettingsId: settings.id!,
        mappings: [{ sourceField: 'First Name', targetField: 'firstName' }],
      });
      expect(csv).toMatchObject({ externalSettingsId: settings.id, selfUri: expect.any(String) });

      const replaced = await api.putExternalcontactsImportCsvSetting(csv.id!, {
        ...csv,
        mappings: [
          { sourceField: 'First Name', targetField: 'firstName' },
          { sourceField: 'Mail', targetField: 'personalEmail' },
        ],
      });
      expect(replaced.mappings).toHaveLength(2);
      expect(await api.getExternalcontactsImportCsvSetting(csv.id!)).toEqual(replaced);
      const csvListed = await api.getExternalcontactsImportCsvSettings({
        externalSettingsId: settings.id!,
      });
      expect(csvListed.entities).toEqual([replaced]);

      const refused = await api
        .postExternalcontactsImportCsvSettings({
          mappings: [{ sourceField: 'X', targetField: 'notAField' }],
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refused).toMatchObject({
        status: 400,
        details: [{ fieldName: 'mappings[0].targetField' }],
      });

      await api.deleteExternalcontactsImportCsvSetting(csv.id!);
      await api.deleteExternalcontactsImportSetting(settings.id!);
      const gone = await api.getExternalcontactsImportSetting(settings.id!).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(gone).toMatchObject({ status: 404, code: 'not.found' });
    });
  });
}
