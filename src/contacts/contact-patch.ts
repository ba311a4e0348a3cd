import { isDeepStrictEqual } from 'node:util';
import { AppError, badRequest, conflict } from '../errors/app-error.js';
import { ErrorCode } from '../errors/error-codes.js';

/** The six actions of a Genesys `ContactsPatchChange`. */
export const PATCH_ACTIONS = [
  'Update',
  'UpdateIfEmpty',
  'UpdateIfExists',
  'Remove',
  'AppendToCollection',
  'RemoveFromCollection',
] as const;
export type PatchAction = (typeof PATCH_ACTIONS)[number];

export interface PatchChange {
  field: string;
  value?: unknown;
  action: PatchAction;
}

const SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Names that reach an object's prototype: patching them would change every object in the process.
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Reads the JSONPath subset Genesys accepts: `$.` followed by dot-separated property names
 * (`$.address.city`). Returns the segments.
 * @throws AppError 400 naming the change when the path is outside the subset.
 */
export function parseFieldPath(field: string, index: number): string[] {
  const segments = field.startsWith('$.') ? field.slice(2).split('.') : [];
  if (
    segments.length === 0 ||
    !segments.every((s) => SEGMENT.test(s) && !FORBIDDEN_SEGMENTS.has(s))
  ) {
    throw new AppError(
      ErrorCode.badRequest,
      `changes[${index}].field "${field}" is not a supported path: write $. followed by property names, e.g. $.address.city`,
      400,
      [{ errorCode: ErrorCode.invalidValue, fieldName: `changes[${index}].field` }],
    );
  }
  return segments;
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
  );
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Applies `changes` to a copy of `document` (the entity's writable fields in wire shape).
 * Fields named in `readOnly` cannot be patched. A change to a field and to one of its parents or
 * children in the same request is a 409, as Genesys answers.
 * @throws AppError 400 for a bad path or action target, 409 for overlapping paths.
 */
export function applyPatch(
  document: Json,
  changes: readonly PatchChange[],
  readOnly: readonly string[],
): Json {
  const paths = changes.map((change, i) => parseFieldPath(change.field, i));
  for (let i = 0; i < paths.length; i += 1) {
    for (let j = 0; j < paths.length; j += 1) {
      const a = paths[i] ?? [];
      const b = paths[j] ?? [];
      if (i !== j && a.length < b.length && a.every((s, k) => s === b[k])) {
        throw conflict(
          `changes[${i}] (${changes[i]?.field ?? ''}) and changes[${j}] (${changes[j]?.field ?? ''}) patch a field and its parent in one request; send them separately`,
        );
      }
    }
  }
  const result = structuredClone(document);
  changes.forEach((change, i) => {
    const path = paths[i] ?? [];
    const top = path[0] ?? '';
    if (readOnly.includes(top))
      throw badRequest(`changes[${i}]: ${top} cannot be changed with PATCH`, `changes[${i}].field`);
    let parent: Json = result;
    for (const segment of path.slice(0, -1)) {
      const next = parent[segment];
      if (next === undefined || next === null) {
        if (
          change.action === 'Remove' ||
          change.action === 'UpdateIfExists' ||
          change.action === 'RemoveFromCollection'
        )
          return;
        parent[segment] = {};
      } else if (!isObject(next)) {
        throw badRequest(
          `changes[${i}]: ${change.field} goes through ${segment}, which is not an object`,
          `changes[${i}].field`,
        );
      }
      parent = parent[segment] as Json;
    }
    const key = path[path.length - 1] ?? '';
    const current = parent[key];
    switch (change.action) {
      case 'Update':
        if (change.value === undefined || change.value === null) delete parent[key];
        else parent[key] = change.value;
        break;
      case 'UpdateIfEmpty':
        if (isEmpty(current) && change.value !== undefined && change.value !== null)
          parent[key] = change.value;
        break;
      case 'UpdateIfExists':
        if (!isEmpty(current)) {
          if (change.value === undefined || change.value === null) delete parent[key];
          else parent[key] = change.value;
        }
        break;
      case 'Remove':
        delete parent[key];
        break;
      case 'AppendToCollection': {
        if (current !== undefined && current !== null && !Array.isArray(current)) {
          throw badRequest(
            `changes[${i}]: ${change.field} is not a collection`,
            `changes[${i}].field`,
          );
        }
        const items = Array.isArray(change.value) ? change.value : [change.value];
        const collection = [...((current as unknown[] | undefined) ?? [])];
        for (const item of items)
          if (!collection.some((c) => isDeepStrictEqual(c, item))) collection.push(item);
        parent[key] = collection;
        break;
      }
      case 'RemoveFromCollection': {
        if (current === undefined || current === null) break;
        if (!Array.isArray(current))
          throw badRequest(
            `changes[${i}]: ${change.field} is not a collection`,
            `changes[${i}].field`,
          );
        const items = Array.isArray(change.value) ? change.value : [change.value];
        // An item given partly (`{value: "x"}` for an external id) removes every item it matches.
        const matches = (c: unknown, item: unknown): boolean =>
          isDeepStrictEqual(c, item) ||
          (isObject(c) &&
            isObject(item) &&
            Object.entries(item).every(([k, v]) => isDeepStrictEqual(c[k], v)));
        parent[key] = current.filter((c) => !items.some((item) => matches(c, item)));
        break;
      }
    }
  });
  return result;
}
