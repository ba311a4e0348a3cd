import type { ContactInput } from '../src/contacts/contact-validation.js';
import { searchKey } from '../src/contacts/contact.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';

/*
 * The deterministic data set of the search benchmark. Contact `i` of seed `s` is always the
 * same: each contact draws from its own PRNG seeded by (s, i), so any contact can be generated
 * again on its own (the query sets pick their phones and emails that way) and batches may be
 * generated in any order.
 */

/** Bumped whenever the generator changes, so a cached data set made by an older one is rebuilt. */
export const GENERATOR_VERSION = 1;

/** Divisions the contacts are spread over, besides unassigned. */
export const DIVISION_NAMES = ['Sales', 'Support', 'Collections'] as const;

/** A fast, well-mixed 32-bit PRNG (mulberry32). Never Math.random: runs must be repeatable. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }

  digits(count: number): string {
    let s = '';
    for (let k = 0; k < count; k += 1) s += String(this.int(10));
    return s;
  }
}

/** Mixes a seed and an index into a PRNG seed (the murmur3 finalizer). */
function mix(seed: number, index: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Picks list entries with a Zipf-like skew: weight 1/(rank + offset), most common first. */
class SkewedList {
  private readonly cumulative: Float64Array;

  constructor(
    readonly items: readonly string[],
    offset: number,
  ) {
    this.cumulative = new Float64Array(items.length);
    let total = 0;
    items.forEach((_, k) => {
      total += 1 / (k + offset);
      this.cumulative[k] = total;
    });
    for (let k = 0; k < items.length; k += 1)
      this.cumulative[k] = (this.cumulative[k] ?? 0) / total;
  }

  pick(random: Random): string {
    const r = random.next();
    let lo = 0;
    let hi = this.items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 1) < r) lo = mid + 1;
      else hi = mid;
    }
    return this.items[lo] as string;
  }
}

// The most common last name ends up near 1.4% of contacts, the most common first name near 3%:
// about what a US contact book looks like (Smith is 0.8% of the US population, James 1.7%).
const FIRST = new SkewedList(FIRST_NAMES, 10);
const LAST = new SkewedList(LAST_NAMES, 30);

const US_AREA_CODES = [
  '201',
  '202',
  '203',
  '205',
  '206',
  '212',
  '213',
  '214',
  '215',
  '216',
  '217',
  '312',
  '313',
  '314',
  '315',
  '317',
  '404',
  '405',
  '407',
  '408',
  '410',
  '412',
  '415',
  '503',
  '504',
  '512',
  '513',
  '602',
  '612',
  '614',
  '615',
  '617',
  '619',
  '646',
  '702',
  '704',
  '713',
  '718',
  '720',
  '773',
  '786',
  '801',
  '813',
  '816',
  '818',
  '832',
  '858',
  '904',
  '916',
  '917',
  '919',
  '949',
  '954',
  '972',
];

/** A US number in one of the ways people type them; `ext` sometimes appended. */
function usPhone(random: Random): string {
  const area = random.pick(US_AREA_CODES);
  // Exchanges 200-999 without N11 codes; the subscriber part anything.
  let exchange = random.between(200, 999);
  if (exchange % 100 === 11) exchange += 1;
  const line = random.digits(4);
  const ex = String(exchange);
  const formats = [
    `(${area}) ${ex}-${line}`,
    `${area}-${ex}-${line}`,
    `${area}.${ex}.${line}`,
    `${area}${ex}${line}`,
    `+1 ${area} ${ex} ${line}`,
    `+1${area}${ex}${line}`,
    `+1 (${area}) ${ex}-${line}`,
    `1-${area}-${ex}-${line}`,
  ];
  const typed = formats[random.int(formats.length)] as string;
  return random.chance(0.03) ? `${typed} x${random.between(10, 9999)}` : typed;
}

/** A number of another country, typed internationally (a few nationally, and so kept as typed). */
function foreignPhone(random: Random): string {
  switch (random.int(6)) {
    case 0:
      return `+44 7${random.between(400, 999)} ${random.digits(6)}`;
    case 1:
      return `+33 6 ${random.between(10, 59)} ${random.digits(2)} ${random.digits(2)} ${random.digits(2)}`;
    case 2:
      return `+49 15${random.between(1, 9)} ${random.digits(8)}`;
    case 3:
      return `+52 55 ${random.digits(4)} ${random.digits(4)}`;
    case 4:
      return `+91 9${random.digits(4)} ${random.digits(5)}`;
    default:
      // Typed without a country code: stored as typed, found by its digits only.
      return `0${random.between(20, 99)} ${random.digits(4)} ${random.digits(4)}`;
  }
}

