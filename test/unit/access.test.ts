import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  ALL_DIVISIONS,
  canAccess,
  divisionChangeError,
  divisionScope,
  hasExternalContactsAccess,
  holdsAnywhere,
  readFilter,
  type Grant,
  type Principal,
} from '../../src/authorization/access.js';
import {
  BUILT_IN_ROLES,
  PERMISSIONS,
  isPermissionString,
  permissionCovers,
} from '../../src/authorization/permissions.js';
import { newId } from '../../src/common/ids.js';

const VIEW = 'externalContacts:contact:view';
const EDIT = 'externalContacts:contact:edit';
const DELETE = 'externalContacts:contact:delete';

const CONTACT_ACTIONS = ['view', 'add', 'edit', 'delete', 'viewAll', 'search', 'enrich'] as const;
const CONTACT_PERMISSIONS = CONTACT_ACTIONS.map((a) => `externalContacts:contact:${a}`);

/** One role held on one division. */
function grant(divisionId: string, ...permissions: string[]): Grant {
  return { roleId: newId(), divisionId, permissions };
}

/** A client principal of a fresh organization holding exactly these grants. */
function principalWith(...grants: Grant[]): Principal {
  return { orgId: newId(), type: 'client', id: newId(), name: 'test client', grants };
}

// Small, overlapping pools so the properties hit matching and non-matching cases often.
const RECORD_DIVISIONS = ['d1', 'd2', 'd3', 'd4'] as const;
const arbitraryDivision = fc.constantFrom(...RECORD_DIVISIONS);
const arbitraryPermission = fc.constantFrom(...PERMISSIONS);
const arbitraryGrantedPermission = fc.oneof(
  arbitraryPermission,
  fc
    .tuple(
      fc.constantFrom('externalContacts', 'authorization', 'oauth', '*'),
      fc.constantFrom('contact', 'externalOrganization', 'identity', 'division', 'client', '*'),
      // Contact actions only: a wildcard entity with an action contacts lack (e.g. merge) is
      // an edge the feature gate treats loosely, and endpoints still check the concrete permission.
      fc.constantFrom(...CONTACT_ACTIONS, '*'),
    )
    .map(([d, e, a]) => `${d}:${e}:${a}`),
);
const arbitraryGrant = fc.record({
  roleId: fc.constant('role'),
  divisionId: fc.constantFrom(...RECORD_DIVISIONS.slice(0, 3), ALL_DIVISIONS),
  permissions: fc.array(arbitraryGrantedPermission, { maxLength: 4 }),
});
const arbitraryPrincipal: fc.Arbitrary<Principal> = fc
  .array(arbitraryGrant, { maxLength: 4 })
  .map((grants) => ({ orgId: 'org', type: 'client', id: 'client', name: 'client', grants }));

const sorted = (ids: readonly string[]): string[] => [...ids].sort();

