import { describe, expect, it } from 'vitest';
import {
  CORE_TYPE_NAMES,
  checkSchemaDocument,
  checkSchemaInput,
  fieldTypeOf,
  fieldsOf,
  searchableValues,
  type SchemaDocument,
} from '../../src/schemas/custom-field-schema.js';
import { compileCustomFieldsCheck } from '../../src/schemas/custom-field-values.js';
import { contactPoints } from '../../src/contacts/contact-points.js';
import { parseSearchQuery } from '../../src/contacts/contact-search.js';
import { DEFAULT_BLOCKLIST } from '../../src/contacts/identifier.js';

function field(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { allOf: [{ $ref: `#/definitions/${type}` }], title: type, ...extra };
}

/** The SPEC §7 example. */
const LOYALTY = {
  title: 'Loyalty',
  description: 'Loyalty programme',
  properties: {
    tier_enum: {
      allOf: [{ $ref: '#/definitions/enum' }],
      title: 'Tier',
      enum: ['gold', 'silver'],
      _enumProperties: {
        gold: { title: 'Gold', _disabled: false },
        silver: { title: 'Silver', _disabled: false },
      },
    },
    memberno_identifier: {
      allOf: [{ $ref: '#/definitions/identifier' }],
      title: 'Member number',
      minLength: 1,
      maxLength: 20,
    },
  },
};

function problemFields(input: unknown, previous?: SchemaDocument): string[] {
  return checkSchemaDocument(input, previous).problems.map((p) => p.field);
}

function checked(input: unknown): SchemaDocument {
  const { document, problems } = checkSchemaDocument(input);
  expect(problems).toEqual([]);
  return document as SchemaDocument;
}

describe('fieldTypeOf', () => {
  it('reads the core type a field name ends with', () => {
    expect(fieldTypeOf('tier_enum')).toBe('enum');
    expect(fieldTypeOf('notes_longtext')).toBe('longtext');
    expect(fieldTypeOf('visited_datetime')).toBe('datetime');
    expect(fieldTypeOf('custom_attribute_10_checkbox')).toBe('checkbox');
  });

  it('knows no type for a name without a known suffix', () => {
    for (const name of ['tier', 'tier_colour', '_text', '1st_text', 'a-b_text', 'text', 'x_Text'])
      expect({ name, type: fieldTypeOf(name) }).toEqual({ name, type: undefined });
  });
});

