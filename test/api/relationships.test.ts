import { beforeAll, describe, expect, it } from 'vitest';
import type { PagedListing } from '../../src/common/paging.js';
import { DIALECTS } from '../helpers/databases.js';
import { createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';
import {
  ORGANIZATIONS,
  RELATIONSHIPS,
  createUser,
  eventKinds,
  organizationIn,
  type OrganizationView,
  type RelationshipView,
} from '../helpers/organizations.js';

const VIEW = 'externalContacts:externalOrganization:view';
const EDIT = 'externalContacts:externalOrganization:edit';
const CONTACT_VIEW = 'externalContacts:contact:view';
const MISSING = '01a00000-0000-7000-8000-000000000000';

function fieldNames(error: { details: { fieldName?: string }[] }): string[] {
  return error.details.map((d) => d.fieldName ?? '');
}

for (const dialect of DIALECTS) {
  describe(`relationships CRUD (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    let organization: OrganizationView;
    let user: string;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      organization = await organizationIn(kith, 'Acme', sales);
      user = await createUser(kith, 'Ann Manager');
    });

    function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
      return {
        user: { id: user },
        externalOrganization: { id: organization.id },
        relationship: 'Account Manager',
        ...extra,
      };
    }

    async function create(extra: Record<string, unknown> = {}): Promise<RelationshipView> {
      return ok<RelationshipView>(await kith.request('POST', RELATIONSHIPS, { body: body(extra) }));
    }

    it("creates a relationship in the organization's division and reads it back", async () => {
      const created = await create({ relationship: '  Account Manager  ' });
      expect(created).toEqual({
        id: expect.any(String),
        division: { id: sales, selfUri: `/api/v2/authorization/divisions/${sales}` },
        user: { id: user, selfUri: `/api/v2/users/${user}` },
        externalOrganization: {
          id: organization.id,
          selfUri: `${ORGANIZATIONS}/${organization.id}`,
        },
        relationship: 'Account Manager',
        selfUri: `${RELATIONSHIPS}/${created.id}`,
      });
      expect(ok(await kith.request('GET', `${RELATIONSHIPS}/${created.id}`))).toEqual(created);
      // Naming the organization's division is accepted too.
      expect((await create({ division: { id: sales } })).division.id).toBe(sales);
    });

    it('takes relationship texts of 1 to 100 characters and names the field otherwise', async () => {
      expect((await create({ relationship: 'r'.repeat(100) })).relationship).toBe('r'.repeat(100));
      for (const relationship of ['', '   ', 'r'.repeat(101), undefined]) {
        const error = expectGenesysError(
          await kith.request('POST', RELATIONSHIPS, { body: body({ relationship }) }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['relationship']);
        expect(error.message).toContain('relationship');
      }
    });

    it('answers a missing or unknown user with 400 naming user.id', async () => {
      const other = await kith.otherOrganization('Other Tenant');
      const foreignUser = await createUser(kith, 'Foreign', other.adminToken);
      for (const u of [undefined, {}, { id: '' }, { id: MISSING }, { id: foreignUser }]) {
        const error = expectGenesysError(
          await kith.request('POST', RELATIONSHIPS, { body: body({ user: u }) }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['user.id']);
      }
    });

    it('answers a missing or unknown organization with 400 naming externalOrganization.id', async () => {
      for (const externalOrganization of [undefined, {}, { id: MISSING }]) {
        const error = expectGenesysError(
          await kith.request('POST', RELATIONSHIPS, { body: body({ externalOrganization }) }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['externalOrganization.id']);
      }
    });

    it('names every broken field at once', async () => {
      const error = expectGenesysError(
        await kith.request('POST', RELATIONSHIPS, { body: { relationship: 'r'.repeat(101) } }),
        400,
      );
      expect(fieldNames(error).sort()).toEqual([
        'externalOrganization.id',
        'relationship',
        'user.id',
      ]);
    });

    it("refuses a division other than the organization's with 400 naming division", async () => {
      for (const division of [{ id: support }, { id: '*' }]) {
        const error = expectGenesysError(
          await kith.request('POST', RELATIONSHIPS, { body: body({ division }) }),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toEqual(['division']);
      }
    });

    it('updates the user and text with PUT, keeping organization and division', async () => {
      const created = await create();
      const other = await createUser(kith, 'Bob Sponsor');
      const updated = ok<RelationshipView>(
        await kith.request('PUT', `${RELATIONSHIPS}/${created.id}`, {
          body: { ...created, user: { id: other }, relationship: 'Executive Sponsor' },
        }),
      );
      expect(updated).toMatchObject({
        id: created.id,
        user: { id: other },
        relationship: 'Executive Sponsor',
        division: { id: sales },
        externalOrganization: { id: organization.id },
      });
      expect(ok(await kith.request('GET', `${RELATIONSHIPS}/${created.id}`))).toEqual(updated);
    });

    it('refuses to move a relationship to another organization or division with 400', async () => {
      const created = await create();
      const elsewhere = await organizationIn(kith, 'Elsewhere', sales);
      const moved = expectGenesysError(
        await kith.request('PUT', `${RELATIONSHIPS}/${created.id}`, {
          body: { ...created, externalOrganization: { id: elsewhere.id } },
        }),
        400,
      );
      expect(fieldNames(moved)).toEqual(['externalOrganization.id']);
      const divided = expectGenesysError(
        await kith.request('PUT', `${RELATIONSHIPS}/${created.id}`, {
          body: { ...created, division: { id: support } },
        }),
        400,
      );
      expect(fieldNames(divided)).toEqual(['division']);
      expect(divided.message).toMatch(/division cannot be changed/i);
      const tooLong = expectGenesysError(
        await kith.request('PUT', `${RELATIONSHIPS}/${created.id}`, {
          body: { ...created, relationship: 'r'.repeat(101) },
        }),
        400,
      );
      expect(fieldNames(tooLong)).toEqual(['relationship']);
    });

    it('patches the text with changes[]', async () => {
      const created = await create();
      const patched = ok<RelationshipView>(
        await kith.request('PATCH', `${RELATIONSHIPS}/${created.id}`, {
          body: { changes: [{ field: '$.relationship', value: 'Owner', action: 'Update' }] },
        }),
      );
      expect(patched).toMatchObject({ relationship: 'Owner', user: { id: user } });
      const error = expectGenesysError(
        await kith.request('PATCH', `${RELATIONSHIPS}/${created.id}`, {
          body: { changes: [{ field: '$.relationship', action: 'Remove' }] },
        }),
        400,
      );
      expect(fieldNames(error)).toEqual(['relationship']);
    });

    it('deletes with 200 {} and answers 404 afterwards', async () => {
      const created = await create();
      const res = await kith.request('DELETE', `${RELATIONSHIPS}/${created.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({});
      for (const method of ['GET', 'DELETE'] as const) {
        expectGenesysError(
          await kith.request(method, `${RELATIONSHIPS}/${created.id}`),
          404,
          'not.found',
        );
      }
      expectGenesysError(
        await kith.request('PUT', `${RELATIONSHIPS}/${created.id}`, { body: body() }),
        404,
      );
    });

    it('records created, updated and deleted events on the relationship topic', async () => {
      const created = await create();
      await kith.request('PUT', `${RELATIONSHIPS}/${created.id}`, {
        body: body({ relationship: 'Renamed' }),
      });
      await kith.request('DELETE', `${RELATIONSHIPS}/${created.id}`);
      expect(await eventKinds(kith, `v2.externalcontacts.relationships.${created.id}`)).toEqual([
        'created',
        'updated',
        'deleted',
      ]);
    });
  });

  describe(`organization relationships listing (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let organization: OrganizationView;
    let path: string;

    beforeAll(async () => {
      organization = await organizationIn(kith, 'Listed', undefined);
      path = `${ORGANIZATIONS}/${organization.id}/relationships`;
      const other = await organizationIn(kith, 'Other', undefined);
      const user = await createUser(kith, 'Lister');
      for (const [org, relationship] of [
        [organization.id, 'Champion'],
        [organization.id, 'Account Manager'],
        [other.id, 'Elsewhere'],
        [organization.id, 'Billing Contact'],
      ] as const) {
        ok(
          await kith.request('POST', RELATIONSHIPS, {
            body: { user: { id: user }, externalOrganization: { id: org }, relationship },
          }),
        );
      }
    });

    async function list(query: string): Promise<PagedListing<RelationshipView>> {
      return ok<PagedListing<RelationshipView>>(await kith.request('GET', `${path}?${query}`));
    }

    function texts(listing: PagedListing<RelationshipView>): string[] {
      return listing.entities.map((r) => r.relationship);
    }

    it("lists the organization's relationships oldest first with Genesys paging fields", async () => {
      const all = await list('');
      expect(texts(all)).toEqual(['Champion', 'Account Manager', 'Billing Contact']);
      expect(all).toMatchObject({ total: 3, pageSize: 20, pageNumber: 1, pageCount: 1 });
      expect(all).toHaveProperty('partialResults', false);
      const page = await list('pageSize=2&pageNumber=2');
      expect(texts(page)).toEqual(['Billing Contact']);
      expect(page).toMatchObject({ total: 3, pageCount: 2 });
      expect(page.previousUri).toContain('pageNumber=1');
      expect(page.selfUri.startsWith(`${path}?`)).toBe(true);
    });

    it('sorts by createDate and relationship in both directions', async () => {
      expect(texts(await list('sortOrder=createDate:desc'))).toEqual([
        'Billing Contact',
        'Account Manager',
        'Champion',
      ]);
      expect(texts(await list('sortOrder=relationship'))).toEqual([
        'Account Manager',
        'Billing Contact',
        'Champion',
      ]);
      expect(texts(await list('sortOrder=relationship:desc'))).toEqual([
        'Champion',
        'Billing Contact',
        'Account Manager',
      ]);
    });

    it('answers a bad sortOrder or paging beyond the limits with 400 naming the parameter', async () => {
      for (const [query, field] of [
        ['sortOrder=user:asc', 'sortOrder'],
        ['sortOrder=relationship:up', 'sortOrder'],
        ['pageSize=101', 'pageSize'],
        ['pageSize=0', 'pageSize'],
        ['pageSize=100&pageNumber=11', 'pageNumber'],
        ['pageNumber=0', 'pageNumber'],
      ]) {
        const error = expectGenesysError(
          await kith.request('GET', `${path}?${query}`),
          400,
          'bad.request',
        );
        expect(fieldNames(error)).toContain(field);
      }
      expect((await list('pageSize=100&pageNumber=10')).entities).toEqual([]);
    });
  });

  describe(`relationship visibility and permissions (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let sales: string;
    let support: string;
    let user: string;
    const orgs = {} as Record<'inSales' | 'inSupport' | 'unassigned', OrganizationView>;
    const relationships = {} as Record<'inSales' | 'inSupport' | 'unassigned', RelationshipView>;

    beforeAll(async () => {
      sales = await createDivision(kith, 'Sales');
      support = await createDivision(kith, 'Support');
      user = await createUser(kith, 'Owner');
      orgs.inSales = await organizationIn(kith, 'Sales Org', sales);
      orgs.inSupport = await organizationIn(kith, 'Support Org', support);
      orgs.unassigned = await organizationIn(kith, 'Unassigned Org', undefined);
      for (const key of Object.keys(orgs) as (keyof typeof orgs)[]) {
        relationships[key] = ok<RelationshipView>(
          await kith.request('POST', RELATIONSHIPS, {
            body: {
              user: { id: user },
              externalOrganization: { id: orgs[key].id },
              relationship: key,
            },
          }),
        );
      }
    });

    it('reads relationships of its divisions and unassigned ones, 404 for the rest', async () => {
      const { token } = await kith.principal([CONTACT_VIEW, VIEW], [sales]);
      for (const key of ['inSales', 'unassigned'] as const) {
        expect(
          ok<RelationshipView>(
            await kith.request('GET', `${RELATIONSHIPS}/${relationships[key].id}`, { token }),
          ).relationship,
        ).toBe(key);
        expect(
          ok<PagedListing<RelationshipView>>(
            await kith.request('GET', `${ORGANIZATIONS}/${orgs[key].id}/relationships`, { token }),
          ).total,
        ).toBe(1);
      }
      expectGenesysError(
        await kith.request('GET', `${RELATIONSHIPS}/${relationships.inSupport.id}`, { token }),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('GET', `${ORGANIZATIONS}/${orgs.inSupport.id}/relationships`, {
          token,
        }),
        404,
        'not.found',
      );
    });

    it('answers reads by a principal without organization view with 404', async () => {
      const { token } = await kith.principal([CONTACT_VIEW], ['*']);
      expectGenesysError(
        await kith.request('GET', `${RELATIONSHIPS}/${relationships.unassigned.id}`, { token }),
        404,
      );
      expectGenesysError(
        await kith.request('GET', `${ORGANIZATIONS}/${orgs.unassigned.id}/relationships`, {
          token,
        }),
        404,
      );
    });

    it('treats an invisible organization as unknown when relating to it', async () => {
      const { token } = await kith.principal([CONTACT_VIEW, VIEW, EDIT], [sales]);
      const error = expectGenesysError(
        await kith.request('POST', RELATIONSHIPS, {
          token,
          body: {
            user: { id: user },
            externalOrganization: { id: orgs.inSupport.id },
            relationship: 'Sneaky',
          },
        }),
        400,
        'bad.request',
      );
      expect(fieldNames(error)).toEqual(['externalOrganization.id']);
    });

    it('needs edit on the organization division to create, update and delete', async () => {
      const viewer = (await kith.principal([CONTACT_VIEW, VIEW], [sales])).token;
      const editor = (await kith.principal([CONTACT_VIEW, VIEW, EDIT], [sales])).token;
      const relate = (token: string, organizationId: string) =>
        kith.request('POST', RELATIONSHIPS, {
          token,
          body: {
            user: { id: user },
            externalOrganization: { id: organizationId },
            relationship: 'Partner',
          },
        });
      const denied = expectGenesysError(
        await relate(viewer, orgs.inSales.id),
        403,
        'missing.permissions',
      );
      expect(denied.message).toContain(EDIT);
      const created = ok<RelationshipView>(await relate(editor, orgs.inSales.id));
      expect(ok<RelationshipView>(await relate(editor, orgs.unassigned.id)).division.id).toBe('*');

      const path = `${RELATIONSHIPS}/${created.id}`;
      const update = { ...created, relationship: 'Renamed' };
      expectGenesysError(
        await kith.request('PUT', path, { token: viewer, body: update }),
        403,
        'missing.permissions',
      );
      expectGenesysError(
        await kith.request('PATCH', path, {
          token: viewer,
          body: { changes: [{ field: '$.relationship', value: 'x', action: 'Update' }] },
        }),
        403,
      );
      expectGenesysError(await kith.request('DELETE', path, { token: viewer }), 403);
      expect(
        ok<RelationshipView>(await kith.request('PUT', path, { token: editor, body: update }))
          .relationship,
      ).toBe('Renamed');
      expect((await kith.request('DELETE', path, { token: editor })).statusCode).toBe(200);
      // An editor of Sales cannot even see a Support relationship.
      expectGenesysError(
        await kith.request('DELETE', `${RELATIONSHIPS}/${relationships.inSupport.id}`, {
          token: editor,
        }),
        404,
      );
    });

    it("answers another tenant's relationship with 404 and does not relate to its organizations", async () => {
      const other = await kith.otherOrganization('Other Tenant');
      for (const method of ['GET', 'DELETE'] as const) {
        expectGenesysError(
          await kith.request(method, `${RELATIONSHIPS}/${relationships.unassigned.id}`, {
            token: other.adminToken,
          }),
          404,
          'not.found',
        );
      }
      const foreignUser = await createUser(kith, 'Foreign', other.adminToken);
      expectGenesysError(
        await kith.request('POST', RELATIONSHIPS, {
          token: other.adminToken,
          body: {
            user: { id: foreignUser },
            externalOrganization: { id: orgs.unassigned.id },
            relationship: 'Intruder',
          },
        }),
        400,
      );
      expect(
        ok<RelationshipView>(
          await kith.request('GET', `${RELATIONSHIPS}/${relationships.unassigned.id}`),
        ).relationship,
      ).toBe('unassigned');
    });
  });
}
