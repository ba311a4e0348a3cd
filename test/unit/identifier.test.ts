import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BLOCKLIST,
  IDENTIFIER_TYPES,
  isBlockedValue,
  isIdentifierType,
  normalizeEmail,
  normalizeIdentifierValue,
  type IdentifierType,
} from '../../src/contacts/identifier.js';
import { contactPoints } from '../../src/contacts/contact-points.js';
import { parseSearchQuery } from '../../src/contacts/contact-search.js';

const email = fc.emailAddress().filter((e) => e.length <= 256);

/** An address typed carelessly: random case and surrounding spaces. */
const typedEmail = fc
  .tuple(email, fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }), fc.nat(3), fc.nat(3))
  .map(([address, upper, before, after]) => {
    const cased = [...address]
      .map((c, i) => (upper[i % upper.length] === true ? c.toUpperCase() : c))
      .join('');
    return `${' '.repeat(before)}${cased}${' '.repeat(after)}`;
  });

describe('normalizeEmail', () => {
  it('accepts any address, trimmed and lower-cased', () => {
    fc.assert(
      fc.property(typedEmail, (typed) => {
        expect(normalizeEmail(typed)).toBe(typed.trim().toLowerCase());
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(typedEmail, fc.string()), (typed) => {
        const once = normalizeEmail(typed);
        if (once !== null) expect(normalizeEmail(once)).toBe(once);
      }),
    );
  });

  it('answers only lower-case values', () => {
    fc.assert(
      fc.property(typedEmail, (typed) => {
        const once = normalizeEmail(typed);
        expect(once).not.toBeNull();
        expect(once).toBe(once?.toLowerCase());
      }),
    );
  });

  it('rejects every string without @', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }).filter((s) => !s.includes('@')),
        (s) => {
          expect(normalizeEmail(s)).toBeNull();
        },
      ),
    );
  });

  it('rejects addresses over 256 characters', () => {
    const local = 'a'.repeat(64);
    const ok = `${local}@${'b'.repeat(256 - 64 - 1 - 4)}.com`;
    expect(ok.length).toBe(256);
    expect(normalizeEmail(ok)).toBe(ok);
    expect(normalizeEmail(`a${ok}`)).toBeNull();
  });

  it('rejects malformed addresses', () => {
    for (const bad of ['ada@', '@example.com', 'ada@example', 'ada lovelace@example.com', 'a@@b.c'])
      expect(normalizeEmail(bad)).toBeNull();
  });
});

describe('normalizeIdentifierValue', () => {
  it('knows the ten identifier types', () => {
    expect(IDENTIFIER_TYPES).toHaveLength(10);
    for (const type of IDENTIFIER_TYPES) expect(isIdentifierType(type)).toBe(true);
    expect(isIdentifierType('phone')).toBe(false);
    expect(isIdentifierType('Fax')).toBe(false);
  });

  it('normalizes phones with a leading + to E.164, and refuses national numbers', () => {
    expect(normalizeIdentifierValue('Phone', '+1 (317) 555-0123')).toEqual({
      ok: true,
      value: '+13175550123',
    });
    expect(normalizeIdentifierValue('Phone', '+44 20 7946 0958')).toEqual({
      ok: true,
      value: '+442079460958',
    });
    for (const national of ['3175550123', '(317) 555-0123', '020 7946 0958', '+12']) {
      const result = normalizeIdentifierValue('Phone', national);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/E\.164/);
    }
  });

  it('is idempotent for every type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...IDENTIFIER_TYPES),
        fc.oneof(
          fc.string({ maxLength: 40 }),
          email,
          fc.constantFrom('+13175550123', '+1 317 555 0123', '13175550123', '+442079460958'),
        ),
        (type: IdentifierType, raw) => {
          const once = normalizeIdentifierValue(type, raw);
          if (!once.ok) return;
          expect(normalizeIdentifierValue(type, once.value)).toEqual(once);
        },
      ),
    );
  });

  it('lower-cases and trims emails, keeps the rest exact apart from trimming', () => {
    expect(normalizeIdentifierValue('Email', '  Ada@Example.COM ')).toEqual({
      ok: true,
      value: 'ada@example.com',
    });
    expect(normalizeIdentifierValue('Email', 'nope').ok).toBe(false);
    expect(normalizeIdentifierValue('Cookie', ' AbC ')).toEqual({ ok: true, value: 'AbC' });
    expect(normalizeIdentifierValue('SocialTwitter', 'AdaL')).toEqual({ ok: true, value: 'AdaL' });
  });

  it('reads WhatsApp numbers with or without their +', () => {
    expect(normalizeIdentifierValue('SocialWhatsapp', '13175550123')).toEqual({
      ok: true,
      value: '+13175550123',
    });
  });

  it('refuses empty values and values over 255 characters', () => {
    expect(normalizeIdentifierValue('Cookie', '   ').ok).toBe(false);
    expect(normalizeIdentifierValue('Cookie', 'c'.repeat(255)).ok).toBe(true);
    const long = normalizeIdentifierValue('Cookie', 'c'.repeat(256));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.message).toContain('255');
  });
});

