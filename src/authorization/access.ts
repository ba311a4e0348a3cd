import { permissionCovers } from './permissions.js';

/** The division id that, in a grant, means every division, present and future. */
export const ALL_DIVISIONS = '*';

/** One role held on one division, with the role's permissions resolved. */
export interface Grant {
  readonly roleId: string;
  readonly divisionId: string;
  readonly permissions: readonly string[];
}

/** Who is calling: an OAuth client or a user, of one organization, with its grants. */
export interface Principal {
  readonly orgId: string;
  readonly type: 'client' | 'user';
  readonly id: string;
  readonly name: string;
  readonly grants: readonly Grant[];
  /** The client's own rate limit, overriding the server default; undefined for the default. */
  readonly rateLimitPerMinute?: number | undefined;
}

/**
 * The divisions in which a principal holds a permission: `all` when it holds it on `*`, else the
 * list (possibly empty).
 */
export type DivisionScope =
  { readonly all: true } | { readonly all: false; readonly ids: readonly string[] };

export function divisionScope(principal: Principal, permission: string): DivisionScope {
  const ids = new Set<string>();
  for (const grant of principal.grants) {
    if (!grant.permissions.some((p) => permissionCovers(p, permission))) continue;
    if (grant.divisionId === ALL_DIVISIONS) return { all: true };
    ids.add(grant.divisionId);
  }
  return { all: false, ids: [...ids] };
}

/** Whether the principal holds the permission on at least one division. */
export function holdsAnywhere(principal: Principal, permission: string): boolean {
  const scope = divisionScope(principal, permission);
  return scope.all || scope.ids.length > 0;
}

/**
 * Whether the principal may act with `permission` on a record in `divisionId` (null for
 * unassigned). A grant on D covers D's records; unassigned records are covered by holding the
 * permission on any division.
 */
export function canAccess(
  principal: Principal,
  permission: string,
  divisionId: string | null,
): boolean {
  const scope = divisionScope(principal, permission);
  if (scope.all) return true;
  if (divisionId === null) return scope.ids.length > 0;
  return scope.ids.includes(divisionId);
}

/**
 * Whether the principal holds any `externalContacts:contact:*` permission. Without one, every
 * External Contacts endpoint answers 403: that is how an administrator turns the feature off.
 */
export function hasExternalContactsAccess(principal: Principal): boolean {
  return principal.grants.some((grant) =>
    grant.permissions.some((p) => {
      const [domain, entity] = p.split(':');
      return (
        (domain === '*' || domain === 'externalContacts') &&
        (entity === '*' || entity === 'contact')
      );
    }),
  );
}

/**
 * The division filter for a read: which divisions' records the principal may see with
 * `permission`, narrowed to `requested` when the caller asked for some. Unassigned records are
 * included whenever the principal may read anything at all. Returns null when nothing is visible.
 */
export interface ReadFilter {
  /** Every division (no filter), or only these ids. */
  readonly divisionIds: 'all' | readonly string[];
  readonly includeUnassigned: boolean;
}

export function readFilter(
  principal: Principal,
  permission: string,
  requested?: readonly string[],
): ReadFilter | null {
  const scope = divisionScope(principal, permission);
  if (!scope.all && scope.ids.length === 0) return null;
  if (requested === undefined || requested.length === 0) {
    return { divisionIds: scope.all ? 'all' : scope.ids, includeUnassigned: true };
  }
  const wantsUnassigned = requested.includes(ALL_DIVISIONS);
  const wanted = requested.filter((id) => id !== ALL_DIVISIONS);
  const ids = scope.all ? wanted : wanted.filter((id) => scope.ids.includes(id));
  if (ids.length === 0 && !wantsUnassigned) return { divisionIds: [], includeUnassigned: false };
  return { divisionIds: ids, includeUnassigned: wantsUnassigned };
}

/**
 * A record's division is fixed at creation. Returns the message for the 400 when an edit tries
 * to change it, or null when the edit keeps it.
 */
export function divisionChangeError(
  current: string | null,
  requested: string | null | undefined,
): string | null {
  if (requested === undefined) return null;
  if (requested === current) return null;
  return (
    "A record's division cannot be changed after it is created. To move a contact to another " +
    'division, delete it and create it again in the new division, or call ' +
    'POST /api/v2/externalcontacts/contacts/{contactId}/move with {"divisionId": "..."}.'
  );
}