describe('permissionCovers', () => {
  it('covers the identical permission', () => {
    expect(permissionCovers(VIEW, VIEW)).toBe(true);
  });

  it('does not cover another action of the same entity', () => {
    expect(permissionCovers(VIEW, EDIT)).toBe(false);
  });

  it('does not treat an action as a prefix of a longer one', () => {
    expect(permissionCovers(VIEW, 'externalContacts:contact:viewAll')).toBe(false);
  });

  it('does not cover the same action on another entity', () => {
    expect(permissionCovers(VIEW, 'externalContacts:externalOrganization:view')).toBe(false);
  });

  it('compares parts case-sensitively', () => {
    expect(permissionCovers('externalcontacts:contact:view', VIEW)).toBe(false);
  });

  it.each(PERMISSIONS)("lets '*:*:*' cover %s", (permission) => {
    expect(permissionCovers('*:*:*', permission)).toBe(true);
  });

  it("lets 'externalContacts:contact:*' cover every contact action", () => {
    for (const permission of CONTACT_PERMISSIONS) {
      expect(permissionCovers('externalContacts:contact:*', permission)).toBe(true);
    }
  });

  it("does not let 'externalContacts:contact:*' cover other entities", () => {
    expect(
      permissionCovers('externalContacts:contact:*', 'externalContacts:externalOrganization:view'),
    ).toBe(false);
    expect(permissionCovers('externalContacts:contact:*', 'externalContacts:identity:merge')).toBe(
      false,
    );
  });

  it("lets 'externalContacts:*:view' cover view on every entity of the domain", () => {
    expect(permissionCovers('externalContacts:*:view', VIEW)).toBe(true);
    expect(
      permissionCovers('externalContacts:*:view', 'externalContacts:externalOrganization:view'),
    ).toBe(true);
    expect(permissionCovers('externalContacts:*:view', 'externalContacts:settings:view')).toBe(
      true,
    );
  });

  it("does not let 'externalContacts:*:view' cover other actions or domains", () => {
    expect(permissionCovers('externalContacts:*:view', EDIT)).toBe(false);
    expect(permissionCovers('externalContacts:*:view', 'authorization:division:view')).toBe(false);
  });

  it('lets a wildcard domain cover that entity and action in every domain', () => {
    expect(permissionCovers('*:contact:view', VIEW)).toBe(true);
    expect(permissionCovers('*:contact:view', EDIT)).toBe(false);
  });

  it('treats * as a whole part, not a glob inside a part', () => {
    expect(
      permissionCovers('externalContacts:contact:view*', 'externalContacts:contact:viewAll'),
    ).toBe(false);
  });

  it('covers nothing with a malformed granted permission', () => {
    expect(permissionCovers('externalContacts:contact', VIEW)).toBe(false);
    expect(permissionCovers('*', VIEW)).toBe(false);
    expect(permissionCovers('*:*:*:*', VIEW)).toBe(false);
    expect(permissionCovers('', VIEW)).toBe(false);
  });

  it('covers no malformed needed permission, even with *:*:*', () => {
    expect(permissionCovers('*:*:*', 'externalContacts:contact')).toBe(false);
    expect(permissionCovers('*:*:*', 'a:b:c:d')).toBe(false);
    expect(permissionCovers('*:*:*', '')).toBe(false);
  });

  it('is reflexive for every well-formed concrete permission', () => {
    const part = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,12}$/);
    fc.assert(
      fc.property(part, part, part, (d, e, a) =>
        permissionCovers(`${d}:${e}:${a}`, `${d}:${e}:${a}`),
      ),
    );
  });
});

describe('isPermissionString', () => {
  it.each([
    VIEW,
    'externalContacts:externalOrganization:viewAll',
    '*:*:*',
    'externalContacts:*:view',
    'externalContacts:contact:*',
    '*:contact:view',
    'someOtherProduct:thing:act',
    'a1:b2:c3',
  ])('accepts %j', (value) => {
    expect(isPermissionString(value)).toBe(true);
  });

  it.each([
    '',
    'externalContacts',
    'externalContacts:contact',
    'externalContacts:contact:view:extra',
    'externalContacts::view',
    ':contact:view',
    'externalContacts:contact:',
    ' externalContacts:contact:view',
    'externalContacts:contact:view ',
    'externalContacts:contact:view\n',
    'external Contacts:contact:view',
    'external-contacts:contact:view',
    '1externalContacts:contact:view',
    '**:contact:view',
    'externalContacts:contact:view*',
    'externalContacts.contact.view',
  ])('rejects %j', (value) => {
    expect(isPermissionString(value)).toBe(false);
  });
});

