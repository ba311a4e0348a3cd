import { describe, expect, it } from 'vitest';
import type { Contact, ContactFields } from '../../src/contacts/contact.js';
import { changedFields, mergeProblem, OVERRIDE, reconcile } from '../../src/merge/merge.js';

function contact(
  id: string,
  modifyDate: string,
  fields: ContactFields,
  extra: Partial<Contact> = {},
): Contact {
  return {
    id,
    orgId: 'org',
    divisionId: null,
    type: 'Curated',
    fields,
    version: 1,
    createDate: '2026-01-01T00:00:00.000Z',
    modifyDate,
    ...extra,
  };
}

const phone = (e164: string) => ({ e164, display: e164, userInput: e164 });

describe('merge reconciliation', () => {
  it('takes each field from the most recently modified input that has it, the override first', () => {
    const old = contact('old', '2026-01-02T00:00:00.000Z', { firstName: 'Old', title: 'Kept' });
    const recent = contact('new', '2026-01-03T00:00:00.000Z', { firstName: 'New' });
    const { fields, sources } = reconcile([old, recent], { lastName: 'Given' });
    expect(fields).toEqual({ firstName: 'New', title: 'Kept', lastName: 'Given' });
    expect(sources).toEqual({ firstName: 'new', title: 'old', lastName: OVERRIDE });
  });

  it('moves conflicting phones to free slots, and drops what finds none', () => {
    const a = contact('a', '2026-01-03T00:00:00.000Z', {
      workPhone: phone('+13175550001'),
      cellPhone: phone('+13175550002'),
      homePhone: phone('+13175550003'),
    });
    const b = contact('b', '2026-01-02T00:00:00.000Z', {
      workPhone: phone('+13175550004'),
      otherPhone: phone('+13175550001'),
      cellPhone: phone('+13175550005'),
    });
    const { fields, sources, dropped } = reconcile([b, a]);
    expect(
      [fields.workPhone, fields.cellPhone, fields.homePhone, fields.otherPhone].map((p) => p?.e164),
    ).toEqual(['+13175550001', '+13175550002', '+13175550003', '+13175550004']);
    expect(sources.otherPhone).toBe('b');
    expect(dropped.phones).toEqual([phone('+13175550005')]);
  });

  it('moves emails compared without case, and unites external ids once each', () => {
    const source = { id: 'crm' };
    const a = contact('a', '2026-01-03T00:00:00.000Z', {
      workEmail: 'ada@example.com',
      externalIds: [{ externalSource: source, value: '1' }],
    });
    const b = contact('b', '2026-01-02T00:00:00.000Z', {
      workEmail: 'ADA@example.com',
      personalEmail: 'countess@example.com',
      externalIds: [
        { externalSource: source, value: '1' },
        { externalSource: source, value: '2' },
      ],
    });
    const { fields, sources } = reconcile([a, b]);
    expect(fields.workEmail).toBe('ada@example.com');
    expect(fields.personalEmail).toBe('countess@example.com');
    expect(fields.otherEmail).toBeUndefined();
    expect(fields.externalIds?.map((e) => e.value)).toEqual(['1', '2']);
    expect(sources.externalIds).toEqual(['a', 'b']);
  });

  it('takes custom fields one by one by recency', () => {
    const a = contact('a', '2026-01-03T00:00:00.000Z', { customFields: { tier: 'gold' } });
    const b = contact('b', '2026-01-02T00:00:00.000Z', {
      customFields: { tier: 'silver', region: 'north' },
    });
    expect(reconcile([a, b]).fields.customFields).toEqual({ tier: 'gold', region: 'north' });
  });

  it('refuses inputs merged already or in different divisions', () => {
    const a = contact('a', '2026-01-03T00:00:00.000Z', {});
    expect(mergeProblem([a, contact('b', 'x', {}, { mergedTo: 'c' })])?.message).toMatch(
      /merged into c/,
    );
    expect(mergeProblem([a, contact('b', 'x', {}, { divisionId: 'd' })])?.message).toMatch(
      /different divisions/,
    );
    expect(mergeProblem([a, contact('b', 'x', {})])).toBeNull();
  });

  it('names the fields that changed between two versions', () => {
    expect(
      changedFields({ firstName: 'A', title: 'T' }, { firstName: 'B', lastName: 'L', title: 'T' }),
    ).toEqual(['firstName', 'lastName']);
  });
});
