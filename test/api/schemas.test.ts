import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ensureDefaultOrganization } from '../../src/orgs/org.service.js';
import { bootstrapAdminClient } from '../../src/clients/bootstrap.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { CONTACTS, expectGenesysError, ok, type GenesysError } from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith, type TestKith } from '../helpers/kith.js';
import { ORGANIZATIONS } from '../helpers/organizations.js';

const CONTACT_SCHEMAS = `${CONTACTS}/schemas`;
const ORGANIZATION_SCHEMAS = `${ORGANIZATIONS}/schemas`;
const VIEW = 'externalContacts:customFields:view';
const CONTACT_VIEW = 'externalContacts:contact:view';

interface DataSchema {
  id: string;
  name: string;
  version: number;
  appliesTo: string[];
  enabled: boolean;
  createdBy?: { id: string };
  dateCreated: string;
  jsonSchema: {
    $schema?: string;
    title?: string;
    type?: string;
    required?: string[];
    properties: Record<string, Record<string, unknown>>;
    additionalProperties?: unknown;
  };
  selfUri: string;
}

interface DataSchemaListing {
  total: number;
  entities: DataSchema[];
  selfUri: string;
}

interface Record_ {
  id: string;
  schema?: { id: string; version: number };
  customFields?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A field of a core type, as Genesys writes it. */
function field(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { allOf: [{ $ref: `#/definitions/${type}` }], title: `A ${type}`, ...extra };
}

/** One field of every core type, some narrowed. */
function loyaltyFields(): Record<string, Record<string, unknown>> {
  return {
    tier_enum: field('enum', {
      enum: ['gold', 'silver'],
      _enumProperties: {
        gold: { title: 'Gold', _disabled: false },
        silver: { title: 'Silver', _disabled: false },
      },
    }),
    memberno_identifier: field('identifier', { minLength: 1, maxLength: 20 }),
    interests_tag: field('tag', { maxItems: 3 }),
    nickname_text: field('text'),
    notes_longtext: field('longtext'),
    homepage_url: field('url'),
    since_date: field('date'),
    lastvisit_datetime: field('datetime'),
    visits_integer: field('integer', { minimum: 0, maximum: 1000 }),
    balance_number: field('number'),
    vip_checkbox: field('checkbox'),
  };
}

function fieldNames(error: GenesysError): string[] {
  return error.details.map((d) => d.fieldName ?? '');
}

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix} ${counter}`;
}

async function createSchema(
  kith: TestKith,
  path: string,
  properties: Record<string, unknown> = loyaltyFields(),
  extra: Record<string, unknown> = {},
  token?: string,
): Promise<DataSchema> {
  return ok<DataSchema>(
    await kith.request('POST', path, {
      body: { name: unique('Loyalty'), jsonSchema: { title: 'Loyalty', properties }, ...extra },
      ...(token === undefined ? {} : { token }),
    }),
  );
}

function putSchema(
  kith: TestKith,
  path: string,
  schema: DataSchema,
  changes: Partial<Pick<DataSchema, 'name' | 'enabled' | 'version'>> & {
    properties?: Record<string, unknown>;
    required?: string[];
  } = {},
  token?: string,
) {
  const { properties, required, ...rest } = changes;
  return kith.request('PUT', `${path}/${schema.id}`, {
    ...(token === undefined ? {} : { token }),
    body: {
      name: schema.name,
      version: schema.version,
      enabled: schema.enabled,
      jsonSchema: {
        ...schema.jsonSchema,
        ...(properties === undefined ? {} : { properties }),
        ...(required === undefined ? {} : { required }),
      },
      ...rest,
    },
  });
}

for (const dialect of DIALECTS) {
  describe(`custom-field schemas (${dialect})`, () => {
    const kith = useTestKith(dialect);

    describe('schemas and their versions', () => {
      it('creates a contact schema at version 1, reads it back and lists it', async () => {
        const created = await createSchema(kith, CONTACT_SCHEMAS);
        expect(created).toEqual({
          id: expect.any(String),
          name: created.name,
          version: 1,
          appliesTo: ['CONTACT'],
          enabled: true,
          createdBy: { id: ADMIN_ID },
          dateCreated: expect.any(String),
          jsonSchema: {
            $schema: 'http://json-schema.org/draft-04/schema#',
            title: 'Loyalty',
            type: 'object',
            properties: loyaltyFields(),
            additionalProperties: false,
          },
          selfUri: `${CONTACT_SCHEMAS}/${created.id}`,
        });
        // The fields keep the order they were written in (on PostgreSQL too).
        expect(Object.keys(created.jsonSchema.properties)).toEqual(Object.keys(loyaltyFields()));
        expect(ok<DataSchema>(await kith.request('GET', created.selfUri))).toEqual(created);
        const listing = ok<DataSchemaListing>(await kith.request('GET', CONTACT_SCHEMAS));
        expect(listing.selfUri).toBe(CONTACT_SCHEMAS);
        expect(listing.total).toBe(listing.entities.length);
        expect(listing.entities).toContainEqual(created);
        // Organization schemas are another list, and the id is no organization schema's.
        const organizations = ok<DataSchemaListing>(
          await kith.request('GET', ORGANIZATION_SCHEMAS),
        );
        expect(organizations.entities.map((s) => s.id)).not.toContain(created.id);
        expectGenesysError(
          await kith.request('GET', `${ORGANIZATION_SCHEMAS}/${created.id}`),
          404,
          'not.found',
        );
      });

      it('creates organization schemas that apply to EXTERNAL_ORGANIZATION', async () => {
        const created = await createSchema(kith, ORGANIZATION_SCHEMAS);
        expect(created.appliesTo).toEqual(['EXTERNAL_ORGANIZATION']);
        expect(created.selfUri).toBe(`${ORGANIZATION_SCHEMAS}/${created.id}`);
        expect(
          ok<DataSchemaListing>(await kith.request('GET', ORGANIZATION_SCHEMAS)).entities,
        ).toContainEqual(created);
      });

      it('makes version n+1 of each update and keeps every version readable', async () => {
        const v1 = await createSchema(kith, CONTACT_SCHEMAS);
        const v2 = ok<DataSchema>(
          await putSchema(kith, CONTACT_SCHEMAS, v1, {
            properties: { ...loyaltyFields(), region_text: field('text', { maxLength: 40 }) },
          }),
        );
        expect(v2).toMatchObject({ id: v1.id, version: 2, name: v1.name });
        expect(Object.keys(v2.jsonSchema.properties)).toContain('region_text');
        const v3 = ok<DataSchema>(await putSchema(kith, CONTACT_SCHEMAS, v2, { name: 'Renamed' }));
        expect(v3).toMatchObject({ version: 3, name: 'Renamed' });
        expect(ok<DataSchema>(await kith.request('GET', v1.selfUri))).toEqual(v3);

        const versions = ok<DataSchemaListing>(await kith.request('GET', `${v1.selfUri}/versions`));
        expect(versions.total).toBe(3);
        expect(versions.selfUri).toBe(`${v1.selfUri}/versions`);
        expect(versions.entities.map((v) => [v.version, v.name, v.selfUri])).toEqual([
          [1, v1.name, `${v1.selfUri}/versions/1`],
          [2, v1.name, `${v1.selfUri}/versions/2`],
          [3, 'Renamed', `${v1.selfUri}/versions/3`],
        ]);
        const first = ok<DataSchema>(await kith.request('GET', `${v1.selfUri}/versions/1`));
        expect(first).toEqual({ ...v1, selfUri: `${v1.selfUri}/versions/1` });
        for (const missing of ['4', '0', 'abc', '1.5'])
          expectGenesysError(
            await kith.request('GET', `${v1.selfUri}/versions/${missing}`),
            404,
            'not.found',
          );
      });

      it('answers an update naming a version that is not the current one with 409', async () => {
        const v1 = await createSchema(kith, CONTACT_SCHEMAS);
        ok(await putSchema(kith, CONTACT_SCHEMAS, v1, { name: `${v1.name} (2)` }));
        const stale = expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, v1, { name: `${v1.name} (stale)` }),
          409,
          'conflict',
        );
        expect(stale.message).toContain('version 2');
        const error = expectGenesysError(
          await kith.request('PUT', v1.selfUri, {
            body: { name: v1.name, jsonSchema: v1.jsonSchema },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['version']);
        expect(ok<DataSchema>(await kith.request('GET', v1.selfUri)).version).toBe(2);
      });

      it('accepts a GET-modify-PUT round trip with every read-only field sent back', async () => {
        const created = await createSchema(kith, ORGANIZATION_SCHEMAS);
        const read = ok<DataSchema>(await kith.request('GET', created.selfUri));
        read.jsonSchema.properties.industry_text = field('text');
        read.jsonSchema.required = ['tier_enum'];
        const updated = ok<DataSchema>(
          await kith.request('PUT', created.selfUri, { body: read as unknown as object }),
        );
        expect(updated).toMatchObject({
          id: created.id,
          version: 2,
          appliesTo: ['EXTERNAL_ORGANIZATION'],
          jsonSchema: { required: ['tier_enum'] },
        });
        expect(updated.jsonSchema.properties.industry_text).toEqual(field('text'));
      });

      it('answers a schema that is not the organization’s with 404', async () => {
        const other = await kith.otherOrganization(unique('Elsewhere'));
        const theirs = await createSchema(kith, CONTACT_SCHEMAS, undefined, {}, other.adminToken);
        expectGenesysError(await kith.request('GET', theirs.selfUri), 404, 'not.found');
        expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, theirs, { name: 'Mine now' }),
          404,
          'not.found',
        );
        expectGenesysError(await kith.request('DELETE', theirs.selfUri), 404, 'not.found');
        const error = expectGenesysError(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema: { id: theirs.id, version: 1 } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['schema']);
      });
    });

    describe('the rules of a schema document', () => {
      it('names every broken rule of a document in one 400', async () => {
        const res = await kith.request('POST', CONTACT_SCHEMAS, {
          body: {
            name: unique('Broken'),
            jsonSchema: {
              properties: {
                colour: field('text'),
                size_shoe: field('text'),
                code_text: field('identifier'),
                long_text: field('text', { maxLength: 101 }),
                range_text: field('text', { minLength: 10, maxLength: 5 }),
                many_enum: field('enum', {
                  enum: Array.from({ length: 51 }, (_, i) => `option ${i}`),
                }),
                wide_enum: field('enum', { enum: ['ok', 'x'.repeat(101)] }),
                pattern_text: field('text', { pattern: '^a' }),
                labels_tag: field('tag', { maxItems: 11, items: { maxLength: 101 } }),
                count_integer: field('integer', { minimum: 1.5 }),
              },
              required: ['missing_text'],
              additionalProperties: true,
            },
          },
        });
        const error = expectGenesysError(res, 400, 'bad.request');
        expect(fieldNames(error).sort()).toEqual(
          [
            'jsonSchema.additionalProperties',
            'jsonSchema.properties.colour',
            'jsonSchema.properties.size_shoe',
            'jsonSchema.properties.code_text.allOf',
            'jsonSchema.properties.long_text.maxLength',
            'jsonSchema.properties.range_text.minLength',
            'jsonSchema.properties.many_enum.enum',
            'jsonSchema.properties.wide_enum.enum[1]',
            'jsonSchema.properties.pattern_text.pattern',
            'jsonSchema.properties.labels_tag.maxItems',
            'jsonSchema.properties.labels_tag.items.maxLength',
            'jsonSchema.properties.count_integer.minimum',
            'jsonSchema.required[0]',
          ].sort(),
        );
        expect(error.message).toContain('a text field takes 1 to 100');
        expect(error.message).toContain('the limit is 50');
      });

      it('takes a name and a jsonSchema', async () => {
        const error = expectGenesysError(
          await kith.request('POST', CONTACT_SCHEMAS, { body: { version: 1 } }),
          400,
          'bad.request',
        );
        expect(fieldNames(error).sort()).toEqual(['jsonSchema', 'name']);
      });

      it('takes 25 fields in a schema, and refuses 26', async () => {
        const fields = (n: number) =>
          Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}_text`, field('text')]));
        const full = await createSchema(kith, CONTACT_SCHEMAS, fields(25));
        expect(Object.keys(full.jsonSchema.properties)).toHaveLength(25);
        const error = expectGenesysError(
          await kith.request('POST', CONTACT_SCHEMAS, {
            body: { name: unique('Too many'), jsonSchema: { properties: fields(26) } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['jsonSchema.properties']);
        expect(error.message).toContain('at most 25');
        expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, full, { properties: fields(26) }),
          400,
          'bad.request',
        );
      });

      it('keeps fields and options across versions: they are disabled, never removed or retyped', async () => {
        const v1 = await createSchema(kith, CONTACT_SCHEMAS);
        const { nickname_text: _gone, ...withoutNickname } = loyaltyFields();
        const removed = expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, v1, { properties: withoutNickname }),
          400,
          'bad.request',
        );
        expect(fieldNames(removed)).toEqual(['jsonSchema.properties.nickname_text']);
        expect(removed.message).toContain('_disabled');
        const retyped = expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, v1, {
            properties: { ...withoutNickname, nickname_enum: field('enum', { enum: ['a'] }) },
          }),
          400,
          'bad.request',
        );
        expect(retyped.message).toContain("a field's type never changes");
        const option = expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, v1, {
            properties: { ...loyaltyFields(), tier_enum: field('enum', { enum: ['gold'] }) },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(option)).toEqual(['jsonSchema.properties.tier_enum.enum']);
        expect(option.message).toContain('"silver" cannot be removed');

        const disabled = ok<DataSchema>(
          await putSchema(kith, CONTACT_SCHEMAS, v1, {
            properties: {
              ...loyaltyFields(),
              nickname_text: field('text', { _disabled: true }),
              tier_enum: field('enum', {
                enum: ['gold', 'silver', 'bronze'],
                _enumProperties: { silver: { title: 'Silver', _disabled: true } },
              }),
            },
          }),
        );
        expect(disabled.version).toBe(2);
        expect(disabled.jsonSchema.properties.nickname_text?._disabled).toBe(true);
      });

      it('refuses a second schema of the same name for the same records with 409', async () => {
        const first = await createSchema(kith, CONTACT_SCHEMAS);
        expectGenesysError(
          await kith.request('POST', CONTACT_SCHEMAS, {
            body: { name: first.name.toUpperCase(), jsonSchema: first.jsonSchema },
          }),
          409,
          'conflict',
        );
        // An organization schema may share it.
        ok(
          await kith.request('POST', ORGANIZATION_SCHEMAS, {
            body: { name: first.name, jsonSchema: first.jsonSchema },
          }),
        );
      });

      it('allows 20 schemas per organization, contact and organization schemas together', async () => {
        const other = await kith.otherOrganization(unique('Busy'));
        const made: DataSchema[] = [];
        for (let i = 0; i < 20; i += 1)
          made.push(
            await createSchema(
              kith,
              i % 2 === 0 ? CONTACT_SCHEMAS : ORGANIZATION_SCHEMAS,
              { a_text: field('text') },
              {},
              other.adminToken,
            ),
          );
        for (const path of [CONTACT_SCHEMAS, ORGANIZATION_SCHEMAS]) {
          const error = expectGenesysError(
            await kith.request('POST', path, {
              token: other.adminToken,
              body: { name: unique('One more'), jsonSchema: { properties: {} } },
            }),
            400,
            'bad.request',
          );
          expect(error.message).toContain('at most 20');
        }
        // A disabled schema still counts; a deleted one does not.
        const first = made[0] as DataSchema;
        const res = await kith.request('DELETE', first.selfUri, { token: other.adminToken });
        expect(res.statusCode, res.body).toBe(204);
        await createSchema(kith, ORGANIZATION_SCHEMAS, {}, {}, other.adminToken);
      });
    });

    describe('core types and limits', () => {
      it('lists the eleven core types and reads each', async () => {
        for (const path of [CONTACT_SCHEMAS, ORGANIZATION_SCHEMAS]) {
          const listing = ok<{ total: number; entities: { name: string }[]; selfUri: string }>(
            await kith.request('GET', `${path}/coretypes`),
          );
          expect(listing.entities.map((c) => c.name)).toEqual([
            'text',
            'longtext',
            'url',
            'identifier',
            'enum',
            'date',
            'datetime',
            'integer',
            'number',
            'checkbox',
            'tag',
          ]);
          expect(listing.total).toBe(11);
          expect(listing.selfUri).toBe(`${path}/coretypes`);
        }
        expect(ok(await kith.request('GET', `${CONTACT_SCHEMAS}/coretypes/text`))).toMatchObject({
          id: 'text',
          name: 'text',
          version: 1,
          current: true,
          schema: { type: ['string'] },
          validationFields: ['minLength', 'maxLength'],
          validationLimits: { minLength: { min: 0, max: 100 }, maxLength: { min: 1, max: 100 } },
          selfUri: `${CONTACT_SCHEMAS}/coretypes/text`,
        });
        expect(ok(await kith.request('GET', `${CONTACT_SCHEMAS}/coretypes/tag`))).toMatchObject({
          schema: { type: ['array'], items: { type: 'string' } },
          validationLimits: { maxItems: { min: 1, max: 10 } },
          itemValidationFields: ['minLength', 'maxLength'],
          itemValidationLimits: { maxLength: { min: 1, max: 100 } },
        });
        expect(
          ok(await kith.request('GET', `${ORGANIZATION_SCHEMAS}/coretypes/longtext`)),
        ).toMatchObject({ validationLimits: { maxLength: { max: 1000 } } });
        expectGenesysError(
          await kith.request('GET', `${CONTACT_SCHEMAS}/coretypes/colour`),
          404,
          'not.found',
        );
      });

      it('answers the quantity limits', async () => {
        for (const path of [CONTACT_SCHEMAS, ORGANIZATION_SCHEMAS]) {
          expect(ok(await kith.request('GET', `${path}/limits`))).toMatchObject({
            maxNumberOfSchemasPerOrg: 20,
            maxNumberOfFieldsPerSchema: 25,
            maxNumberOfFieldsPerOrg: 500,
            maxFieldNameCharacters: 100,
            selfUri: `${path}/limits`,
          });
        }
      });
    });

    describe('permissions', () => {
      it('reads with customFields:view, creates with :add, updates with :edit, deletes with :delete', async () => {
        const can = async (...permissions: string[]) =>
          (await kith.principal([CONTACT_VIEW, ...permissions], ['*'])).token;
        const nothing = await can();
        for (const path of [
          CONTACT_SCHEMAS,
          `${CONTACT_SCHEMAS}/coretypes`,
          `${CONTACT_SCHEMAS}/coretypes/text`,
          `${CONTACT_SCHEMAS}/limits`,
          ORGANIZATION_SCHEMAS,
        ])
          expectGenesysError(
            await kith.request('GET', path, { token: nothing }),
            403,
            'missing.permissions',
          );
        const viewer = await can(VIEW);
        ok(await kith.request('GET', `${CONTACT_SCHEMAS}/coretypes`, { token: viewer }));
        const body = {
          name: unique('Perm'),
          jsonSchema: { properties: { a_text: field('text') } },
        };
        expectGenesysError(
          await kith.request('POST', CONTACT_SCHEMAS, { token: viewer, body }),
          403,
          'missing.permissions',
        );
        const adder = await can('externalContacts:customFields:add');
        const created = ok<DataSchema>(
          await kith.request('POST', CONTACT_SCHEMAS, { token: adder, body }),
        );
        expectGenesysError(
          await putSchema(kith, CONTACT_SCHEMAS, created, { name: 'Edited' }, adder),
          403,
          'missing.permissions',
        );
        const editor = await can('externalContacts:customFields:edit');
        ok(await putSchema(kith, CONTACT_SCHEMAS, created, { name: 'Edited' }, editor));
        expectGenesysError(
          await kith.request('DELETE', created.selfUri, { token: editor }),
          403,
          'missing.permissions',
        );
        const deleter = await can('externalContacts:customFields:delete');
        expect((await kith.request('DELETE', created.selfUri, { token: deleter })).statusCode).toBe(
          204,
        );
      });
    });

    describe('custom fields of contacts and organizations', () => {
      let contactSchema: DataSchema;
      let organizationSchema: DataSchema;
      let strict: DataSchema;

      beforeAll(async () => {
        contactSchema = await createSchema(kith, CONTACT_SCHEMAS);
        organizationSchema = await createSchema(kith, ORGANIZATION_SCHEMAS);
        strict = await createSchema(
          kith,
          CONTACT_SCHEMAS,
          { tier_enum: field('enum', { enum: ['gold', 'silver'] }), note_text: field('text') },
          {},
        );
        strict = ok<DataSchema>(
          await putSchema(kith, CONTACT_SCHEMAS, strict, { required: ['tier_enum'] }),
        );
      });

      const validFields = {
        tier_enum: 'gold',
        memberno_identifier: 'M-1',
        interests_tag: ['golf', 'chess'],
        nickname_text: 'Ace',
        notes_longtext: 'n'.repeat(1000),
        homepage_url: 'https://example.com/ada',
        since_date: '2024-02-29',
        lastvisit_datetime: '2026-12-02T09:30:00.000Z',
        visits_integer: 12,
        balance_number: 10.5,
        vip_checkbox: true,
      };
      const brokenFields = {
        tier_enum: 'bronze',
        memberno_identifier: 'x'.repeat(21),
        interests_tag: ['golf', 'golf', 'chess', 'go'],
        nickname_text: 5,
        notes_longtext: 'n'.repeat(1001),
        homepage_url: 'ftp://example.com',
        since_date: '2026-02-30',
        lastvisit_datetime: 'yesterday',
        visits_integer: 1.5,
        balance_number: 'lots',
        vip_checkbox: 'yes',
        shoe_text: 'unknown field',
      };
      const brokenNames = [
        'customFields.tier_enum',
        'customFields.memberno_identifier',
        'customFields.interests_tag',
        'customFields.nickname_text',
        'customFields.notes_longtext',
        'customFields.homepage_url',
        'customFields.since_date',
        'customFields.lastvisit_datetime',
        'customFields.visits_integer',
        'customFields.balance_number',
        'customFields.vip_checkbox',
        'customFields.shoe_text',
      ];

      it('validates a contact’s custom fields against its schema version, naming every violation', async () => {
        const schema = { id: contactSchema.id, version: 1 };
        const error = expectGenesysError(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema, customFields: brokenFields },
          }),
          400,
          'bad.request',
        );
        expect(new Set(fieldNames(error))).toEqual(new Set(brokenNames));
        expect(error.message).toContain('customFields.tier_enum must be one of gold, silver');
        expect(error.message).toContain('customFields.interests_tag has 4 tags; the limit is 3');
        expect(error.message).toContain('customFields.since_date must be a date, YYYY-MM-DD');
        expect(error.message).toContain('customFields.shoe_text is not a field of schema');

        const created = ok<Record_>(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema, customFields: validFields },
          }),
        );
        expect(created).toMatchObject({ schema, customFields: validFields });
        const read = ok<Record_>(await kith.request('GET', `${CONTACTS}/${created.id}`));
        expect(read).toMatchObject({ schema, customFields: validFields });

        // A GET-modify-PUT round trip, then a PUT and a PATCH that break a rule.
        ok(
          await kith.request('PUT', `${CONTACTS}/${created.id}`, {
            body: { ...read, lastName: 'Lovelace' },
          }),
        );
        const put = expectGenesysError(
          await kith.request('PUT', `${CONTACTS}/${created.id}`, {
            body: {
              firstName: 'Ada',
              schema,
              customFields: { ...validFields, visits_integer: 1001 },
            },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(put)).toEqual(['customFields.visits_integer']);
        expect(put.message).toContain('must be at most 1000');
        const patch = expectGenesysError(
          await kith.request('PATCH', `${CONTACTS}/${created.id}`, {
            body: {
              changes: [{ action: 'Update', field: '$.customFields.tier_enum', value: 'bronze' }],
            },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(patch)).toEqual(['customFields.tier_enum']);
        const patched = ok<Record_>(
          await kith.request('PATCH', `${CONTACTS}/${created.id}`, {
            body: {
              changes: [{ action: 'Update', field: '$.customFields.tier_enum', value: 'silver' }],
            },
          }),
        );
        expect(patched.customFields?.tier_enum).toBe('silver');
      });

      it('needs a schema for custom fields, and takes a schema without custom fields', async () => {
        const error = expectGenesysError(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', customFields: { tier_enum: 'gold' } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['customFields']);
        const bare = ok<Record_>(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema: { id: contactSchema.id, version: 1 } },
          }),
        );
        expect(bare.schema).toEqual({ id: contactSchema.id, version: 1 });
      });

      it('answers an unknown schema, version or a schema of the other records with 400 naming schema', async () => {
        for (const schema of [
          { id: '01a00000-0000-7000-8000-000000000000', version: 1 },
          { id: contactSchema.id, version: 9 },
          { id: organizationSchema.id, version: 1 },
        ]) {
          const error = expectGenesysError(
            await kith.request('POST', CONTACTS, {
              body: { firstName: 'Ada', schema, customFields: { tier_enum: 'gold' } },
            }),
            400,
            'bad.request',
          );
          expect(fieldNames(error)).toEqual(['schema']);
        }
        const error = expectGenesysError(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Acme', schema: { id: contactSchema.id, version: 1 } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['schema']);
      });

      it('requires the fields the version requires, from the version on', async () => {
        const v1 = { id: strict.id, version: 1 };
        const v2 = { id: strict.id, version: 2 };
        ok(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema: v1, customFields: { note_text: 'x' } },
          }),
        );
        const error = expectGenesysError(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema: v2, customFields: { note_text: 'x' } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['customFields.tier_enum']);
        expect(error.message).toContain('customFields.tier_enum is required by schema');
      });

      it('validates an organization’s custom fields, naming every violation', async () => {
        const schema = { id: organizationSchema.id, version: 1 };
        const error = expectGenesysError(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Acme', schema, customFields: brokenFields },
          }),
          400,
          'bad.request',
        );
        expect(new Set(fieldNames(error))).toEqual(new Set(brokenNames));
        const created = ok<Record_>(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Acme', schema, customFields: validFields },
          }),
        );
        expect(created).toMatchObject({ schema, customFields: validFields });
        const put = expectGenesysError(
          await kith.request('PUT', `${ORGANIZATIONS}/${created.id}`, {
            body: { name: 'Acme', schema, customFields: { ...validFields, vip_checkbox: 1 } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(put)).toEqual(['customFields.vip_checkbox']);
        const patch = expectGenesysError(
          await kith.request('PATCH', `${ORGANIZATIONS}/${created.id}`, {
            body: {
              changes: [
                { action: 'Update', field: '$.customFields.since_date', value: '12/02/2026' },
              ],
            },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(patch)).toEqual(['customFields.since_date']);
        const noSchema = expectGenesysError(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Acme', customFields: { tier_enum: 'gold' } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(noSchema)).toEqual(['customFields']);
      });

      it('gives a disabled schema to no record anew, and lets records that have it keep it', async () => {
        const created = await createSchema(kith, CONTACT_SCHEMAS);
        const v1 = { id: created.id, version: 1 };
        const contact = ok<Record_>(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema: v1, customFields: { tier_enum: 'gold' } },
          }),
        );
        const organization = await createSchema(kith, ORGANIZATION_SCHEMAS);
        const org = ok<Record_>(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Acme', schema: { id: organization.id, version: 1 } },
          }),
        );
        const disabled = ok<DataSchema>(
          await putSchema(kith, CONTACT_SCHEMAS, created, { enabled: false }),
        );
        expect(disabled).toMatchObject({ version: 2, enabled: false });
        ok(await putSchema(kith, ORGANIZATION_SCHEMAS, organization, { enabled: false }));

        const error = expectGenesysError(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Grace', schema: v1, customFields: { tier_enum: 'gold' } },
          }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['schema']);
        expect(error.message).toContain('disabled');
        expectGenesysError(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Initech', schema: { id: organization.id, version: 2 } },
          }),
          400,
          'bad.request',
        );

        // Edits of records that have it keep working, custom fields still checked.
        ok(
          await kith.request('PUT', `${CONTACTS}/${contact.id}`, {
            body: {
              firstName: 'Ada',
              lastName: 'Lovelace',
              schema: v1,
              customFields: { tier_enum: 'silver' },
            },
          }),
        );
        ok(
          await kith.request('PATCH', `${CONTACTS}/${contact.id}`, {
            body: { changes: [{ action: 'Update', field: '$.title', value: 'Countess' }] },
          }),
        );
        expectGenesysError(
          await kith.request('PATCH', `${CONTACTS}/${contact.id}`, {
            body: {
              changes: [{ action: 'Update', field: '$.customFields.tier_enum', value: 'bronze' }],
            },
          }),
          400,
          'bad.request',
        );
        ok(
          await kith.request('PUT', `${ORGANIZATIONS}/${org.id}`, {
            body: { name: 'Acme Corp', schema: { id: organization.id, version: 1 } },
          }),
        );
        // Moving to another version of a disabled schema is a new assignment.
        expectGenesysError(
          await kith.request('PUT', `${CONTACTS}/${contact.id}`, {
            body: { firstName: 'Ada', schema: { id: created.id, version: 2 } },
          }),
          400,
          'bad.request',
        );

        // Enabled again, it can be assigned again.
        ok(await putSchema(kith, CONTACT_SCHEMAS, disabled, { enabled: true }));
        ok(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Grace', schema: v1, customFields: { tier_enum: 'gold' } },
          }),
        );
      });

      it('refuses to delete a schema in use, telling to disable it, and deletes one no record uses', async () => {
        const created = await createSchema(kith, CONTACT_SCHEMAS);
        const contact = ok<Record_>(
          await kith.request('POST', CONTACTS, {
            body: { firstName: 'Ada', schema: { id: created.id, version: 1 } },
          }),
        );
        const refused = expectGenesysError(
          await kith.request('DELETE', created.selfUri),
          409,
          'conflict',
        );
        expect(refused.message).toContain('disable it instead');
        expect(refused.message).toContain('enabled: false');
        expect(ok<DataSchema>(await kith.request('GET', created.selfUri)).id).toBe(created.id);

        const organization = await createSchema(kith, ORGANIZATION_SCHEMAS);
        const org = ok<Record_>(
          await kith.request('POST', ORGANIZATIONS, {
            body: { name: 'Acme', schema: { id: organization.id, version: 1 } },
          }),
        );
        expectGenesysError(await kith.request('DELETE', organization.selfUri), 409, 'conflict');

        // A record that drops the schema no longer holds it.
        ok(await kith.request('PUT', `${ORGANIZATIONS}/${org.id}`, { body: { name: 'Acme' } }));
        expect((await kith.request('DELETE', organization.selfUri)).statusCode).toBe(204);
        ok(await kith.request('DELETE', `${CONTACTS}/${contact.id}`));
        const deleted = await kith.request('DELETE', created.selfUri);
        expect(deleted.statusCode, deleted.body).toBe(204);
        expect(deleted.body).toBe('');
        expectGenesysError(await kith.request('GET', created.selfUri), 404, 'not.found');
        expectGenesysError(
          await kith.request('GET', `${created.selfUri}/versions`),
          404,
          'not.found',
        );
        expectGenesysError(await kith.request('DELETE', created.selfUri), 404, 'not.found');
      });
    });

    describe('search by identifier and tag custom fields', () => {
      it('finds a contact by an identifier or a tag, whole and in any case, and by nothing less', async () => {
        const schema = await createSchema(kith, CONTACT_SCHEMAS);
        const ref = { id: schema.id, version: 1 };
        const ada = ok<Record_>(
          await kith.request('POST', CONTACTS, {
            body: {
              firstName: 'Zebedee',
              lastName: 'Quillfeather',
              schema: ref,
              customFields: {
                memberno_identifier: 'MBR-77001',
                interests_tag: ['Key Account', 'Croquet'],
                nickname_text: 'Searchable Not',
              },
            },
          }),
        );
        const digits = ok<Record_>(
          await kith.request('POST', CONTACTS, {
            body: {
              firstName: 'Yolanda',
              schema: ref,
              customFields: { memberno_identifier: '4815162342' },
            },
          }),
        );
        const found = async (q: string) =>
          ok<{ entities: { id: string }[] }>(
            await kith.request('GET', `${CONTACTS}?q=${encodeURIComponent(q)}`),
          ).entities.map((c) => c.id);

        for (const q of ['MBR-77001', 'mbr-77001', '"Mbr-77001"', 'key account', 'CROQUET'])
          expect({ q, found: await found(q) }).toEqual({ q, found: [ada.id] });
        expect(await found('4815162342')).toEqual([digits.id]);
        for (const q of ['MBR-7700', 'key', 'searchable not', 'croque'])
          expect({ q, found: await found(q) }).toEqual({ q, found: [] });

        // The points follow the contact's values.
        ok(
          await kith.request('PATCH', `${CONTACTS}/${ada.id}`, {
            body: {
              changes: [
                { action: 'Update', field: '$.customFields.interests_tag', value: ['Bowls'] },
              ],
            },
          }),
        );
        expect(await found('croquet')).toEqual([]);
        expect(await found('bowls')).toEqual([ada.id]);
        // Names are still found as before.
        expect(await found('Quillfeather')).toEqual([ada.id]);
      });
    });
  });

  describe(`custom-field schemas through the Genesys SDK (${dialect})`, () => {
    const client = platformClient.ApiClient.instance;
    let database: TestDatabase;
    let app: FastifyInstance;
    let port: number;

    /** The SDK types custom-field values as objects; any JSON value goes on the wire. */
    function sdkCustomFields(values: Record<string, unknown>): Record<string, object> {
      return values as Record<string, object>;
    }

    async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
      try {
        await promise;
      } catch (error) {
        return error;
      }
      throw new Error('expected the SDK call to reject, but it resolved');
    }

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      const org = await ensureDefaultOrganization(database.db);
      await bootstrapAdminClient(database.db, org.id, { id: ADMIN_ID, secret: ADMIN_SECRET });
      app = await buildApp({
        config: loadConfig({ KITH_RATE_LIMIT_PER_MINUTE: '0' }),
        db: database.db,
        logger: false,
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      port = (app.server.address() as AddressInfo).port;
    });

    afterAll(async () => {
      await app?.close();
      await database?.destroy();
    });

    it('creates, updates and reads the versions of a contact schema, and assigns it', async () => {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      client.setReturnExtendedResponses(false);
      await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      const api = new platformClient.ExternalContactsApi();

      const created = await api.postExternalcontactsContactsSchemas({
        name: 'Loyalty',
        version: 1,
        jsonSchema: {
          title: 'Loyalty',
          properties: {
            tier_enum: field('enum', { enum: ['gold', 'silver'] }),
            memberno_identifier: field('identifier', { maxLength: 20 }),
          },
        },
      });
      expect(created).toMatchObject({ name: 'Loyalty', version: 1, appliesTo: ['CONTACT'] });

      const read = await api.getExternalcontactsContactsSchema(created.id!);
      const updated = await api.putExternalcontactsContactsSchema(created.id!, {
        ...read,
        jsonSchema: {
          ...read.jsonSchema,
          properties: { ...read.jsonSchema.properties, vip_checkbox: field('checkbox') },
        },
      });
      expect(updated.version).toBe(2);
      expect(
        await rejectionOf(api.putExternalcontactsContactsSchema(created.id!, read)),
      ).toMatchObject({ status: 409, code: 'conflict' });

      const versions = await api.getExternalcontactsContactsSchemaVersions(created.id!);
      expect(versions.total).toBe(2);
      expect(versions.entities?.map((v) => v.version)).toEqual([1, 2]);
      expect(await api.getExternalcontactsContactsSchemaVersion(created.id!, '1')).toMatchObject({
        version: 1,
        jsonSchema: { properties: created.jsonSchema.properties },
      });
      expect((await api.getExternalcontactsContactsSchemas()).entities).toContainEqual(updated);
      expect((await api.getExternalcontactsContactsSchemasCoretypes()).total).toBe(11);
      expect(await api.getExternalcontactsContactsSchemasCoretype('identifier')).toMatchObject({
        name: 'identifier',
      });
      expect(await api.getExternalcontactsContactsSchemasLimits()).toMatchObject({
        maxNumberOfSchemasPerOrg: 20,
      });

      const contact = await api.postExternalcontactsContacts({
        firstName: 'Ada',
        schema: { id: created.id!, version: 2 } as never,
        customFields: sdkCustomFields({ tier_enum: 'gold', vip_checkbox: true }),
      });
      expect(contact.customFields).toEqual({ tier_enum: 'gold', vip_checkbox: true });
      expect(
        await rejectionOf(
          api.postExternalcontactsContacts({
            firstName: 'Grace',
            schema: { id: created.id!, version: 2 } as never,
            customFields: sdkCustomFields({ tier_enum: 'bronze' }),
          }),
        ),
      ).toMatchObject({ status: 400, details: [{ fieldName: 'customFields.tier_enum' }] });

      expect(
        await rejectionOf(api.deleteExternalcontactsContactsSchema(created.id!)),
      ).toMatchObject({ status: 409 });
      await api.deleteExternalcontactsContact(contact.id!);
      await api.deleteExternalcontactsContactsSchema(created.id!);
      expect(await rejectionOf(api.getExternalcontactsContactsSchema(created.id!))).toMatchObject({
        status: 404,
      });
    });
  });
}