describe('PERMISSIONS', () => {
  it('holds only well-formed, concrete permission strings', () => {
    for (const permission of PERMISSIONS) {
      expect(isPermissionString(permission)).toBe(true);
      expect(permission).not.toContain('*');
    }
  });

  it('lists each permission once', () => {
    expect(new Set(PERMISSIONS).size).toBe(PERMISSIONS.length);
  });

  it('contains every concrete permission of SPEC §1', () => {
    const expected = [
      ...CONTACT_ACTIONS.map((a) => `externalContacts:contact:${a}`),
      ...CONTACT_ACTIONS.map((a) => `externalContacts:externalOrganization:${a}`),
      ...['merge', 'promote', 'resolve'].map((a) => `externalContacts:identity:${a}`),
      'externalContacts:conversation:associate',
      ...['view', 'add', 'edit'].map((a) => `externalContacts:customFields:${a}`),
      ...['view', 'add', 'edit', 'delete'].map((a) => `externalContacts:externalSource:${a}`),
      ...['add', 'view', 'edit'].map((a) => `externalContacts:importJob:${a}`),
      ...['view', 'add'].map((a) => `externalContacts:export:${a}`),
      ...['view', 'edit'].map((a) => `externalContacts:settings:${a}`),
    ];
    expect(PERMISSIONS).toEqual(expect.arrayContaining(expected));
  });

  it.each(['authorization:division', 'authorization:role', 'oauth:client', 'directory:user'])(
    'contains view, add, edit and delete for the admin entity %s',
    (entity) => {
      for (const action of ['view', 'add', 'edit', 'delete']) {
        expect(PERMISSIONS).toContain(`${entity}:${action}`);
      }
    },
  );
});

describe('BUILT_IN_ROLES', () => {
  it.each(Object.values(BUILT_IN_ROLES).map((r) => [r.name, r] as const))(
    'gives the %s role only well-formed permissions',
    (_name, role) => {
      for (const permission of role.permissions) expect(isPermissionString(permission)).toBe(true);
    },
  );

  it.each(PERMISSIONS)('lets the admin role cover %s', (permission) => {
    expect(BUILT_IN_ROLES.admin.permissions.some((p) => permissionCovers(p, permission))).toBe(
      true,
    );
  });

  it('lets the agent role cover no delete permission', () => {
    const deletes = PERMISSIONS.filter((p) => p.endsWith(':delete'));
    expect(deletes).toContain(DELETE);
    for (const permission of deletes) {
      expect(BUILT_IN_ROLES.agent.permissions.some((p) => permissionCovers(p, permission))).toBe(
        false,
      );
    }
  });

  it('lets the agent role view, add, edit and search contacts and resolve identities', () => {
    const agent = principalWith(grant(ALL_DIVISIONS, ...BUILT_IN_ROLES.agent.permissions));
    for (const permission of [
      VIEW,
      'externalContacts:contact:add',
      EDIT,
      'externalContacts:contact:search',
      'externalContacts:identity:resolve',
      'externalContacts:conversation:associate',
    ]) {
      expect(canAccess(agent, permission, newId())).toBe(true);
    }
    expect(canAccess(agent, DELETE, newId())).toBe(false);
    expect(canAccess(agent, DELETE, null)).toBe(false);
  });

  it('does not let the agent role merge identities or administer the organization', () => {
    const agent = principalWith(grant(ALL_DIVISIONS, ...BUILT_IN_ROLES.agent.permissions));
    for (const permission of [
      'externalContacts:identity:merge',
      'authorization:role:edit',
      'oauth:client:add',
      'directory:user:add',
    ]) {
      expect(holdsAnywhere(agent, permission)).toBe(false);
    }
  });

  it('gives an admin on every division every permission on every record', () => {
    const admin = principalWith(grant(ALL_DIVISIONS, ...BUILT_IN_ROLES.admin.permissions));
    const division = newId();
    for (const permission of PERMISSIONS) {
      expect(canAccess(admin, permission, division)).toBe(true);
      expect(canAccess(admin, permission, null)).toBe(true);
    }
    expect(hasExternalContactsAccess(admin)).toBe(true);
  });
});

