import type { AddressInfo } from 'node:net';
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
import { DIALECTS, openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { ADMIN_ID, ADMIN_SECRET } from '../helpers/kith.js';

/**
 * The External Contacts calls of the official Genesys SDK against a Kith listening on a real
 * port. `ApiClient.instance` is a process-wide singleton, so every test signs in again before it
 * calls the API; the tests of this file run one by one.
 */

const client = platformClient.ApiClient.instance;
type Api = InstanceType<typeof platformClient.ExternalContactsApi>;
type ContactBody = Parameters<Api['postExternalcontactsContacts']>[0];
type PatchBody = Parameters<Api['patchExternalcontactsContact']>[1];

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

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Date.now().toString(36)}`;
}

for (const dialect of DIALECTS) {
  describe(`External Contacts through the Genesys SDK (${dialect})`, () => {
    let database: TestDatabase;
    let app: FastifyInstance;
    let port: number;
    let orgId: string;

    async function signIn(): Promise<Api> {
      client.setGateway({ host: '127.0.0.1', protocol: 'http', port });
      client.setReturnExtendedResponses(false);
      await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      return new platformClient.ExternalContactsApi();
    }

    /** An external organization row, inserted directly: its API is not under test here. */
    async function insertOrganization(name: string): Promise<string> {
      const id = newId();
      const now = nowIso();
      await database.db
        .insertInto('organizations')
        .values({
          org_id: orgId,
          id,
          division_id: null,
          name,
          name_key: name.toLowerCase(),
          company_type: null,
          industry: null,
          data: '{}',
          version: 1,
          created_at: now,
          modified_at: now,
        })
        .execute();
      return id;
    }

    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      const org = await ensureDefaultOrganization(database.db);
      orgId = org.id;
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
      client.setReturnExtendedResponses(false);
      await app?.close();
      await database?.destroy();
    });

    it('creates, lists, gets, updates and deletes an external source', async () => {
      const api = await signIn();
      const name = unique('CRM');
      const created = await api.postExternalcontactsExternalsources({
        name,
        linkConfiguration: { uriTemplate: 'https://crm.example.com/{{externalId}}' },
      });
      expect(created).toMatchObject({
        name,
        active: true,
        selfUri: expect.stringContaining(created.id!),
      });
      expect(await api.getExternalcontactsExternalsource(created.id!)).toEqual(created);

      const listed = await api.getExternalcontactsExternalsources({ limit: 10 });
      expect(listed.entities?.map((s) => s.id)).toContain(created.id);
      const limited = await rejectionOf(api.getExternalcontactsExternalsources({ limit: 5 }));
      expect(limited).toMatchObject(genesysError(400));

      const duplicate = await rejectionOf(
        api.postExternalcontactsExternalsources({ name: name.toUpperCase() }),
      );
      expect(duplicate).toMatchObject(genesysError(409, 'conflict'));

      const updated = await api.putExternalcontactsExternalsource(created.id!, {
        name: `${name} renamed`,
        active: false,
      });
      expect(updated).toMatchObject({ id: created.id, name: `${name} renamed`, active: false });

      expect(await api.deleteExternalcontactsExternalsource(created.id!)).toEqual({});
      expect(await rejectionOf(api.getExternalcontactsExternalsource(created.id!))).toMatchObject(
        genesysError(404, 'not.found'),
      );
    });

    it('creates a contact with every field, reads it with expansions and survives a PUT round trip', async () => {
      const api = await signIn();
      const source = await api.postExternalcontactsExternalsources({ name: unique('Every field') });
      const organizationId = await insertOrganization(unique('Engines Ltd'));
      const body = {
        firstName: 'Ada',
        middleName: 'King',
        lastName: 'Lovelace',
        salutation: 'Countess',
        title: 'Analyst',
        workPhone: { display: '+1 317 555 0500', acceptsSMS: true },
        cellPhone: { display: '(317) 555-0501' },
        homePhone: { display: '020 7946 0958', normalizationCountryCode: 'GB' },
        otherPhone: { display: '1-800-FLOWERS' },
        workEmail: 'Ada.SDK@Example.com',
        personalEmail: 'ada.sdk@example.org',
        otherEmail: 'countess.sdk@example.net',
        address: {
          address1: '12 St James Square',
          address2: 'Flat 2',
          city: 'London',
          state: 'Greater London',
          postalCode: 'SW1Y 4JH',
          countryCode: 'GB',
        },
        twitterId: { id: 'tw-sdk', screenName: 'ada_sdk1842' },
        lineId: { ids: [{ userId: 'line-sdk' }], displayName: 'Ada' },
        whatsAppId: { phoneNumber: { display: '+1 317 555 0502' }, displayName: 'Ada' },
        facebookId: { ids: [{ scopedId: 'fb-sdk' }], displayName: 'Ada' },
        instagramId: { ids: [{ scopedId: 'ig-sdk' }], displayName: 'Ada', handle: 'ada.sdk' },
        appleOpaqueIds: [{ value: 'apple-sdk' }],
        externalIds: [{ externalSource: { id: source.id }, value: 'crm-sdk' }],
        externalOrganization: { id: organizationId },
        surveyOptOut: true,
        externalSystemUrl: 'https://crm.example.com/ada',
      } as unknown as ContactBody;
      const created = await api.postExternalcontactsContacts(body);
      expect(created).toMatchObject({
        firstName: 'Ada',
        workEmail: 'ada.sdk@example.com',
        workPhone: { e164: '+13175550500', acceptsSMS: true },
        cellPhone: { e164: '+13175550501' },
        homePhone: { e164: '+442079460958', countryCode: 'GB' },
        otherPhone: { display: '1-800-FLOWERS' },
        externalIds: [{ externalSource: { id: source.id }, value: 'crm-sdk' }],
        externalOrganization: { id: organizationId },
        type: 'Curated',
        division: { id: '*' },
      });
      expect(created.otherPhone?.e164).toBeUndefined();

      await api.patchExternalcontactsContactIdentifiers(created.id!, {
        operation: 'Claim',
        identifier: { type: 'Cookie', value: 'cookie-sdk' },
      });
      const fetched = await api.getExternalcontactsContact(created.id!, {
        expand: ['identifiers'],
      });
      expect(fetched.identifiers?.map((i) => i.value)).toEqual(['cookie-sdk']);
      const unexpanded = await api.getExternalcontactsContact(created.id!);
      expect(unexpanded).toEqual(created);

      await new Promise((resolve) => setTimeout(resolve, 5));
      const put = await api.putExternalcontactsContact(created.id!, unexpanded);
      const after = await api.getExternalcontactsContact(created.id!);
      expect(after).toEqual(put);
      const { modifyDate: before, ...restBefore } = unexpanded;
      const { modifyDate: later, ...restAfter } = after;
      expect(restAfter).toEqual(restBefore);
      expect(Date.parse(later!)).toBeGreaterThan(Date.parse(before!));
    });

    // The SDK joins every `multi` collection parameter with commas (ApiClient.serialize):
    // `expand=identifiers,division`.
    it('expands identifiers and division together, as the SDK sends them', async () => {
      const api = await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const division = await authorization.postAuthorizationDivisions({
        name: unique('Expand'),
        description: 'expansions',
      });
      const created = await api.postExternalcontactsContacts({
        firstName: 'Expanded',
        division: { id: division.id },
      });
      await api.patchExternalcontactsContactIdentifiers(created.id!, {
        operation: 'Claim',
        identifier: { type: 'Cookie', value: unique('cookie') },
      });
      const fetched = await api.getExternalcontactsContact(created.id!, {
        expand: ['identifiers', 'division'],
      });
      expect(fetched.division?.name).toBe(division.name);
      expect(fetched.identifiers).toHaveLength(1);
    });

    it('searches two divisions at once, as the SDK sends them', async () => {
      const api = await signIn();
      const authorization = new platformClient.AuthorizationApi();
      const first = await authorization.postAuthorizationDivisions({
        name: unique('First'),
        description: 'first',
      });
      const second = await authorization.postAuthorizationDivisions({
        name: unique('Second'),
        description: 'second',
      });
      const inFirst = await api.postExternalcontactsContacts({
        firstName: 'Twodivs',
        division: { id: first.id },
      });
      const inSecond = await api.postExternalcontactsContacts({
        firstName: 'Twodivs',
        division: { id: second.id },
      });
      const listing = await api.getExternalcontactsContacts({
        q: 'twodivs',
        divisionIds: [first.id!, second.id!],
      });
      expect(listing.entities?.map((c) => c.id).sort()).toEqual([inFirst.id, inSecond.id].sort());
    });

    it('patches a contact with changes[] and refuses a stale If-Match with 412', async () => {
      const api = await signIn();
      const created = await api.postExternalcontactsContacts({ firstName: 'Patchy' });
      const patched = await api.patchExternalcontactsContact(created.id!, {
        changes: [
          { field: '$.title', action: 'Update', value: 'Countess' },
          { field: '$.address.city', action: 'Update', value: 'London' },
          { field: '$.appleOpaqueIds', action: 'AppendToCollection', value: { value: 'apple-p' } },
        ],
      } as unknown as PatchBody);
      expect(patched).toMatchObject({
        title: 'Countess',
        address: { city: 'London' },
        appleOpaqueIds: [{ value: 'apple-p' }],
      });
      const stale = await rejectionOf(
        api.patchExternalcontactsContact(
          created.id!,
          { changes: [{ field: '$.title', action: 'Remove' }] },
          { customHeaders: { 'If-Match': '"1"' } },
        ),
      );
      expect(stale).toMatchObject(genesysError(412, 'precondition.failed'));
      const conflict = await rejectionOf(
        api.patchExternalcontactsContact(created.id!, {
          changes: [
            { field: '$.address', action: 'Remove' },
            { field: '$.address.city', action: 'Remove' },
          ],
        }),
      );
      expect(conflict).toMatchObject(genesysError(409, 'conflict'));
    });

    it('searches contacts with q', async () => {
      const api = await signIn();
      const created = await api.postExternalcontactsContacts({
        firstName: 'Searchable',
        lastName: 'Sdkperson',
        cellPhone: { display: '(317) 555-0510' },
      });
      const byName = await api.getExternalcontactsContacts({
        q: 'sdkperson',
        expand: ['division'],
      });
      expect(byName.entities?.map((c) => c.id)).toEqual([created.id]);
      expect(byName.total).toBe(1);
      const byPhone = await api.getExternalcontactsContacts({ q: '317-555-0510' });
      expect(byPhone.entities?.map((c) => c.id)).toEqual([created.id]);
      const tooDeep = await rejectionOf(
        api.getExternalcontactsContacts({ q: 'x', pageSize: 100, pageNumber: 11 }),
      );
      expect(tooDeep).toMatchObject(genesysError(400));
    });

    it('promotes an Ephemeral contact to Curated', async () => {
      const api = await signIn();
      const id = newId();
      const now = nowIso();
      await insertContact(
        database.db,
        {
          id,
          orgId,
          divisionId: null,
          type: 'Ephemeral',
          fields: { firstName: 'Visitor' },
          version: 1,
          createDate: now,
          modifyDate: now,
        },
        [],
      );
      expect((await api.getExternalcontactsContact(id)).type).toBe('Ephemeral');
      const promoted = await api.postExternalcontactsContactPromotion(id);
      expect(promoted).toMatchObject({ id, type: 'Curated' });
      expect((await api.getExternalcontactsContactUnresolved(id)).type).toBe('Curated');
    });

    it('claims, lists and releases identifiers, and looks contacts up by them', async () => {
      const api = await signIn();
      const holder = await api.postExternalcontactsContacts({
        firstName: 'Holder',
        workEmail: 'holder.sdk@example.com',
      });
      const rival = await api.postExternalcontactsContacts({ firstName: 'Rival' });
      const phone = { type: 'Phone', value: '+1 317 555 0520' };
      const claimed = await api.patchExternalcontactsContactIdentifiers(holder.id!, {
        operation: 'Claim',
        identifier: phone,
      });
      expect(claimed).toMatchObject({
        type: 'Phone',
        value: '+13175550520',
        division: { id: '*' },
      });
      const taken = await rejectionOf(
        api.patchExternalcontactsContactIdentifiers(rival.id!, {
          operation: 'Claim',
          identifier: phone,
        }),
      );
      expect(taken).toMatchObject(genesysError(409, 'conflict'));
      expect((taken as { message: string }).message).toContain(holder.id);

      const listed = await api.getExternalcontactsContactIdentifiers(holder.id!);
      expect(listed.entities?.map((i) => i.value)).toEqual(['+13175550520']);

      const found = await api.postExternalcontactsIdentifierlookupContacts({
        type: 'Phone',
        value: '+13175550520',
      });
      expect(found.id).toBe(holder.id);
      const deprecated = await api.postExternalcontactsIdentifierlookup({
        type: 'Email',
        value: 'holder.sdk@example.com',
      });
      expect(deprecated.id).toBe(holder.id);
      const national = await rejectionOf(
        api.postExternalcontactsIdentifierlookupContacts({
          type: 'Phone',
          value: '317-555-0520',
        }),
      );
      expect(national).toMatchObject(genesysError(400));

      await api.patchExternalcontactsContactIdentifiers(holder.id!, {
        operation: 'Release',
        identifier: phone,
      });
      await api.patchExternalcontactsContactIdentifiers(rival.id!, {
        operation: 'Claim',
        identifier: phone,
      });
      expect(
        (
          await api.postExternalcontactsIdentifierlookupContacts({
            type: 'Phone',
            value: '+13175550520',
          })
        ).id,
      ).toBe(rival.id);
    });

    it('looks contacts up in the reverse white pages', async () => {
      const api = await signIn();
      const created = await api.postExternalcontactsContacts({
        firstName: 'Paged',
        personalEmail: 'white.pages@example.com',
        homePhone: { display: '+1 317 555 0530' },
      });
      const byEmail =
        await api.getExternalcontactsReversewhitepageslookup('white.pages@example.com');
      expect(byEmail.contacts?.map((c) => c.id)).toEqual([created.id]);
      const byPhone = await api.getExternalcontactsReversewhitepageslookup('+13175550530');
      expect(byPhone.contacts?.map((c) => c.id)).toEqual([created.id]);
      const bad = await rejectionOf(api.getExternalcontactsReversewhitepageslookup('not valid!'));
      expect(bad).toMatchObject(genesysError(400));
    });

    it('deletes a contact, after which it and its unresolved view answer 404', async () => {
      const api = await signIn();
      const created = await api.postExternalcontactsContacts({ firstName: 'Doomed' });
      expect(await api.deleteExternalcontactsContact(created.id!)).toEqual({});
      expect(await rejectionOf(api.getExternalcontactsContact(created.id!))).toMatchObject(
        genesysError(404, 'not.found'),
      );
      expect(
        await rejectionOf(api.getExternalcontactsContactUnresolved(created.id!)),
      ).toMatchObject(genesysError(404, 'not.found'));
    });

    it('merges contacts with postExternalcontactsContactsMerge, and the old ids answer the merged one', async () => {
      const api = await signIn();
      const first = await api.postExternalcontactsContacts({
        firstName: 'Merged',
        workEmail: 'merged.sdk@example.com',
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await api.postExternalcontactsContacts({
        lastName: 'BySdk',
        cellPhone: { display: '+1 317 555 0540' },
      });
      const merged = await api.postExternalcontactsContactsMerge({
        contactIds: [first.id!, second.id!],
        valueOverride: { title: 'Chosen' },
      });
      expect(merged).toMatchObject({
        type: 'Canonical',
        firstName: 'Merged',
        lastName: 'BySdk',
        title: 'Chosen',
        workEmail: 'merged.sdk@example.com',
        cellPhone: { e164: '+13175550540' },
        canonicalContact: { id: merged.id },
      });
      expect(merged.mergedFrom?.map((c) => c.id).sort()).toEqual([first.id, second.id].sort());
      expect((await api.getExternalcontactsContact(first.id!)).id).toBe(merged.id);
      const original = await api.getExternalcontactsContactUnresolved(first.id!);
      expect(original).toMatchObject({
        id: first.id,
        type: 'Curated',
        mergedTo: { id: merged.id },
      });
      const refused = await rejectionOf(
        api.postExternalcontactsContactsMerge({ contactIds: [merged.id!] }),
      );
      expect(refused).toMatchObject(genesysError(400, 'bad.request'));
    });

    it('enriches contacts with postExternalcontactsContactsEnrich and its bulk form', async () => {
      const api = await signIn();
      const request = {
        action: 'Upsert',
        matchingIdentifiers: [{ type: 'Email', value: 'enriched.sdk@example.com' }],
        contact: { firstName: 'Enriched', workEmail: 'enriched.sdk@example.com' },
      };
      const preview = await api.postExternalcontactsContactsEnrich(request, { dryRun: true });
      expect(preview).toMatchObject({ firstName: 'Enriched', type: 'Curated' });
      expect(await rejectionOf(api.getExternalcontactsContact(preview.id!))).toMatchObject(
        genesysError(404, 'not.found'),
      );
      const made = await api.postExternalcontactsContactsEnrich(request);
      expect(made).toMatchObject({ firstName: 'Enriched', workEmail: 'enriched.sdk@example.com' });
      const bulk = await api.postExternalcontactsBulkContactsEnrich({
        entities: [
          { ...request, contact: { lastName: 'InBulk' } },
          { action: 'Insert', matchingIdentifiers: request.matchingIdentifiers },
        ],
      });
      expect(bulk).toMatchObject({ errorCount: 1, errorIndexes: [1] });
      expect(bulk.results?.[0]).toMatchObject({
        success: true,
        entity: { id: made.id, firstName: 'Enriched', lastName: 'InBulk' },
      });
      expect(bulk.results?.[1]).toMatchObject({ success: false, status: 409 });
    });

    it('reads a merge set through the SDK: notes with mergeset, journey with includeMerged, bulk unresolved', async () => {
      const api = await signIn();
      const first = await api.postExternalcontactsContacts({
        firstName: 'Journey',
        lastName: 'One',
      });
      const second = await api.postExternalcontactsContacts({
        firstName: 'Journey',
        cellPhone: { display: '+1 317 555 0550' },
      });
      await api.postExternalcontactsContactNotes(first.id!, {
        noteText: 'before the merge',
      } as unknown as Parameters<Api['postExternalcontactsContactNotes']>[1]);
      // Identity resolution has no SDK call: the interaction is sent as an integration would.
      const { accessToken } = await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      const resolved = await fetch(
        `http://127.0.0.1:${port}/api/v2/externalcontacts/identityresolution/interactions`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            channel: 'voice',
            identifiers: [{ type: 'Phone', value: '+13175550550' }],
          }),
        },
      );
      expect(resolved.status).toBe(200);
      const merged = await api.postExternalcontactsContactsMerge({
        contactIds: [first.id!, second.id!],
      });
      const notes = await api.getExternalcontactsContactNotes(merged.id!, { expand: ['mergeset'] });
      expect(notes.entities?.map((n) => n.noteText)).toEqual(['before the merge']);
      const own = await api.getExternalcontactsContactNotes(merged.id!);
      expect(own.entities ?? []).toEqual([]);
      const sessions = await api.getExternalcontactsContactJourneySessions(merged.id!, {
        includeMerged: true,
      });
      expect(sessions.entities).toHaveLength(1);
      const unresolved = await api.postExternalcontactsBulkContactsUnresolved({
        entities: [{ id: first.id! }, { id: second.id! }],
      });
      expect(unresolved.results?.map((r) => r.entity?.id)).toEqual([first.id, second.id]);
      expect(unresolved.results?.map((r) => r.entity?.mergedTo?.id)).toEqual([
        merged.id,
        merged.id,
      ]);
    });

    it('enriches an external organization with postExternalcontactsOrganizationsEnrich', async () => {
      const api = await signIn();
      const source = await api.postExternalcontactsExternalsources({ name: unique('Org CRM') });
      const request = {
        action: 'Upsert',
        matchingIdentifiers: [
          { type: 'ExternalId', value: unique('acct'), externalSource: { id: source.id! } },
        ],
        externalOrganization: { name: 'Enriched Ltd', industry: 'Rope' },
      } as unknown as Parameters<Api['postExternalcontactsOrganizationsEnrich']>[0];
      const made = await api.postExternalcontactsOrganizationsEnrich(request);
      expect(made).toMatchObject({ name: 'Enriched Ltd', industry: 'Rope' });
      const again = await api.postExternalcontactsOrganizationsEnrich({
        ...request,
        externalOrganization: { name: 'Enriched Ltd', companyType: 'Supplier' },
      });
      expect(again).toMatchObject({ id: made.id, industry: 'Rope', companyType: 'Supplier' });
    });

    it('merges a source into a Curated target with the deprecated postExternalcontactsMergeContacts', async () => {
      const api = await signIn();
      const target = await api.postExternalcontactsContacts({ firstName: 'Target', title: 'Kept' });
      const other = await api.postExternalcontactsContacts({ firstName: 'Also curated' });
      const third = await api.postExternalcontactsContacts({ firstName: 'Third curated' });
      const source = newId();
      const now = nowIso();
      await insertContact(
        database.db,
        {
          id: source,
          orgId,
          divisionId: null,
          type: 'Identified',
          fields: { firstName: 'Source' },
          version: 1,
          createDate: now,
          modifyDate: now,
        },
        [],
      );
      const merged = await api.postExternalcontactsMergeContacts({
        sourceContactId: source,
        targetContactId: target.id!,
      });
      expect(merged).toMatchObject({ type: 'Canonical', firstName: 'Target', title: 'Kept' });
      const twoCurated = await rejectionOf(
        api.postExternalcontactsMergeContacts({
          sourceContactId: other.id!,
          targetContactId: third.id!,
        }),
      );
      expect(twoCurated).toMatchObject(genesysError(400, 'bad.request'));
    });
  });
}
