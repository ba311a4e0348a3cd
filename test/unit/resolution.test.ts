import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chooseMatch,
  newContactInput,
  newContactType,
  prioritize,
  type IdentifierMatch,
  type InteractionIdentifier,
} from '../../src/resolution/resolution.js';
import { expiredBefore, occurredAtProblem, seenHour } from '../../src/retention/retention.js';

const phone: InteractionIdentifier = { type: 'Phone', value: '+13175550123', sourceKey: '' };
const email: InteractionIdentifier = { type: 'Email', value: 'a@example.com', sourceKey: '' };
const cookie: InteractionIdentifier = { type: 'Cookie', value: 'c1', sourceKey: '' };
const login: InteractionIdentifier = { type: 'ExternalId', value: 'u1', sourceKey: 's1' };

describe('prioritize', () => {
  it('orders web messaging identifiers cookie, external id, email, phone, whatever the order sent', () => {
    expect(prioritize('webmessaging', [phone, email, login, cookie], true).ordered).toEqual([
      cookie,
      login,
      email,
      phone,
    ]);
  });

  it('drops what the channel does not match on, and an unauthenticated web login, saying why', () => {
    const { ordered, dropped } = prioritize('voice', [email, phone, phone], false);
    expect(ordered).toEqual([phone]);
    expect(dropped).toEqual([{ ...email, reason: 'the voice channel does not match on Email' }]);
    expect(prioritize('webmessaging', [login], false).dropped[0]?.reason).toMatch(/authenticated/);
  });

  it('puts the opaque id first on open messaging, then phone, then email', () => {
    expect(prioritize('openmessaging', [email, phone, login], false).ordered).toEqual([
      login,
      phone,
      email,
    ]);
  });
});

function match(
  index: number,
  via: IdentifierMatch['via'],
  contactId: string,
  day: number,
): IdentifierMatch {
  return {
    index,
    via,
    contactId,
    createDate: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
  };
}

describe('chooseMatch', () => {
  it('takes the first identifier with exactly one contact, claim before contact point', () => {
    expect(chooseMatch(2, [match(0, 'contactPoint', 'a', 1), match(0, 'claim', 'b', 2)])).toEqual({
      kind: 'single',
      index: 0,
      via: 'claim',
      contactId: 'b',
    });
  });

  it('passes over an identifier with several contacts when a later one finds exactly one', () => {
    const matches = [
      match(0, 'contactPoint', 'a', 1),
      match(0, 'contactPoint', 'b', 2),
      match(1, 'contactPoint', 'c', 3),
    ];
    expect(chooseMatch(2, matches)).toMatchObject({ kind: 'single', index: 1, contactId: 'c' });
  });

  it('answers several, first-created first, when no identifier finds exactly one', () => {
    const matches = [match(0, 'contactPoint', 'late', 9), match(0, 'contactPoint', 'early', 2)];
    expect(chooseMatch(1, matches)).toEqual({
      kind: 'several',
      index: 0,
      via: 'contactPoint',
      contactIds: ['early', 'late'],
    });
    expect(chooseMatch(1, [])).toEqual({ kind: 'none' });
  });

  it('links only a contact that matched, and one alone on its identifier and way', () => {
    const arbitraryMatch = fc.record({
      index: fc.integer({ min: 0, max: 3 }),
      via: fc.constantFrom<IdentifierMatch['via']>('claim', 'contactPoint'),
      contactId: fc.constantFrom('a', 'b', 'c', 'd'),
      createDate: fc.constantFrom('2026-01-01', '2026-01-02', '2026-01-03'),
    });
    fc.assert(
      fc.property(fc.array(arbitraryMatch, { maxLength: 12 }), (matches) => {
        const choice = chooseMatch(4, matches);
        if (choice.kind === 'none') expect(matches).toEqual([]);
        if (choice.kind === 'single') {
          const same = matches.filter((m) => m.index === choice.index && m.via === choice.via);
          expect(new Set(same.map((m) => m.contactId))).toEqual(new Set([choice.contactId]));
        }
        if (choice.kind === 'several') expect(choice.contactIds.length).toBeGreaterThan(1);
      }),
    );
  });
});

describe('newContactType and newContactInput', () => {
  it('makes Identified for a phone, email or external id, Ephemeral for a cookie or an anonymous social id', () => {
    expect(newContactType([phone], false)).toBe('Identified');
    expect(newContactType([login], false)).toBe('Identified');
    expect(newContactType([cookie], false)).toBe('Ephemeral');
    expect(newContactType([{ type: 'SocialFacebook', value: 'f', sourceKey: '' }], false)).toBe(
      'Ephemeral',
    );
    expect(newContactType([{ type: 'SocialFacebook', value: 'f', sourceKey: '' }], true)).toBe(
      'Identified',
    );
    expect(newContactType([cookie], true)).toBe('Ephemeral');
  });

  it('fills the Genesys fields from the identifiers and splits the display name', () => {
    expect(newContactInput([phone, email, login, cookie], 'Ada  King Lovelace')).toEqual({
      firstName: 'Ada',
      lastName: 'King Lovelace',
      cellPhone: { display: '+13175550123' },
      personalEmail: 'a@example.com',
      externalIds: [{ externalSource: { id: 's1' }, value: 'u1' }],
    });
  });
});

describe('retention rules', () => {
  it('renews to the hour after the interaction, so a contact moves at most once an hour', () => {
    expect(seenHour('2026-03-01T10:05:00.000Z')).toBe('2026-03-01T11:00:00.000Z');
    expect(seenHour('2026-03-01T10:00:00.000Z')).toBe('2026-03-01T10:00:00.000Z');
    expect(expiredBefore('2026-03-31T00:00:00.000Z', 30)).toBe('2026-03-01T00:00:00.000Z');
  });

  it('accepts any past time and at most five minutes ahead', () => {
    const now = Date.parse('2026-03-01T10:00:00.000Z');
    expect(occurredAtProblem('2020-01-01T00:00:00Z', now)).toBeNull();
    expect(occurredAtProblem('2026-03-01T10:04:59Z', now)).toBeNull();
    expect(occurredAtProblem('2026-03-01T10:05:01Z', now)).toMatch(/5 minutes in the future/);
    expect(occurredAtProblem('soon', now)).toMatch(/not an ISO-8601/);
  });
});