describe('divisionScope', () => {
  it('lists the divisions where the permission is held, once each', () => {
    const [d, e] = [newId(), newId()];
    const principal = principalWith(
      grant(d, VIEW),
      grant(e, 'externalContacts:contact:*'),
      grant(d, VIEW, EDIT),
    );
    const scope = divisionScope(principal, VIEW);
    expect(scope.all).toBe(false);
    if (!scope.all) expect(sorted(scope.ids)).toEqual(sorted([d, e]));
  });

  it('ignores grants whose role does not cover the permission', () => {
    const [d, e] = [newId(), newId()];
    const scope = divisionScope(principalWith(grant(d, VIEW), grant(e, EDIT)), EDIT);
    expect(scope).toEqual({ all: false, ids: [e] });
  });

  it("answers all when the permission is held on '*'", () => {
    const principal = principalWith(grant(newId(), VIEW), grant(ALL_DIVISIONS, VIEW));
    expect(divisionScope(principal, VIEW)).toEqual({ all: true });
  });

  it('answers no divisions for a principal with no grants', () => {
    expect(divisionScope(principalWith(), VIEW)).toEqual({ all: false, ids: [] });
  });
});

describe('holdsAnywhere', () => {
  it('is true when the permission is held on one division', () => {
    expect(holdsAnywhere(principalWith(grant(newId(), VIEW)), VIEW)).toBe(true);
  });

  it("is true when the permission is held on '*'", () => {
    expect(holdsAnywhere(principalWith(grant(ALL_DIVISIONS, '*:*:*')), DELETE)).toBe(true);
  });

  it('is false when only other permissions are held', () => {
    expect(holdsAnywhere(principalWith(grant(ALL_DIVISIONS, VIEW, EDIT)), DELETE)).toBe(false);
  });

  it('is false for a grant whose role has no permissions', () => {
    expect(holdsAnywhere(principalWith(grant(ALL_DIVISIONS)), VIEW)).toBe(false);
  });
});

describe('canAccess', () => {
  it('covers records of the granted division', () => {
    const d = newId();
    expect(canAccess(principalWith(grant(d, VIEW)), VIEW, d)).toBe(true);
  });

  it('does not cover records of another division', () => {
    const [d, e] = [newId(), newId()];
    expect(canAccess(principalWith(grant(d, VIEW)), VIEW, e)).toBe(false);
  });

  it('does not cover another permission on the granted division', () => {
    const d = newId();
    expect(canAccess(principalWith(grant(d, VIEW)), DELETE, d)).toBe(false);
  });

  it('does not carry a permission from one division to another grant', () => {
    const [d, e] = [newId(), newId()];
    const principal = principalWith(grant(d, VIEW), grant(e, EDIT));
    expect(canAccess(principal, EDIT, d)).toBe(false);
    expect(canAccess(principal, VIEW, e)).toBe(false);
    expect(canAccess(principal, EDIT, e)).toBe(true);
  });

  it('covers unassigned records for a principal holding the permission on any division', () => {
    expect(canAccess(principalWith(grant(newId(), VIEW)), VIEW, null)).toBe(true);
  });

  it('does not cover unassigned records for a principal holding the permission nowhere', () => {
    expect(canAccess(principalWith(grant(newId(), EDIT)), VIEW, null)).toBe(false);
    expect(canAccess(principalWith(), VIEW, null)).toBe(false);
  });

  it("covers every division and unassigned records with a grant on '*'", () => {
    const principal = principalWith(grant(ALL_DIVISIONS, VIEW));
    for (const division of [newId(), newId(), newId()]) {
      expect(canAccess(principal, VIEW, division)).toBe(true);
    }
    expect(canAccess(principal, VIEW, null)).toBe(true);
  });

  it.each(['*:*:*', 'externalContacts:contact:*', 'externalContacts:*:view', '*:*:view'])(
    'honours the wildcard permission %s',
    (wildcard) => {
      const [d, e] = [newId(), newId()];
      const principal = principalWith(grant(d, wildcard));
      expect(canAccess(principal, VIEW, d)).toBe(true);
      expect(canAccess(principal, VIEW, e)).toBe(false);
      expect(canAccess(principal, VIEW, null)).toBe(true);
    },
  );

  it('equals: some grant covers the permission on the division or on every division', () => {
    fc.assert(
      fc.property(arbitraryPrincipal, arbitraryPermission, arbitraryDivision, (p, perm, d) => {
        const expected = p.grants.some(
          (g) =>
            g.permissions.some((gp) => permissionCovers(gp, perm)) &&
            (g.divisionId === ALL_DIVISIONS || g.divisionId === d),
        );
        expect(canAccess(p, perm, d)).toBe(expected);
      }),
    );
  });

  it('covers unassigned records exactly when the permission is held anywhere', () => {
    fc.assert(
      fc.property(arbitraryPrincipal, arbitraryPermission, (p, perm) => {
        expect(canAccess(p, perm, null)).toBe(holdsAnywhere(p, perm));
      }),
    );
  });
});

