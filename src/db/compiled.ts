import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { DB } from './schema.js';

/*
 * Building and compiling a Kysely query costs tens of microseconds, more than SQLite takes to run
 * a lookup by key. A query on the hot path of identity resolution is therefore built once per
 * shape, with stand-ins for its values, and its SQL reused with the values of each call.
 */

interface Template {
  readonly sql: string;
  /** For each parameter of the SQL: the index of the value it stands for, or its constant. */
  readonly parameters: readonly ({ slot: number } | { constant: unknown })[];
}

const templates = new WeakMap<Kysely<DB>, Map<string, Template>>();
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
  let byShape = templates.get(db);
  if (byShape === undefined) {
    byShape = new Map();
    templates.set(db, byShape);
  }
  let template = byShape.get(shape);
  if (template === undefined) {
    const compiled = build((i) => `${MARK}${i}\u0001`).compile();
    template = {
      sql: compiled.sql,
      parameters: compiled.parameters.map((p) => {
        const slot = slotOf(p);
        return slot === null ? { constant: p } : { slot };
      }),
    };
    byShape.set(shape, template);
  }
  // The SQL is the one `build` made, so its rows are the rows of R.
  return CompiledQuery.raw(
    template.sql,
    template.parameters.map((p) => ('slot' in p ? values[p.slot] : p.constant)),
  );
}
