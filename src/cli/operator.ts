import type { Principal } from '../authorization/access.js';

/** The principal a command acts as: the operator, with every permission (as `kith` has). */
export function operator(orgId: string, command: string): Principal {
  return {
    orgId,
    type: 'client',
    id: 'kith-cli',
    name: command,
    grants: [{ roleId: 'kith-cli', divisionId: '*', permissions: ['*:*:*'] }],
  };
}
