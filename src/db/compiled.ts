import { CompiledQuery, type Compilable, type Insertable, type Kysely } from 'kysely';
import type { DB } from './schema.js';
import { isPostgres } from './sql.js';

/*
 * Building and compiling a Kysely query costs tens of microseconds, more than SQLite takes to run
 * a lookup by key. A query on the hot path of identity resolution is therefore built once per
 * shape, with stand-ins for its values, and its SQL reused with the values of each call.
 */

interface Template {
  readonly sql: string;
  /** For each parameter of the SQL: the index of the value it stands for, or -1 for a constant. */
  readonly slots: readonly number[];
  /** The parameters as compiled: the constants, where `slots` says -1. */
  readonly constants: readonly unknown[];
}

/**
 * Templates by SQL dialect. Keyed by the dialect, not the Kysely instance: every transaction is
 * an instance of its own, and keying by instance compiled every insert of every resolution batch
 * anew (a quarter of the batch's JavaScript). Kith's plugins do not change SQL, so the instances
 * of one dialect make the same SQL for a shape. A plugin sees a query only when it is compiled:
 * writes the authentication cache must see (src/auth/auth-cache.ts) do not go through here.
 */
const templates = new Map<string, Map<string, Template>>();
// A value no caller sends: the stand-in of value i is `\u0001kith:i\u0001`.
const MARK = '\u0001kith:';

function slotOf(p: unknown): number | null {
  if (typeof p !== 'string' || !p.startsWith(MARK) || !p.endsWith('\u0001')) return null;
  const slot = Number(p.slice(MARK.length, -1));
  return Number.isInteger(slot) ? slot : null;
}

/**
 * The query `build` makes, compiled once per `shape` and database. `build` receives a function
 * that gives the stand-in of value `i`; it must make the same query for a shape whatever the
 * values (`shape` names everything that changes the SQL: how many values, which branches).
 * @returns the compiled query with `values` in place of the stand-ins.
 */
export function compileOnce<R>(
  db: Kysely<DB>,
  shape: string,
  values: readonly unknown[],
  build: (value: (i: number) => string) => Compilable<R>,
): CompiledQuery<R> {
  const dialect = isPostgres(db) ? 'postgres' : 'sqlite';
  let byShape = templates.get(dialect);
  if (byShape === undefined) {
    byShape = new Map();
    templates.set(dialect, byShape);
  }
  let template = byShape.get(shape);
  if (template === undefined) {
    const compiled = build((i) => `${MARK}${i}\u0001`).compile();
    template = {
      sql: compiled.sql,
      slots: compiled.parameters.map((p) => slotOf(p) ?? -1),
      constants: compiled.parameters,
    };
    byShape.set(shape, template);
  }
  // The SQL is the one `build` made, so its rows are the rows of R.
  const { slots, constants } = template;
  const parameters = new Array<unknown>(slots.length);
  for (let k = 0; k < slots.length; k += 1) {
    const slot = slots[k] as number;
    parameters[k] = slot === -1 ? constants[k] : values[slot];
  }
  return CompiledQuery.raw(template.sql, parameters);
}

/** The row counts a bulk insert is cut into (powers of two), so that few shapes exist. */
const CHUNK_SIZES = [128, 64, 32, 16, 8, 4, 2, 1] as const;

type Row = Record<string, unknown>;
/** DB's tables seen as rows of unknown values: the statements here are built by column name. */
type AnyTables = Record<string, Row>;

/**
 * Inserts rows of one shape (the same columns) with statements compiled once per row count, cut
 * in powers of two: a batch of 42 rows runs as 32 + 8 + 2. Building a multi-row insert through
 * Kysely costs microseconds per value, on every call; identity resolution inserts thousands of
 * rows a second.
 * @param ignoreConflicts rows that break a unique key are skipped rather than failing.
 * @returns the rows inserted, when `returning` (a skipped row is not among them).
 */
export async function insertRows<T extends keyof DB>(
  db: Kysely<DB>,
  table: T,
  rows: readonly Insertable<DB[T]>[],
  options: { ignoreConflicts?: boolean; returning?: boolean } = {},
): Promise<Row[]> {
  const first = rows[0];
  if (first === undefined) return [];
  const columns = Object.keys(first);
  const any = db as unknown as Kysely<AnyTables>;
  const inserted: Row[] = [];
  let at = 0;
  while (at < rows.length) {
    const remaining = rows.length - at;
    const size = CHUNK_SIZES.find((s) => s <= remaining) ?? 1;
    const values: unknown[] = [];
    for (let r = at; r < at + size; r += 1) {
      const row = rows[r] as unknown as Row;
      if (Object.keys(row).length !== columns.length)
        throw new Error(`insertRows: the rows of ${table} differ in their columns`);
      for (const column of columns) values.push(row[column]);
    }
    const shape = `insert:${table}:${columns.join(',')}:${options.ignoreConflicts === true}:${options.returning === true}:${size}`;
    const compiled = compileOnce(db, shape, values, (value) => {
      let query = any
        .insertInto(table)
        .values(
          Array.from({ length: size }, (_, r) =>
            Object.fromEntries(columns.map((column, k) => [column, value(r * columns.length + k)])),
          ),
        );
      if (options.ignoreConflicts === true) query = query.onConflict((oc) => oc.doNothing());
      return options.returning === true ? query.returningAll() : query;
    });
    const result = await db.executeQuery(compiled);
    inserted.push(...(result.rows as unknown as Row[]));
    at += size;
  }
  return inserted;
}