describe('checkSchemaDocument', () => {
  it('accepts the SPEC example and normalizes the document around its fields', () => {
    expect(checked(LOYALTY)).toEqual({
      $schema: 'http://json-schema.org/draft-04/schema#',
      title: 'Loyalty',
      description: 'Loyalty programme',
      type: 'object',
      properties: LOYALTY.properties,
      additionalProperties: false,
    });
  });

  it('accepts a field of every core type at its core limits', () => {
    const properties = {
      a_text: field('text', { minLength: 0, maxLength: 100 }),
      b_longtext: field('longtext', { maxLength: 1000 }),
      c_url: field('url', { maxLength: 200 }),
      d_identifier: field('identifier', { maxLength: 100 }),
      e_enum: field('enum', { enum: Array.from({ length: 50 }, (_, i) => `${i}`.repeat(1)) }),
      f_date: field('date'),
      g_datetime: field('datetime'),
      h_integer: field('integer', { minimum: -5, maximum: 5 }),
      i_number: field('number', { minimum: -0.5, maximum: 0.5 }),
      j_checkbox: field('checkbox'),
      k_tag: field('tag', {
        minItems: 0,
        maxItems: 10,
        uniqueItems: true,
        items: { minLength: 1, maxLength: 100 },
      }),
    };
    const document = checked({ properties, required: ['a_text', 'f_date'] });
    expect(fieldsOf(document).map((f) => f.type)).toEqual([...CORE_TYPE_NAMES]);
    expect(document.required).toEqual(['a_text', 'f_date']);
  });

  it('refuses a name without its type, and a $ref that is not the type the name ends with', () => {
    expect(problemFields({ properties: { tier: field('enum', { enum: ['a'] }) } })).toEqual([
      'jsonSchema.properties.tier',
    ]);
    expect(problemFields({ properties: { tier_enum: field('text', { enum: ['a'] }) } })).toEqual([
      'jsonSchema.properties.tier_enum.allOf',
    ]);
    expect(
      problemFields({ properties: { a_text: { allOf: [{ $ref: '#/definitions/text', x: 1 }] } } }),
    ).toEqual(['jsonSchema.properties.a_text.allOf']);
    expect(problemFields({ properties: { a_text: { title: 'No ref' } } })).toEqual([
      'jsonSchema.properties.a_text.allOf',
    ]);
    expect(problemFields({ properties: { [`${'n'.repeat(96)}_text`]: field('text') } })).toEqual([
      `jsonSchema.properties.${'n'.repeat(96)}_text`,
    ]);
  });

  it('lets a field narrow its core type’s limits, never pass them', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['text', { maxLength: 101 }, 'maxLength'],
      ['text', { maxLength: 0 }, 'maxLength'],
      ['text', { minLength: -1 }, 'minLength'],
      ['longtext', { maxLength: 1001 }, 'maxLength'],
      ['url', { maxLength: 201 }, 'maxLength'],
      ['identifier', { maxLength: 101 }, 'maxLength'],
      ['identifier', { maxLength: 10.5 }, 'maxLength'],
      ['identifier', { maxLength: '20' }, 'maxLength'],
      ['integer', { minimum: 0.5 }, 'minimum'],
      ['integer', { maximum: 2 ** 60 }, 'maximum'],
      ['tag', { maxItems: 11 }, 'maxItems'],
      ['tag', { uniqueItems: false }, 'uniqueItems'],
      ['tag', { items: { maxLength: 101 } }, 'items.maxLength'],
      ['tag', { items: { minLength: 0 } }, 'items.minLength'],
      ['tag', { items: { pattern: 'x' } }, 'items.pattern'],
      ['date', { minLength: 1 }, 'minLength'],
      ['checkbox', { enum: [true] }, 'enum'],
      ['text', { pattern: '^a' }, 'pattern'],
      ['text', { title: '' }, 'title'],
      ['text', { _disabled: 'yes' }, '_disabled'],
    ];
    for (const [type, extra, keyword] of cases) {
      const name = `x_${type}`;
      expect({
        type,
        extra,
        problems: problemFields({ properties: { [name]: field(type, extra) } }),
      }).toEqual({
        type,
        extra,
        problems: [`jsonSchema.properties.${name}.${keyword}`],
      });
    }
    expect(
      problemFields({ properties: { x_text: field('text', { minLength: 9, maxLength: 3 }) } }),
    ).toEqual(['jsonSchema.properties.x_text.minLength']);
    expect(
      problemFields({ properties: { x_integer: field('integer', { minimum: 9, maximum: 3 }) } }),
    ).toEqual(['jsonSchema.properties.x_integer.minimum']);
  });

  it('takes 1 to 50 unique enum options of at most 100 characters, described by _enumProperties', () => {
    const options = (n: number) => Array.from({ length: n }, (_, i) => `option ${i}`);
    expect(problemFields({ properties: { e_enum: field('enum', { enum: options(50) }) } })).toEqual(
      [],
    );
    expect(problemFields({ properties: { e_enum: field('enum', { enum: options(51) }) } })).toEqual(
      ['jsonSchema.properties.e_enum.enum'],
    );
    expect(problemFields({ properties: { e_enum: field('enum') } })).toEqual([
      'jsonSchema.properties.e_enum.enum',
    ]);
    expect(
      problemFields({
        properties: { e_enum: field('enum', { enum: ['a', 'x'.repeat(101), 'a', ''] }) },
      }),
    ).toEqual([
      'jsonSchema.properties.e_enum.enum[1]',
      'jsonSchema.properties.e_enum.enum[2]',
      'jsonSchema.properties.e_enum.enum[3]',
    ]);
    expect(
      problemFields({
        properties: {
          e_enum: field('enum', {
            enum: ['a'],
            _enumProperties: { a: { title: 'A', colour: 'red' }, b: { title: 'B' } },
          }),
        },
      }),
    ).toEqual([
      'jsonSchema.properties.e_enum._enumProperties.a.colour',
      'jsonSchema.properties.e_enum._enumProperties.b',
    ]);
  });

  it('takes at most 25 fields', () => {
    const fields = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}_text`, field('text')]));
    expect(problemFields({ properties: fields(25) })).toEqual([]);
    expect(problemFields({ properties: fields(26) })).toEqual(['jsonSchema.properties']);
  });

  it('requires only fields of the document, once each, and none that is disabled', () => {
    const properties = { a_text: field('text'), b_text: field('text', { _disabled: true }) };
    expect(
      problemFields({ properties, required: ['a_text', 'a_text', 'c_text', 'b_text', 3] }),
    ).toEqual([
      'jsonSchema.required[1]',
      'jsonSchema.required[2]',
      'jsonSchema.required[3]',
      'jsonSchema.required[4]',
    ]);
  });

  it('refuses what a document of custom fields cannot be', () => {
    expect(problemFields(undefined)).toEqual(['jsonSchema']);
    expect(problemFields([])).toEqual(['jsonSchema']);
    expect(
      problemFields({
        type: 'array',
        additionalProperties: true,
        properties: [],
        patternProperties: {},
      }),
    ).toEqual([
      'jsonSchema.patternProperties',
      'jsonSchema.type',
      'jsonSchema.additionalProperties',
      'jsonSchema.properties',
    ]);
  });

  it('names every problem of a document at once', () => {
    expect(
      problemFields({
        properties: {
          colour: field('text'),
          a_text: field('text', { maxLength: 500 }),
          b_enum: field('enum', { enum: [] }),
        },
        required: ['z_text'],
      }),
    ).toEqual([
      'jsonSchema.properties.colour',
      'jsonSchema.properties.a_text.maxLength',
      'jsonSchema.properties.b_enum.enum',
      'jsonSchema.required[0]',
    ]);
  });
});

describe('checkSchemaDocument against the previous version', () => {
  const previous = checked(LOYALTY);

  it('lets a version add fields and disable fields and options', () => {
    const next = {
      properties: {
        tier_enum: {
          ...LOYALTY.properties.tier_enum,
          enum: ['gold', 'silver', 'bronze'],
          _disabled: true,
        },
        memberno_identifier: { ...LOYALTY.properties.memberno_identifier, maxLength: 30 },
        region_text: field('text'),
      },
    };
    expect(problemFields(next, previous)).toEqual([]);
  });

  it('refuses removing a field, retyping one, or removing an enum option', () => {
    const { memberno_identifier: _m, ...withoutMember } = LOYALTY.properties;
    const removed = checkSchemaDocument({ properties: withoutMember }, previous).problems;
    expect(removed).toEqual([
      {
        field: 'jsonSchema.properties.memberno_identifier',
        message: expect.stringContaining('cannot be removed'),
      },
    ]);
    const retyped = checkSchemaDocument(
      { properties: { ...withoutMember, memberno_text: field('text') } },
      previous,
    ).problems;
    expect(retyped).toEqual([
      {
        field: 'jsonSchema.properties.memberno_identifier',
        message: expect.stringContaining(
          "memberno_identifier cannot become memberno_text: a field's type never changes",
        ),
      },
    ]);
    const option = checkSchemaDocument(
      { properties: { ...LOYALTY.properties, tier_enum: field('enum', { enum: ['gold'] }) } },
      previous,
    ).problems;
    expect(option).toEqual([
      {
        field: 'jsonSchema.properties.tier_enum.enum',
        message: expect.stringContaining('option "silver" cannot be removed'),
      },
    ]);
  });
});

describe('checkSchemaInput', () => {
  it('takes a name of 1 to 100 characters, a boolean enabled and a document', () => {
    expect(
      checkSchemaInput({ name: ' Loyalty ', enabled: false, jsonSchema: LOYALTY }).input,
    ).toMatchObject({
      name: 'Loyalty',
      enabled: false,
    });
    expect(
      checkSchemaInput({ name: 'Loyalty', jsonSchema: LOYALTY }).input?.enabled,
    ).toBeUndefined();
    const { problems } = checkSchemaInput({ name: 'n'.repeat(101), enabled: 'yes', jsonSchema: 1 });
    expect(problems.map((p) => p.field)).toEqual(['name', 'enabled', 'jsonSchema']);
    expect(checkSchemaInput({ jsonSchema: LOYALTY }).problems.map((p) => p.field)).toEqual([
      'name',
    ]);
  });
});

describe('compileCustomFieldsCheck', () => {
  const document = checked({
    properties: {
      ...LOYALTY.properties,
      interests_tag: field('tag', { maxItems: 3 }),
      nickname_text: field('text', { maxLength: 10 }),
      homepage_url: field('url'),
      since_date: field('date'),
      seen_datetime: field('datetime'),
      visits_integer: field('integer', { minimum: 0, maximum: 100 }),
      balance_number: field('number', { maximum: 10 }),
      vip_checkbox: field('checkbox'),
    },
    required: ['tier_enum'],
  });
  const check = compileCustomFieldsCheck('Loyalty', fieldsOf(document), document.required ?? []);

  it('accepts values of every core type', () => {
    expect(
      check({
        tier_enum: 'gold',
        memberno_identifier: 'M-1',
        interests_tag: ['a', 'b'],
        nickname_text: 'Ace',
        homepage_url: 'http://example.com/x?y=1',
        since_date: '2024-02-29',
        seen_datetime: '2026-12-02T09:30:00+01:00',
        visits_integer: 100,
        balance_number: -3.25,
        vip_checkbox: false,
      }),
    ).toEqual([]);
  });

  it('names each violation with the field and the rule', () => {
    const problems = check({
      tier_enum: 'bronze',
      memberno_identifier: '',
      interests_tag: ['a', 'a', 7, 'b'],
      nickname_text: 'x'.repeat(11),
      homepage_url: 'javascript:alert(1)',
      since_date: '2026-13-01',
      seen_datetime: '2026-12-02',
      visits_integer: 101,
      balance_number: '1',
      vip_checkbox: 0,
      shoe_text: 'x',
    });
    expect(problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        'customFields.tier_enum must be one of gold, silver',
        'customFields.memberno_identifier has 0 characters; it needs at least 1',
        'customFields.interests_tag has 4 tags; the limit is 3',
        'customFields.interests_tag[2] must be a string',
        'customFields.interests_tag has the tag "a" twice; tags are unique',
        'customFields.nickname_text has 11 characters; the limit is 10',
        'customFields.homepage_url must be an http(s) URL',
        'customFields.since_date must be a date, YYYY-MM-DD',
        expect.stringMatching(/^customFields.seen_datetime must be an ISO-8601 date and time/),
        'customFields.visits_integer must be at most 100',
        'customFields.balance_number must be a number',
        'customFields.vip_checkbox must be true or false',
        'customFields.shoe_text is not a field of schema Loyalty',
      ]),
    );
    for (const problem of problems) expect(problem.message.startsWith(problem.field)).toBe(true);
  });

  it('requires the required fields, and counts null as not set', () => {
    expect(check({})).toEqual([
      {
        field: 'customFields.tier_enum',
        message: 'customFields.tier_enum is required by schema Loyalty',
      },
    ]);
    expect(check({ tier_enum: 'gold', nickname_text: null })).toEqual([]);
  });
});

describe('searchable custom fields', () => {
  it('are identifier values and every tag, by name alone', () => {
    expect(
      searchableValues({
        memberno_identifier: 'M-1',
        interests_tag: ['Golf', 'Key Account', 3],
        nickname_text: 'Ace',
        odd_identifier: 5,
      }),
    ).toEqual(['M-1', 'Golf', 'Key Account']);
    expect(searchableValues(undefined)).toEqual([]);
  });

  it('become CustomField contact points under their search keys, blocklist or not', () => {
    const points = contactPoints(
      { customFields: { memberno_identifier: 'MBR-1', interests_tag: ['Zoë', 'zoe', 'null'] } },
      DEFAULT_BLOCKLIST,
    );
    expect(points).toEqual([
      { kind: 'CustomField', value: 'mbr-1' },
      { kind: 'CustomField', value: 'zoe' },
      { kind: 'CustomField', value: 'null' },
    ]);
  });

  it('are matched by every query, as its search key', () => {
    for (const q of ['MBR-1', '"MBR-1"', 'ada@example.com', '(317) 555-0123', 'Key  Account'])
      expect(parseSearchQuery(q).points).toContainEqual({
        kind: 'CustomField',
        value: q.replace(/"/g, '').toLowerCase().replace(/\s+/g, ' '),
      });
  });
});