describe('hasExternalContactsAccess', () => {
  it('is false for a principal with no grants', () => {
    expect(hasExternalContactsAccess(principalWith())).toBe(false);
  });

  it.each([
    ['authorization:division:view'],
    ['externalContacts:externalOrganization:view'],
    ['externalContacts:externalOrganization:*', 'externalContacts:identity:merge'],
    ['*:externalOrganization:*', 'oauth:client:*'],
    ['directory:user:view', 'authorization:role:view'],
  ])('is false for a principal holding only %j', (...permissions: string[]) => {
    expect(hasExternalContactsAccess(principalWith(grant(ALL_DIVISIONS, ...permissions)))).toBe(
      false,
    );
  });

  it.each(CONTACT_PERMISSIONS)('is true for a principal holding %s', (permission) => {
    expect(hasExternalContactsAccess(principalWith(grant(newId(), permission)))).toBe(true);
  });

  it.each([
    '*:*:*',
    'externalContacts:*:*',
    'externalContacts:contact:*',
    'externalContacts:*:view',
    '*:contact:view',
  ])('is true for a principal holding the wildcard %s', (wildcard) => {
    expect(hasExternalContactsAccess(principalWith(grant(newId(), wildcard)))).toBe(true);
  });

  it('is true when one grant among several holds a contact permission', () => {
    const principal = principalWith(
      grant(ALL_DIVISIONS, 'authorization:division:view'),
      grant(newId(), 'externalContacts:contact:search'),
    );
    expect(hasExternalContactsAccess(principal)).toBe(true);
  });

  it('is true exactly when some contact permission is held on some division', () => {
    fc.assert(
      fc.property(arbitraryPrincipal, (p) => {
        const expected = CONTACT_PERMISSIONS.some((perm) => holdsAnywhere(p, perm));
        expect(hasExternalContactsAccess(p)).toBe(expected);
      }),
    );
  });
});