function phone(random: Random): string {
  return random.chance(0.85) ? usPhone(random) : foreignPhone(random);
}

const COMPANY_DOMAINS = [
  'acme.com',
  'globex.com',
  'initech.com',
  'umbrella-corp.com',
  'hooli.com',
  'stark.io',
  'wayne-enterprises.com',
  'tyrell.co',
  'cyberdyne.net',
  'soylent.org',
  'wonka.co.uk',
  'example.org',
  'contoso.com',
  'fabrikam.com',
  'northwind.net',
  'adventure-works.com',
];
const PERSONAL_DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'outlook.com',
  'hotmail.com',
  'icloud.com',
  'aol.com',
  'proton.me',
  'gmx.de',
  'orange.fr',
  'web.de',
  'yahoo.co.uk',
  'live.com',
];

const TITLES = [
  'Account Manager',
  'Buyer',
  'CEO',
  'CFO',
  'Office Manager',
  'Procurement Lead',
  'Owner',
  'Director of Operations',
  'IT Manager',
  'Nurse',
  'Teacher',
  'Engineer',
  'Consultant',
];
const CITIES: readonly (readonly [string, string, string])[] = [
  ['Indianapolis', 'IN', '462'],
  ['Chicago', 'IL', '606'],
  ['New York', 'NY', '100'],
  ['Austin', 'TX', '787'],
  ['Seattle', 'WA', '981'],
  ['Miami', 'FL', '331'],
  ['Denver', 'CO', '802'],
  ['Boston', 'MA', '021'],
  ['Phoenix', 'AZ', '850'],
  ['Atlanta', 'GA', '303'],
];

/** The letters of a name that an email address keeps: "Núñez" → "nunez", "O'Brien" → "obrien". */
function emailPart(name: string): string {
  return (searchKey(name) ?? 'x').replace(/[^a-z]/g, '');
}

/** A time-ordered UUID (version 7) from the PRNG: ids grow with creation time, as newId's do. */
function generatedId(ms: number, random: Random): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const msHex = hex(ms, 12);
  const r = (): number => random.int(0x10000);
  return (
    `${msHex.slice(0, 8)}-${msHex.slice(8, 12)}-7${hex(r() & 0xfff, 3)}-` +
    `${hex(0x8000 | (r() & 0x3fff), 4)}-${hex(r(), 4)}${hex(r(), 4)}${hex(r(), 4)}`
  );
}

/** 2024-01-01T00:00:00Z: contacts were created one a minute from then on. */
const FIRST_CREATED_MS = Date.UTC(2024, 0, 1);

/** One generated contact: what a client would have POSTed, and where it lives. */
export interface GeneratedContact {
  readonly index: number;
  readonly id: string;
  /** 0 for unassigned, else 1 + an index into DIVISION_NAMES. */
  readonly divisionSlot: number;
  readonly createdAt: string;
  readonly input: ContactInput;
}

function divisionSlot(random: Random): number {
  // 30% unassigned; the rest 50/30/20 over the three divisions.
  const r = random.next();
  if (r < 0.3) return 0;
  if (r < 0.65) return 1;
  if (r < 0.86) return 2;
  return 3;
}

