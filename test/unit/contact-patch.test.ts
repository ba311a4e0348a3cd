import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PATCH_ACTIONS,
  applyPatch,
  parseFieldPath,
  type PatchChange,
} from '../../src/contacts/contact-patch.js';
import { AppError } from '../../src/errors/app-error.js';

type Json = Record<string, unknown>;

const segment = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const path = fc.array(segment, { minLength: 1, maxLength: 3 });
const value = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.dictionary(segment, fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);
const document: fc.Arbitrary<Json> = fc.dictionary<unknown>(
  segment,
  fc.oneof(value, fc.dictionary(segment, value, { maxKeys: 3 })),
  { maxKeys: 5 },
);
const action = fc.constantFrom<PatchChange['action']>(...PATCH_ACTIONS);

const field = (segments: readonly string[]): string => `$.${segments.join('.')}`;

function lookup(doc: Json, segments: readonly string[]): unknown {
  let current: unknown = doc;
  for (const s of segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Json)[s];
  }
  return current;
}

/** The AppError `run` throws, or undefined when it returns. */
function errorOf(run: () => unknown): AppError | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  return undefined;
}

describe('applyPatch', () => {
  it('Update then Remove of a field leaves the document without it', () => {
    fc.assert(
      fc.property(document, path, value, (doc, segments, v) => {
        const error = errorOf(() =>
          applyPatch(doc, [{ field: field(segments), value: v, action: 'Update' }], []),
        );
        // Updating through a non-object is a 400; nothing else may go wrong.
        if (error !== undefined) {
          expect(error.status).toBe(400);
          return;
        }
        const updated = applyPatch(
          doc,
          [{ field: field(segments), value: v, action: 'Update' }],
          [],
        );
        expect(lookup(updated, segments)).toEqual(v);
        const removed = applyPatch(updated, [{ field: field(segments), action: 'Remove' }], []);
        expect(lookup(removed, segments)).toBeUndefined();
        // Every other top-level field is as it was.
        for (const key of Object.keys(doc))
          if (key !== segments[0]) expect(removed[key]).toEqual(doc[key]);
      }),
    );
  });

  it('Update and Remove of the same field in one request leave it absent', () => {
    fc.assert(
      fc.property(document, path, value, (doc, segments, v) => {
        const changes: PatchChange[] = [
          { field: field(segments), value: v, action: 'Update' },
          { field: field(segments), action: 'Remove' },
        ];
        const error = errorOf(() => applyPatch(doc, changes, []));
        if (error !== undefined) {
          expect(error.status).toBe(400);
          return;
        }
        expect(lookup(applyPatch(doc, changes, []), segments)).toBeUndefined();
      }),
    );
  });

  it('answers 409 for a parent and a child path in one request, in either order', () => {
    fc.assert(
      fc.property(
        document,
        path,
        fc.array(segment, { minLength: 1, maxLength: 2 }),
        action,
        action,
        fc.boolean(),
        (doc, parent, tail, a1, a2, childFirst) => {
          const changes: PatchChange[] = [
            { field: field(parent), value: 'x', action: a1 },
            { field: field([...parent, ...tail]), value: 'y', action: a2 },
          ];
          if (childFirst) changes.reverse();
          const error = errorOf(() => applyPatch(doc, changes, []));
          expect(error?.status).toBe(409);
          expect(error?.code).toBe('conflict');
        },
      ),
    );
  });

  it('never changes the document it is given', () => {
    fc.assert(
      fc.property(document, path, action, value, (doc, segments, a, v) => {
        const before = structuredClone(doc);
        errorOf(() => applyPatch(doc, [{ field: field(segments), value: v, action: a }], []));
        expect(doc).toEqual(before);
      }),
    );
  });

  it('answers 400 naming the change for a path outside the $.a.b subset', () => {
    for (const bad of [
      'firstName',
      '$',
      '$.',
      '$..firstName',
      '$.address[0]',
      '$.a-b',
      '$.1st',
      'address.city',
      '$.a.',
    ]) {
      const error = errorOf(() =>
        applyPatch({}, [{ field: bad, value: 'x', action: 'Update' }], []),
      );
      expect(error?.status, bad).toBe(400);
      expect(error?.details.map((d) => d.fieldName)).toContain('changes[0].field');
    }
  });

  it('reads $.a.b paths into their segments', () => {
    fc.assert(
      fc.property(path, (segments) => {
        expect(parseFieldPath(field(segments), 0)).toEqual(segments);
      }),
    );
  });

  it('answers 400 for a read-only field', () => {
    const error = errorOf(() =>
      applyPatch({}, [{ field: '$.type', value: 'Curated', action: 'Update' }], ['type']),
    );
    expect(error?.status).toBe(400);
    expect(error?.message).toContain('type');
  });

  it('applies UpdateIfEmpty only to empty fields and UpdateIfExists only to set ones', () => {
    const doc = { firstName: 'Ada', title: '', address: { city: 'London' } };
    expect(
      applyPatch(
        doc,
        [
          { field: '$.firstName', value: 'Bea', action: 'UpdateIfEmpty' },
          { field: '$.title', value: 'Countess', action: 'UpdateIfEmpty' },
          { field: '$.lastName', value: 'Lovelace', action: 'UpdateIfEmpty' },
        ],
        [],
      ),
    ).toEqual({
      firstName: 'Ada',
      title: 'Countess',
      lastName: 'Lovelace',
      address: { city: 'London' },
    });
    expect(
      applyPatch(
        doc,
        [
          { field: '$.firstName', value: 'Bea', action: 'UpdateIfExists' },
          { field: '$.middleName', value: 'King', action: 'UpdateIfExists' },
          { field: '$.address.city', value: 'Paris', action: 'UpdateIfExists' },
          { field: '$.other.city', value: 'Rome', action: 'UpdateIfExists' },
        ],
        [],
      ),
    ).toEqual({ firstName: 'Bea', title: '', address: { city: 'Paris' } });
  });

  it('appends to a collection once per distinct item and removes items matched in part', () => {
    const doc = { externalIds: [{ externalSource: { id: 's1' }, value: 'a' }] };
    const appended = applyPatch(
      doc,
      [
        {
          field: '$.externalIds',
          value: [
            { externalSource: { id: 's1' }, value: 'a' },
            { externalSource: { id: 's1' }, value: 'b' },
          ],
          action: 'AppendToCollection',
        },
      ],
      [],
    );
    expect(appended.externalIds).toEqual([
      { externalSource: { id: 's1' }, value: 'a' },
      { externalSource: { id: 's1' }, value: 'b' },
    ]);
    const removed = applyPatch(
      appended,
      [{ field: '$.externalIds', value: { value: 'a' }, action: 'RemoveFromCollection' }],
      [],
    );
    expect(removed.externalIds).toEqual([{ externalSource: { id: 's1' }, value: 'b' }]);
    expect(
      errorOf(() =>
        applyPatch(
          { firstName: 'Ada' },
          [{ field: '$.firstName', value: 'x', action: 'AppendToCollection' }],
          [],
        ),
      )?.status,
    ).toBe(400);
  });

  it('makes AppendToCollection idempotent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 5 }),
        fc.string({ maxLength: 4 }),
        (items, item) => {
          const change: PatchChange = {
            field: '$.tags',
            value: item,
            action: 'AppendToCollection',
          };
          const once = applyPatch({ tags: items }, [change], []);
          expect(applyPatch(once, [change], [])).toEqual(once);
          expect(once.tags).toContain(item);
        },
      ),
    );
  });
});

describe('applyPatch and prototype keys', () => {
  it('refuses $.__proto__ paths instead of writing to Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    try {
      const error = errorOf(() =>
        applyPatch({}, [{ field: '$.__proto__.polluted', value: 'yes', action: 'Update' }], []),
      );
      expect(proto.polluted).toBeUndefined();
      expect(error?.status).toBe(400);
    } finally {
      delete proto.polluted;
    }
  });
});
