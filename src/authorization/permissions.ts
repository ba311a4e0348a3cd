/** The permissions Kith enforces, in Genesys form `domain:entity:action` (SPEC §1). */
export const PERMISSIONS = [
  ...['view', 'add', 'edit', 'delete', 'viewAll', 'search', 'enrich'].map(
    (a) => `externalContacts:contact:${a}`,
  ),
  ...['view', 'add', 'edit', 'delete', 'viewAll', 'search', 'enrich'].map(
    (a) => `externalContacts:externalOrganization:${a}`,
  ),
  'externalContacts:identity:merge',
  'externalContacts:identity:promote',
  'externalContacts:identity:resolve',
  'externalContacts:conversation:associate',
  'externalContacts:customFields:view',
  'externalContacts:customFields:add',
  'externalContacts:customFields:edit',
  'externalContacts:customFields:delete',
  'externalContacts:externalSource:view',
  'externalContacts:externalSource:add',
  'externalContacts:externalSource:edit',
  'externalContacts:externalSource:delete',
  ...['add', 'view', 'viewAll', 'edit'].map((a) => `externalContacts:importJob:${a}`),
  ...['add', 'edit', 'delete', 'view', 'viewAll'].map(
    (a) => `externalContacts:importSettings:${a}`,
  ),
  ...['add', 'edit', 'delete', 'view'].map((a) => `externalContacts:importCsvSettings:${a}`),
  'externalContacts:importCsvJob:add',
  'externalContacts:importCsvUpload:add',
  'externalContacts:importCsvUpload:view',
  'externalContacts:export:view',
  'externalContacts:export:add',
  'externalContacts:settings:view',
  'externalContacts:settings:edit',
  ...['view', 'add', 'edit', 'delete'].map((a) => `authorization:division:${a}`),
  ...['view', 'add', 'edit', 'delete'].map((a) => `authorization:role:${a}`),
  ...['view', 'add', 'edit', 'delete'].map((a) => `oauth:client:${a}`),
  ...['view', 'add', 'edit', 'delete'].map((a) => `directory:user:${a}`),
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** The built-in roles every organization starts with. */
export const BUILT_IN_ROLES = {
  admin: {
    name: 'admin',
    description: 'Every permission, on the divisions it is granted on',
    permissions: ['*:*:*'],
  },
  agent: {
    name: 'agent',
    description:
      'View, add and edit contacts and organizations, resolve identities, associate conversations',
    permissions: [
      'externalContacts:contact:view',
      'externalContacts:contact:add',
      'externalContacts:contact:edit',
      'externalContacts:contact:search',
      'externalContacts:externalOrganization:view',
      'externalContacts:externalOrganization:add',
      'externalContacts:externalOrganization:edit',
      'externalContacts:externalOrganization:search',
      'externalContacts:identity:resolve',
      'externalContacts:conversation:associate',
      'externalContacts:externalSource:view',
      'externalContacts:customFields:view',
    ],
  },
} as const satisfies Record<string, { name: string; description: string; permissions: string[] }>;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

const PERMISSION_PATTERN =
  /^(\*|[A-Za-z][A-Za-z0-9]*):(\*|[A-Za-z][A-Za-z0-9]*):(\*|[A-Za-z][A-Za-z0-9]*)$/;

/**
 * Whether a string may stand in a role: `domain:entity:action`, where any part may be `*`.
 * Unknown but well-formed permissions are accepted, as Genesys accepts permissions of other
 * products; they simply grant nothing here.
 */
export function isPermissionString(value: string): boolean {
  return PERMISSION_PATTERN.test(value);
}

/** Whether `granted` (which may hold `*` parts) covers the concrete permission `needed`. */
export function permissionCovers(granted: string, needed: string): boolean {
  const g = granted.split(':');
  const n = needed.split(':');
  if (g.length !== 3 || n.length !== 3) return false;
  return g.every((part, i) => part === '*' || part === n[i]);
}
