import type {
  Kysely,
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import type { DB } from '../db/schema.js';
import type { Principal } from '../authorization/access.js';

/*
 * Authentication runs on every request; its query cost a third of an identity resolution over
 * HTTP (bench/RESULTS.md). A process keeps what a token authenticated as for a second, capped at
 * the token's expiry. What makes that exact within the process: every statement Kysely builds is
 * seen by AuthWrites, and one that writes a table authentication reads (tokens, grants, roles,
 * users, clients, divisions, orgs) empties the cache and turns it off for a second, so that a
 * request racing the writing transaction's commit cannot store what the transaction replaces.
 * Another process sharing the database sees a revocation or a changed grant within a second.
 */

/** How long a principal is kept, and how long caching stays off after a write. */
export const AUTH_CACHE_MS = 1000;
const MAX_ENTRIES = 10_000;

const AUTH_TABLES = new Set(['tokens', 'grants', 'roles', 'users', 'clients', 'divisions', 'orgs']);

interface Entry {
  readonly principal: Principal | undefined;
  readonly until: number;
}

/** The table a write statement writes, if the node is one. */
function writtenTable(node: RootOperationNode): string | undefined {
  const nameOf = (table: OperationNode | undefined): string | undefined => {
    if (table === undefined) return undefined;
    if (table.kind === 'TableNode')
      return (table as unknown as { table: { identifier: { name: string } } }).table.identifier
        .name;
    if (table.kind === 'AliasNode')
      return nameOf((table as unknown as { node: OperationNode }).node);
    return undefined;
  };
  if (node.kind === 'InsertQueryNode') return nameOf(node.into);
  if (node.kind === 'UpdateQueryNode') return nameOf(node.table);
  if (node.kind === 'DeleteQueryNode') return nameOf(node.from.froms[0]);
  return undefined;
}

/** The plugin that watches for writes to the tables authentication reads, and the cache. */
export class AuthWrites implements KyselyPlugin {
  private readonly entries = new Map<string, Entry>();
  private quietUntil = 0;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const table = writtenTable(args.node);
    if (table !== undefined && AUTH_TABLES.has(table)) this.changed();
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }

  /** Forgets every principal, and keeps none for a second. */
  changed(): void {
    this.entries.clear();
    this.quietUntil = Date.now() + AUTH_CACHE_MS;
  }

  get(token: string): Entry | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.until > Date.now()) return entry;
    this.entries.delete(token);
    return undefined;
  }

  /** Keeps what the token authenticated as, at most until `expiresAt` (ms). */
  set(token: string, principal: Principal | undefined, expiresAt: number): void {
    const now = Date.now();
    if (now < this.quietUntil) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(token, { principal, until: Math.min(now + AUTH_CACHE_MS, expiresAt) });
  }
}

const byDatabase = new WeakMap<Kysely<DB>, AuthWrites>();

/** Attaches the plugin a database was built with, so that authentication finds its cache. */
export function attachAuthCache(db: Kysely<DB>, plugin: AuthWrites): void {
  byDatabase.set(db, plugin);
}

/** The cache of a database, if it was built with one. */
export function authCacheOf(db: Kysely<DB>): AuthWrites | undefined {
  return byDatabase.get(db);
}
