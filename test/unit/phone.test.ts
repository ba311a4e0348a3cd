import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isPhoneProblem,
  looksLikePhone,
  normalizePhoneNumber,
  parsePhone,
  phoneDigits,
  toE164,
  type PhoneNumber,
} from '../../src/contacts/phone.js';
import { DEFAULT_BLOCKLIST, isBlockedValue } from '../../src/contacts/identifier.js';

// Area codes that libphonenumber's full metadata knows; any exchange 200-999 is valid in each.
const AREA_CODES = ['201', '206', '212', '305', '312', '317', '415', '617', '713', '919'];

interface UsNumber {
  area: string;
  exchange: string;
  line: string;
}

const usNumber: fc.Arbitrary<UsNumber> = fc.record({
  area: fc.constantFrom(...AREA_CODES),
  exchange: fc.integer({ min: 200, max: 999 }).map(String),
  line: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
});

/** The ways people type a US number. */
const US_FORMATS: readonly ((n: UsNumber) => string)[] = [
  (n) => `${n.area}${n.exchange}${n.line}`,
  (n) => `${n.area}-${n.exchange}-${n.line}`,
  (n) => `(${n.area}) ${n.exchange}-${n.line}`,
  (n) => `${n.area}.${n.exchange}.${n.line}`,
  (n) => `${n.area} ${n.exchange} ${n.line}`,
  (n) => `1 ${n.area} ${n.exchange} ${n.line}`,
  (n) => `1-${n.area}-${n.exchange}-${n.line}`,
  (n) => `+1 ${n.area} ${n.exchange} ${n.line}`,
  (n) => `+1 (${n.area}) ${n.exchange}-${n.line}`,
  (n) => `  ${n.area}-${n.exchange}-${n.line}  `,
];

const typedUsNumber = fc.tuple(usNumber, fc.constantFrom(...US_FORMATS)).map(([n, format]) => ({
  number: n,
  typed: format(n),
  e164: `+1${n.area}${n.exchange}${n.line}`,
}));

const E164 = /^\+[1-9]\d{6,14}$/;

describe('toE164', () => {
  it('turns a valid US national number in any usual format into +1 and the same digits', () => {
    fc.assert(
      fc.property(typedUsNumber, ({ typed, e164 }) => {
        expect(toE164(typed)).toBe(e164);
        expect(toE164(typed, 'US')).toBe(e164);
      }),
    );
  });

  it('is idempotent: the E.164 form normalizes to itself, whatever the default country', () => {
    fc.assert(
      fc.property(typedUsNumber, fc.constantFrom('US', 'GB', 'FR', 'DE', 'JP'), (n, country) => {
        const e164 = toE164(n.typed);
        expect(e164).not.toBeNull();
        expect(toE164(e164 as string, country)).toBe(e164);
      }),
    );
  });

  it('never throws, and answers null or an E.164 string, for any input and country', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ maxLength: 3 }),
        (s, c) => {
          const result = toE164(s, c);
          if (result !== null) expect(result).toMatch(E164);
        },
      ),
    );
  });

  it('reads a national number in the given country', () => {
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(toE164('01 42 68 53 00', 'FR')).toBe('+33142685300');
  });

  it('answers null for short codes and vanity numbers', () => {
    for (const typed of ['911', '555-0123', '1-800-FLOWERS', 'call me', '', '   '])
      expect(toE164(typed)).toBeNull();
  });
});

