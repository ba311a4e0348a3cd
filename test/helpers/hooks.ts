import { afterAll, beforeAll } from 'vitest';

/**
 * For a describe block: makes a value in a beforeAll and disposes of it in an afterAll. Returns
 * the accessor of that value, which throws when called before the beforeAll has run.
 */
export function madeBeforeAll<T>(
  make: () => Promise<T>,
  dispose: (value: T) => Promise<void>,
): () => T {
  let made: { value: T } | undefined;
  beforeAll(async () => {
    made = { value: await make() };
  });
  afterAll(async () => {
    if (made !== undefined) await dispose(made.value);
    made = undefined;
  });
  return () => {
    if (made === undefined)
      throw new Error('used before its beforeAll ran: use it in a hook or test');
    return made.value;
  };
}

/**
 * An object a describe block can hold from its start that reads each of `keys` through to
 * `current()` (functions bound to it), so that a value made in a beforeAll reads like a constant.
 * `keys` names every member of T, which the compiler checks.
 */
export function standIn<T extends object>(current: () => T, keys: Record<keyof T, true>): T {
  const stand = {} as T;
  for (const key of Object.keys(keys) as (keyof T)[]) {
    Object.defineProperty(stand, key, {
      enumerable: true,
      get: () => {
        const target = current();
        const value = target[key];
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
  }
  return stand;
}