describe('readFilter', () => {
  it('answers every visible division plus unassigned when no divisions are requested', () => {
    const [d, e] = [newId(), newId()];
    const filter = readFilter(
      principalWith(grant(d, VIEW), grant(e, VIEW), grant(newId(), EDIT)),
      VIEW,
    );
    expect(filter).not.toBeNull();
    expect(sorted(filter?.divisionIds as readonly string[])).toEqual(sorted([d, e]));
    expect(filter?.includeUnassigned).toBe(true);
  });

  it('treats an empty request like no request', () => {
    const d = newId();
    expect(readFilter(principalWith(grant(d, VIEW)), VIEW, [])).toEqual({
      divisionIds: [d],
      includeUnassigned: true,
    });
  });

  it("answers all divisions plus unassigned for a grant on '*'", () => {
    expect(readFilter(principalWith(grant(ALL_DIVISIONS, VIEW)), VIEW)).toEqual({
      divisionIds: 'all',
      includeUnassigned: true,
    });
  });

  it('narrows a request to the permitted divisions', () => {
    const [d, e, f] = [newId(), newId(), newId()];
    expect(readFilter(principalWith(grant(d, VIEW), grant(e, VIEW)), VIEW, [d, f])).toEqual({
      divisionIds: [d],
      includeUnassigned: false,
    });
  });

  it("reads '*' in a request as unassigned records", () => {
    const d = newId();
    expect(readFilter(principalWith(grant(d, VIEW)), VIEW, [ALL_DIVISIONS])).toEqual({
      divisionIds: [],
      includeUnassigned: true,
    });
  });

  it("combines requested divisions with '*' for unassigned", () => {
    const [d, e] = [newId(), newId()];
    expect(readFilter(principalWith(grant(d, VIEW)), VIEW, [d, e, ALL_DIVISIONS])).toEqual({
      divisionIds: [d],
      includeUnassigned: true,
    });
  });

  it("passes any requested division through for a grant on '*'", () => {
    const f = newId();
    expect(readFilter(principalWith(grant(ALL_DIVISIONS, VIEW)), VIEW, [f])).toEqual({
      divisionIds: [f],
      includeUnassigned: false,
    });
    expect(readFilter(principalWith(grant(ALL_DIVISIONS, VIEW)), VIEW, [ALL_DIVISIONS])).toEqual({
      divisionIds: [],
      includeUnassigned: true,
    });
  });

  it('answers an empty filter when the request names only divisions the principal cannot read', () => {
    const [d, e] = [newId(), newId()];
    expect(readFilter(principalWith(grant(d, VIEW)), VIEW, [e])).toEqual({
      divisionIds: [],
      includeUnassigned: false,
    });
  });

  it('answers null when the permission is held nowhere', () => {
    const d = newId();
    expect(readFilter(principalWith(), VIEW)).toBeNull();
    expect(readFilter(principalWith(grant(d, EDIT)), VIEW)).toBeNull();
    expect(readFilter(principalWith(grant(d, EDIT)), VIEW, [d, ALL_DIVISIONS])).toBeNull();
  });

  it('honours wildcard permissions', () => {
    const d = newId();
    expect(readFilter(principalWith(grant(d, 'externalContacts:*:view')), VIEW)).toEqual({
      divisionIds: [d],
      includeUnassigned: true,
    });
  });

  it('never lets a request widen what the principal may read', () => {
    fc.assert(
      fc.property(
        arbitraryPrincipal,
        arbitraryPermission,
        fc.array(fc.constantFrom(...RECORD_DIVISIONS, ALL_DIVISIONS), { maxLength: 5 }),
        (p, perm, requested) => {
          const filter = readFilter(p, perm, requested);
          if (!holdsAnywhere(p, perm)) {
            expect(filter).toBeNull();
            return;
          }
          expect(filter).not.toBeNull();
          if (filter === null) return;
          if (filter.divisionIds !== 'all') {
            for (const id of filter.divisionIds) {
              expect(id).not.toBe(ALL_DIVISIONS);
              expect(canAccess(p, perm, id)).toBe(true);
              if (requested.length > 0) expect(requested).toContain(id);
            }
          } else {
            expect(requested).toHaveLength(0);
          }
          if (requested.length > 0) {
            expect(filter.includeUnassigned).toBe(requested.includes(ALL_DIVISIONS));
            for (const id of requested) {
              if (id !== ALL_DIVISIONS && canAccess(p, perm, id)) {
                expect(filter.divisionIds).toContain(id);
              }
            }
          } else {
            expect(filter.includeUnassigned).toBe(true);
          }
        },
      ),
    );
  });
});

describe('divisionChangeError', () => {
  it('allows an edit that keeps the division', () => {
    const d = newId();
    expect(divisionChangeError(d, d)).toBeNull();
  });

  it('allows an edit that does not mention the division', () => {
    expect(divisionChangeError(newId(), undefined)).toBeNull();
    expect(divisionChangeError(null, undefined)).toBeNull();
  });

  it('allows an edit that keeps an unassigned record unassigned', () => {
    expect(divisionChangeError(null, null)).toBeNull();
  });

  it.each([
    ['another division', newId(), newId()],
    ['unassigned', newId(), null],
    ['a division from unassigned', null, newId()],
  ])('refuses a move to %s', (_label, current, requested) => {
    expect(divisionChangeError(current, requested)).not.toBeNull();
  });

  it('explains that the division is fixed and how to move a contact', () => {
    const message = divisionChangeError(newId(), newId()) ?? '';
    expect(message).toMatch(/cannot be changed/i);
    expect(message).toMatch(/delete/i);
    expect(message).toMatch(/create it again|recreate/i);
    expect(message).toContain('/api/v2/externalcontacts/contacts/{contactId}/move');
  });
});