describe('parsePhone', () => {
  it('fills e164, the country and an international display for a valid US number', () => {
    fc.assert(
      fc.property(typedUsNumber, ({ typed, e164, number }) => {
        const parsed = parsePhone(typed);
        expect(parsed).toMatchObject({ e164, countryCode: 'US' });
        expect(parsed?.international).toBe(`+1 ${number.area} ${number.exchange} ${number.line}`);
        // The display parses back to the same number.
        expect(parsePhone(parsed?.international ?? '')?.e164).toBe(e164);
      }),
    );
  });

  it('parses the GB example with GB as the country', () => {
    expect(parsePhone('020 7946 0958', 'GB')).toEqual({
      e164: '+442079460958',
      countryCode: 'GB',
      international: '+44 20 7946 0958',
    });
    // Without the country, the same digits are no US number.
    expect(parsePhone('020 7946 0958')).toBeNull();
  });

  it('keeps an extension apart from the number', () => {
    expect(parsePhone('+1 317 555 0123 ext 12')).toMatchObject({
      e164: '+13175550123',
      extension: 12,
    });
  });

  it('falls back to US for an unknown country', () => {
    expect(parsePhone('317-555-0123', 'XX')?.e164).toBe('+13175550123');
  });

  it('never throws on arbitrary strings and countries', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.string({ maxLength: 4 }),
        (s, c) => {
          const parsed = parsePhone(s, c);
          if (parsed !== null) expect(parsed.e164).toMatch(E164);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('answers null for anything with letters (vanity or free-form entries)', () => {
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^[0-9 ()-]{0,8}[A-Za-z][0-9A-Za-z ()-]{0,8}$/)
          .filter((s) => !/(?:ext\.?|x|#)\s*\d+\s*$/i.test(s)),
        (s) => {
          expect(parsePhone(s)).toBeNull();
        },
      ),
    );
  });
});

describe('normalizePhoneNumber', () => {
  it('stores a valid number with e164, countryCode, an international display and what was typed', () => {
    expect(normalizePhoneNumber({ display: '(317) 555-0123' }, 'workPhone')).toEqual({
      display: '+1 317 555 0123',
      userInput: '(317) 555-0123',
      e164: '+13175550123',
      countryCode: 'US',
    });
    expect(
      normalizePhoneNumber(
        { display: '020 7946 0958', normalizationCountryCode: 'GB' },
        'homePhone',
      ),
    ).toEqual({
      display: '+44 20 7946 0958',
      userInput: '020 7946 0958',
      normalizationCountryCode: 'GB',
      e164: '+442079460958',
      countryCode: 'GB',
    });
  });

  it('keeps a non-E.164 number as typed with no e164 ("No country code")', () => {
    for (const typed of ['1-800-FLOWERS', '555-0123', 'ext 42 front desk', 'A1B2C3']) {
      const stored = normalizePhoneNumber({ display: typed }, 'otherPhone') as PhoneNumber;
      expect(isPhoneProblem(stored)).toBe(false);
      expect(stored.display).toBe(typed);
      expect(stored.userInput).toBe(typed);
      expect(stored.e164).toBeUndefined();
      expect(stored.countryCode).toBeUndefined();
    }
  });

  it('refuses acceptsSMS on a non-E.164 number, saying SMS needs E.164', () => {
    const problem = normalizePhoneNumber({ display: '555-0123', acceptsSMS: true }, 'cellPhone');
    expect(isPhoneProblem(problem)).toBe(true);
    expect(problem).toMatchObject({ field: 'cellPhone.acceptsSMS' });
    expect((problem as { message: string }).message).toMatch(/SMS/);
    expect((problem as { message: string }).message).toMatch(/E\.164/);
    expect(normalizePhoneNumber({ display: '555-0123', acceptsSMS: false }, 'cellPhone')).toEqual({
      display: '555-0123',
      userInput: '555-0123',
      acceptsSMS: false,
    });
    expect(
      normalizePhoneNumber({ display: '+1 317 555 0123', acceptsSMS: true }, 'cellPhone'),
    ).toMatchObject({ e164: '+13175550123', acceptsSMS: true });
  });

  it('refuses an unknown normalizationCountryCode, naming the field', () => {
    expect(
      normalizePhoneNumber(
        { display: '020 7946 0958', normalizationCountryCode: 'ZZ' },
        'workPhone',
      ),
    ).toMatchObject({ field: 'workPhone.normalizationCountryCode' });
  });

  it('is idempotent on valid numbers: normalizing the stored number again changes nothing', () => {
    fc.assert(
      fc.property(typedUsNumber, fc.boolean(), ({ typed }, sms) => {
        const once = normalizePhoneNumber({ display: typed, acceptsSMS: sms }, 'workPhone');
        expect(isPhoneProblem(once)).toBe(false);
        expect(normalizePhoneNumber(once as PhoneNumber, 'workPhone')).toEqual(once);
      }),
    );
  });

  it('is idempotent on anything it accepts (a GET-modify-PUT round trip changes nothing)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 30 }),
          fc.stringMatching(/^\+?[0-9 ()x.#-]{3,24}$/),
          typedUsNumber.map((n) => `${n.typed} x${n.number.line}`),
        ),
        fc.constantFrom(undefined, 'US', 'GB', 'fr'),
        (typed, country) => {
          const input: PhoneNumber = { display: typed };
          if (country !== undefined) input.normalizationCountryCode = country;
          const once = normalizePhoneNumber(input, 'workPhone');
          if (isPhoneProblem(once)) return;
          expect(normalizePhoneNumber(once, 'workPhone')).toEqual(once);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('phoneDigits and looksLikePhone', () => {
  it('keeps only the digits, in order', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const digits = phoneDigits(s);
        expect(digits).toMatch(/^\d*$/);
        expect(digits).toBe([...s].filter((c) => c >= '0' && c <= '9').join(''));
      }),
    );
  });

  it('takes every typed US number for a phone-like search term', () => {
    fc.assert(
      fc.property(typedUsNumber, ({ typed }) => {
        expect(looksLikePhone(typed.trim())).toBe(true);
      }),
    );
  });

  it('does not take words or too-short digit runs for phones', () => {
    for (const term of ['ada', 'ada@example.com', '12', 'O2 arena', '3rd']) {
      expect(looksLikePhone(term)).toBe(false);
    }
  });
});

describe('isBlockedValue for phones', () => {
  it('blocks every all-same-digit US number', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), (d) => {
        expect(isBlockedValue('Phone', `+1${String(d).repeat(10)}`, DEFAULT_BLOCKLIST)).toBe(true);
        expect(isBlockedValue('PhoneDigits', String(d).repeat(10), DEFAULT_BLOCKLIST)).toBe(true);
      }),
    );
  });

  it('blocks all-same-digit numbers whose national part has 10 or more digits in any country', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('1', '44', '49', '91', '86'),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 10, max: 12 }),
        (cc, d, length) => {
          expect(
            isBlockedValue('Phone', `+${cc}${String(d).repeat(length)}`, DEFAULT_BLOCKLIST),
          ).toBe(true);
        },
      ),
    );
  });

  it('blocks all-same-digit numbers with shorter national parts (+33 666666666)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('33', '354', '46', '31'),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 7, max: 9 }),
        (cc, d, length) => {
          expect(
            isBlockedValue('Phone', `+${cc}${String(d).repeat(length)}`, DEFAULT_BLOCKLIST),
          ).toBe(true);
        },
      ),
    );
  });

  it('never blocks a valid US number whose national digits differ', () => {
    fc.assert(
      fc.property(typedUsNumber, ({ e164 }) => {
        fc.pre(!/^(\d)\1*$/.test(e164.slice(2)));
        expect(isBlockedValue('Phone', e164, DEFAULT_BLOCKLIST)).toBe(false);
      }),
    );
  });
});