/** Contact `index` of the data set of `seed`. */
export function generateContact(seed: number, index: number): GeneratedContact {
  const random = new Random(mix(seed, index));
  const ms = FIRST_CREATED_MS + index * 60_000 + random.int(60_000);
  const id = generatedId(ms, random);
  const slot = divisionSlot(random);
  const firstName = FIRST.pick(random);
  const lastName = LAST.pick(random);
  const input: ContactInput = {};
  // A few contacts are known by one name only.
  const r = random.next();
  if (r >= 0.02) input.firstName = firstName;
  if (r < 0.02 || r >= 0.04) input.lastName = lastName;
  if (random.chance(0.1)) input.middleName = FIRST.pick(random);
  if (random.chance(0.3)) input.title = random.pick(TITLES);
  if (random.chance(0.85)) input.cellPhone = { display: phone(random) };
  if (random.chance(0.4)) input.workPhone = { display: phone(random) };
  if (random.chance(0.15)) input.homePhone = { display: phone(random) };
  const f = emailPart(firstName);
  const l = emailPart(lastName);
  if (random.chance(0.5))
    input.workEmail = `${f}.${l}${random.between(1, 999)}@${random.pick(COMPANY_DOMAINS)}`;
  if (random.chance(0.6)) {
    const local = random.chance(0.5) ? `${f}${l}` : `${f.slice(0, 1)}${l}`;
    input.personalEmail = `${local}${random.between(1, 99999)}@${random.pick(PERSONAL_DOMAINS)}`;
  }
  if (random.chance(0.05))
    input.twitterId = { screenName: `${f.slice(0, 8)}_${l.slice(0, 8)}${random.between(1, 999)}` };
  if (random.chance(0.5)) {
    const [city, state, zip] = random.pick(CITIES);
    input.address = {
      address1: `${random.between(1, 9999)} ${random.pick(LAST_NAMES)} St`,
      city,
      state,
      postalCode: `${zip}${random.digits(2)}`,
      countryCode: 'US',
    };
  }
  return { index, id, divisionSlot: slot, createdAt: new Date(ms).toISOString(), input };
}

/** The three kinds of search the benchmark measures. */
export type QueryKind = 'name' | 'phone' | 'email';
export const QUERY_KINDS: readonly QueryKind[] = ['name', 'phone', 'email'];

/** US numbers typed as E.164 or as "(317) 555-0123", whichever way they were stored. */
function retypedPhone(typed: string, random: Random): string {
  const digits = typed.replace(/\s*x\d+$/, '').replace(/\D/g, '');
  const national = digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
  const us = national.length === 10 && !typed.startsWith('+') ? true : typed.startsWith('+1');
  if (!us) return random.chance(0.5) ? `+${digits}` : typed;
  const [a, e, s] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
  switch (random.int(3)) {
    case 0:
      return `(${a}) ${e}-${s}`;
    case 1:
      return `+1${national}`;
    default:
      return typed;
  }
}

/**
 * `count` search terms of one kind, as agents type them: names (a 3-5 letter prefix, a last
 * name, or "first last", popular names as often as they occur), phones and emails of random
 * contacts (retyped in another format), and 5% that match nothing.
 */
export function generateQueries(
  seed: number,
  rows: number,
  kind: QueryKind,
  count: number,
): string[] {
  const random = new Random(mix(seed ^ 0x5bd1e995, QUERY_KINDS.indexOf(kind)));
  const queries: string[] = [];
  while (queries.length < count) {
    const miss = random.chance(0.05);
    if (kind === 'name') {
      const r = random.next();
      if (miss) queries.push(random.pick(['qzx', 'xylophone', 'zzyzx vandelay', 'quux']));
      else if (r < 0.4) {
        const name = searchKey(random.chance(0.5) ? FIRST.pick(random) : LAST.pick(random)) ?? '';
        queries.push(name.slice(0, random.between(3, 5)));
      } else if (r < 0.7) queries.push(LAST.pick(random).toLowerCase());
      else queries.push(`${FIRST.pick(random)} ${LAST.pick(random)}`.toLowerCase());
      continue;
    }
    if (miss) {
      queries.push(
        kind === 'phone'
          ? `(${random.pick(US_AREA_CODES)}) 555-0${random.digits(3)}`
          : `nobody${random.digits(6)}@nowhere.example`,
      );
      continue;
    }
    const contact = generateContact(seed, random.int(rows));
    const input = contact.input as {
      cellPhone?: { display: string };
      workPhone?: { display: string };
      workEmail?: string;
      personalEmail?: string;
    };
    if (kind === 'phone') {
      const typed = input.cellPhone?.display ?? input.workPhone?.display;
      if (typed !== undefined) queries.push(retypedPhone(typed, random));
    } else {
      const email = input.personalEmail ?? input.workEmail;
      if (email !== undefined) queries.push(random.chance(0.2) ? email.toUpperCase() : email);
    }
  }
  return queries;
}