describe('isBlockedValue', () => {
  it('blocks the default junk values for every type, whatever their case and spacing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...IDENTIFIER_TYPES),
        fc.constantFrom('null', 'unknown', 'anonymous', '-1', '0', ''),
        fc.boolean(),
        (type, junk, upper) => {
          const value = ` ${upper ? junk.toUpperCase() : junk} `;
          expect(isBlockedValue(type, value, DEFAULT_BLOCKLIST)).toBe(true);
        },
      ),
    );
  });

  it('does not block ordinary values', () => {
    expect(isBlockedValue('Email', 'ada@example.com', DEFAULT_BLOCKLIST)).toBe(false);
    expect(isBlockedValue('Cookie', 'c-42', DEFAULT_BLOCKLIST)).toBe(false);
    expect(isBlockedValue('Phone', '+13175550123', DEFAULT_BLOCKLIST)).toBe(false);
  });

  it("blocks what an organization's own list names", () => {
    expect(isBlockedValue('Email', 'noreply@example.com', ['noreply@example.com'])).toBe(true);
    expect(isBlockedValue('Cookie', 'null', ['something-else'])).toBe(false);
  });
});

describe('contactPoints', () => {
  it('never indexes blocked values, so nothing matches on them', () => {
    const points = contactPoints(
      {
        workPhone: { display: '000-000-0000', userInput: '000-000-0000' },
        cellPhone: { display: '+44 7777 777777', e164: '+447777777777', userInput: '07777777777' },
        workEmail: 'ada@example.com',
        appleOpaqueIds: [{ value: 'null' }, { value: 'apple-1' }],
      },
      DEFAULT_BLOCKLIST,
    );
    expect(points).toEqual(
      expect.arrayContaining([
        { kind: 'Email', value: 'ada@example.com' },
        { kind: 'AppleOpaqueId', value: 'apple-1' },
      ]),
    );
    expect(points.map((p) => p.value)).not.toContain('0000000000');
    expect(points.map((p) => p.value)).not.toContain('+447777777777');
    expect(points.map((p) => p.value)).not.toContain('null');
  });

  it('indexes a non-E.164 number by its digits', () => {
    expect(
      contactPoints(
        { otherPhone: { display: '555-0123', userInput: '555-0123' } },
        DEFAULT_BLOCKLIST,
      ),
    ).toEqual([{ kind: 'PhoneDigits', value: '5550123' }]);
  });
});

describe('parseSearchQuery', () => {
  it('normalizes a phone-like query to E.164 and keeps its digits', () => {
    expect(parseSearchQuery('(317) 555-0123').points).toEqual(
      expect.arrayContaining([
        { kind: 'Phone', value: '+13175550123' },
        { kind: 'PhoneDigits', value: '3175550123' },
      ]),
    );
  });

  it('matches a quoted query as typed: its digits, never converted to E.164', () => {
    const terms = parseSearchQuery('"3175550123"');
    expect(terms.points).toEqual([
      { kind: 'PhoneDigits', value: '3175550123' },
      { kind: 'CustomField', value: '3175550123' },
    ]);
  });

  it('reads an email query as an exact, lower-cased email', () => {
    expect(parseSearchQuery(' Ada@Example.com ')).toEqual({
      points: [
        { kind: 'Email', value: 'ada@example.com' },
        { kind: 'CustomField', value: 'ada@example.com' },
      ],
    });
  });

  it('reads a word as a lower-cased, accent-free name prefix', () => {
    expect(parseSearchQuery('Zoë').namePrefix).toBe('zoe');
    expect(parseSearchQuery('ADA  Lovelace').namePrefix).toBe('ada lovelace');
  });

  it('never throws on arbitrary queries', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (q) => {
        const terms = parseSearchQuery(q);
        expect(Array.isArray(terms.points)).toBe(true);
      }),
    );
  });
});
