/*
 * Custom-field schemas (SPEC §7): the core types, the rules a schema document follows, and the
 * JSON Schema its values are validated with. Pure: nothing here reads a database or knows HTTP.
 */

/** The records a schema applies to. */
export type SchemaEntity = 'contact' | 'organization';

export const CORE_TYPE_NAMES = [
  'text',
  'longtext',
  'url',
  'identifier',
  'enum',
  'date',
  'datetime',
  'integer',
  'number',
  'checkbox',
  'tag',
] as const;

export type CoreTypeName = (typeof CORE_TYPE_NAMES)[number];

/** A `{min, max}` range a field's own limit must fall in. */
export interface LimitRange {
  readonly min: number;
  readonly max: number;
}

/** A core type: what its values are and how far a field of it may narrow them. */
export interface CoreType {
  readonly name: CoreTypeName;
  readonly title: string;
  readonly description: string;
  /** The JSON type of a value. */
  readonly jsonType: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  /** The keywords a field of this type may set, each within its range. */
  readonly limits: Readonly<Record<string, LimitRange>>;
  /** Tags: the keywords of each item, each within its range. */
  readonly itemLimits?: Readonly<Record<string, LimitRange>>;
  /** Found by `GET /contacts?q=`, exactly but case-insensitively. */
  readonly searchable: boolean;
}

/** The largest whole number a JSON number holds exactly. */
const MAX_WHOLE = Number.MAX_SAFE_INTEGER;

function lengths(max: number): Record<string, LimitRange> {
  return { minLength: { min: 0, max }, maxLength: { min: 1, max } };
}

export const CORE_TYPES: Readonly<Record<CoreTypeName, CoreType>> = {
  text: {
    name: 'text',
    title: 'Text',
    description: 'A line of text of at most 100 characters',
    jsonType: 'string',
    limits: lengths(100),
    searchable: false,
  },
  longtext: {
    name: 'longtext',
    title: 'Text area',
    description: 'Text of at most 1000 characters',
    jsonType: 'string',
    limits: lengths(1000),
    searchable: false,
  },
  url: {
    name: 'url',
    title: 'URL',
    description: 'An http or https URL of at most 200 characters',
    jsonType: 'string',
    limits: lengths(200),
    searchable: false,
  },
  identifier: {
    name: 'identifier',
    title: 'Identifier',
    description:
      'A value of at most 100 characters that identifies the record; searchable, case-insensitively',
    jsonType: 'string',
    limits: lengths(100),
    searchable: true,
  },
  enum: {
    name: 'enum',
    title: 'Dropdown',
    description: 'One of at most 50 options of at most 100 characters each',
    jsonType: 'string',
    limits: {},
    searchable: false,
  },
  date: {
    name: 'date',
    title: 'Date',
    description: 'A calendar date, YYYY-MM-DD',
    jsonType: 'string',
    limits: {},
    searchable: false,
  },
  datetime: {
    name: 'datetime',
    title: 'Date time',
    description: 'An ISO-8601 date and time with its offset, e.g. 2026-12-02T09:30:00Z',
    jsonType: 'string',
    limits: {},
    searchable: false,
  },
  integer: {
    name: 'integer',
    title: 'Integer',
    description: 'A whole number',
    jsonType: 'integer',
    limits: {
      minimum: { min: -MAX_WHOLE, max: MAX_WHOLE },
      maximum: { min: -MAX_WHOLE, max: MAX_WHOLE },
    },
    searchable: false,
  },
  number: {
    name: 'number',
    title: 'Number',
    description: 'A decimal number',
    jsonType: 'number',
    limits: {
      minimum: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
      maximum: { min: -Number.MAX_VALUE, max: Number.MAX_VALUE },
    },
    searchable: false,
  },
  checkbox: {
    name: 'checkbox',
    title: 'Checkbox',
    description: 'true or false',
    jsonType: 'boolean',
    limits: {},
    searchable: false,
  },
  tag: {
    name: 'tag',
    title: 'Tag',
    description: 'At most 10 unique tags of at most 100 characters each; searchable',
    jsonType: 'array',
    limits: { minItems: { min: 0, max: 10 }, maxItems: { min: 1, max: 10 } },
    itemLimits: { minLength: { min: 1, max: 100 }, maxLength: { min: 1, max: 100 } },
    searchable: true,
  },
};

/** Enum options: how many, and how long each. */
export const ENUM_LIMITS = { options: 50, optionLength: 100 } as const;

/**
 * How many schemas and fields there may be, and how long names, titles and descriptions are
 * (the Genesys `SchemaQuantityLimits`). 20 schemas counts contact and organization schemas
 * together, as the Genesys UI says ("up to a total of 20 contact and organization types").
 */
export const SCHEMA_LIMITS = {
  schemasPerOrg: 20,
  fieldsPerSchema: 25,
  fieldsPerOrg: 20 * 25,
  fieldName: { min: 1, max: 100 },
  fieldTitle: { min: 1, max: 100 },
  fieldDescription: { min: 0, max: 500 },
  schemaName: { min: 1, max: 100 },
  schemaDescription: { min: 0, max: 500 },
} as const;

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-04/schema#';

/** A schema's JSON Schema document, as stored once checked (Genesys `JsonSchemaDocument`). */
export interface SchemaDocument {
  $schema: string;
  title?: string;
  description?: string;
  type: 'object';
  required?: string[];
  /** The fields, by name, in the order they were written. */
  properties: Record<string, Record<string, unknown>>;
  additionalProperties: false;
}

/** A field of a checked document, with the limits its values must meet. */
export interface CustomField {
  readonly name: string;
  readonly type: CoreTypeName;
  readonly title: string;
  /** Hidden from pickers; values already stored stay valid. */
  readonly disabled: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly itemMinLength?: number;
  readonly itemMaxLength?: number;
  /** Enum: the options, in order. */
  readonly options?: readonly string[];
}

/** One broken rule, with the path of the value that breaks it. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*_([a-z]+)$/;

/** The core type a field name ends with (`tier_enum` → enum), or undefined. */
export function fieldTypeOf(name: string): CoreTypeName | undefined {
  const suffix = FIELD_NAME.exec(name)?.[1];
  return suffix !== undefined && (CORE_TYPE_NAMES as readonly string[]).includes(suffix)
    ? (suffix as CoreTypeName)
    : undefined;
}

/** The name without its type (`tier_enum` → tier): a field keeps its type across versions. */
function baseName(name: string): string {
  return name.slice(0, name.lastIndexOf('_'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const COMMON_KEYS = ['allOf', 'title', 'description', '_disabled'];
const KEYS: Record<CoreTypeName, readonly string[]> = {
  text: ['minLength', 'maxLength'],
  longtext: ['minLength', 'maxLength'],
  url: ['minLength', 'maxLength'],
  identifier: ['minLength', 'maxLength'],
  enum: ['enum', '_enumProperties'],
  date: [],
  datetime: [],
  integer: ['minimum', 'maximum'],
  number: ['minimum', 'maximum'],
  checkbox: [],
  tag: ['minItems', 'maxItems', 'uniqueItems', 'items'],
};
const DOCUMENT_KEYS = [
  '$schema',
  'id',
  'title',
  'description',
  'type',
  'required',
  'properties',
  'additionalProperties',
  'definitions',
];

function checkText(
  value: unknown,
  at: string,
  range: { min: number; max: number },
  problems: FieldProblem[],
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.push({ field: at, message: `${at} must be a string` });
    return undefined;
  }
  if (value.trim().length < range.min || value.length > range.max) {
    problems.push({
      field: at,
      message: `${at} has ${value.length} characters; it takes ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  return value;
}

/** A numeric keyword within its range (whole when `whole`), or a problem. */
function checkLimit(
  value: unknown,
  at: string,
  range: LimitRange,
  whole: boolean,
  typeName: string,
  problems: FieldProblem[],
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    problems.push({ field: at, message: `${at} must be a ${whole ? 'whole ' : ''}number` });
    return undefined;
  }
  if (value < range.min || value > range.max) {
    problems.push({
      field: at,
      message: `${at} is ${value}; a ${typeName} field takes ${range.min} to ${range.max}`,
    });
    return undefined;
  }
  return value;
}

function checkOrder(
  low: number | undefined,
  high: number | undefined,
  at: string,
  lowName: string,
  highName: string,
  problems: FieldProblem[],
): void {
  if (low !== undefined && high !== undefined && low > high)
    problems.push({
      field: `${at}.${lowName}`,
      message: `${at}.${lowName} (${low}) is more than ${highName} (${high})`,
    });
}

function checkEnum(
  property: Record<string, unknown>,
  at: string,
  problems: FieldProblem[],
): string[] | undefined {
  const options = property.enum;
  if (!Array.isArray(options) || options.length === 0) {
    problems.push({ field: `${at}.enum`, message: `${at}.enum must list the options` });
    return undefined;
  }
  if (options.length > ENUM_LIMITS.options)
    problems.push({
      field: `${at}.enum`,
      message: `${at}.enum has ${options.length} options; the limit is ${ENUM_LIMITS.options}`,
    });
  const seen = new Set<string>();
  options.forEach((option, i) => {
    const where = `${at}.enum[${i}]`;
    if (typeof option !== 'string' || option.trim() === '') {
      problems.push({ field: where, message: `${where} must be a non-empty string` });
    } else if (option.length > ENUM_LIMITS.optionLength) {
      problems.push({
        field: where,
        message: `${where} has ${option.length} characters; the limit is ${ENUM_LIMITS.optionLength}`,
      });
    } else if (seen.has(option)) {
      problems.push({ field: where, message: `${where} "${option}" is listed twice` });
    }
    if (typeof option === 'string') seen.add(option);
  });
  const details = property._enumProperties;
  if (details !== undefined) {
    if (!isObject(details)) {
      problems.push({
        field: `${at}._enumProperties`,
        message: `${at}._enumProperties must be an object keyed by option`,
      });
    } else {
      for (const [option, detail] of Object.entries(details)) {
        const where = `${at}._enumProperties.${option}`;
        if (!seen.has(option)) {
          problems.push({
            field: where,
            message: `${where} describes an option enum does not list`,
          });
          continue;
        }
        if (!isObject(detail)) {
          problems.push({ field: where, message: `${where} must be {title, _disabled}` });
          continue;
        }
        for (const key of Object.keys(detail)) {
          if (key !== 'title' && key !== '_disabled')
            problems.push({
              field: `${where}.${key}`,
              message: `${where}.${key} is not an option property (title, _disabled)`,
            });
        }
        checkText(detail.title, `${where}.title`, SCHEMA_LIMITS.fieldTitle, problems);
        if (detail._disabled !== undefined && typeof detail._disabled !== 'boolean')
          problems.push({
            field: `${where}._disabled`,
            message: `${where}._disabled must be true or false`,
          });
      }
    }
  }
  return [...seen];
}

/** Checks one field's definition; returns the field when it is sound. */
function checkField(
  name: string,
  property: unknown,
  problems: FieldProblem[],
): CustomField | undefined {
  const at = `jsonSchema.properties.${name}`;
  const type = fieldTypeOf(name);
  if (type === undefined) {
    problems.push({
      field: at,
      message: `${at}: a field name is letters, digits and _, starting with a letter, and ends with _ and its core type (${CORE_TYPE_NAMES.join(', ')}), e.g. tier_enum`,
    });
    return undefined;
  }
  if (name.length > SCHEMA_LIMITS.fieldName.max)
    problems.push({
      field: at,
      message: `${at}: a field name has at most ${SCHEMA_LIMITS.fieldName.max} characters`,
    });
  if (!isObject(property)) {
    problems.push({ field: at, message: `${at} must be an object` });
    return undefined;
  }
  const before = problems.length;
  const ref = `#/definitions/${type}`;
  const allOf = property.allOf;
  const only = Array.isArray(allOf) && allOf.length === 1 ? (allOf[0] as unknown) : undefined;
  if (!isObject(only) || only.$ref !== ref || Object.keys(only).length !== 1) {
    problems.push({
      field: `${at}.allOf`,
      message: `${at}.allOf must be [{"$ref": "${ref}"}]: a field refers to the core type its name ends with`,
    });
  }
  const allowed = new Set([...COMMON_KEYS, ...KEYS[type]]);
  for (const key of Object.keys(property)) {
    if (!allowed.has(key))
      problems.push({
        field: `${at}.${key}`,
        message: `${at}.${key} is not a keyword of a ${type} field (it takes ${[...allowed].join(', ')})`,
      });
  }
  const title = checkText(property.title, `${at}.title`, SCHEMA_LIMITS.fieldTitle, problems);
  checkText(property.description, `${at}.description`, SCHEMA_LIMITS.fieldDescription, problems);
  if (property._disabled !== undefined && typeof property._disabled !== 'boolean')
    problems.push({ field: `${at}._disabled`, message: `${at}._disabled must be true or false` });

  const core = CORE_TYPES[type];
  const limit = (key: string, whole = true) => {
    const range = core.limits[key];
    return range === undefined
      ? undefined
      : checkLimit(property[key], `${at}.${key}`, range, whole, type, problems);
  };
  const field: {
    -readonly [K in keyof CustomField]: CustomField[K];
  } = { name, type, title: title ?? name, disabled: property._disabled === true };
  switch (type) {
    case 'text':
    case 'longtext':
    case 'url':
    case 'identifier': {
      const minLength = limit('minLength');
      const maxLength = limit('maxLength');
      checkOrder(minLength, maxLength, at, 'minLength', 'maxLength', problems);
      if (minLength !== undefined) field.minLength = minLength;
      if (maxLength !== undefined) field.maxLength = maxLength;
      break;
    }
    case 'integer':
    case 'number': {
      const minimum = limit('minimum', type === 'integer');
      const maximum = limit('maximum', type === 'integer');
      checkOrder(minimum, maximum, at, 'minimum', 'maximum', problems);
      if (minimum !== undefined) field.minimum = minimum;
      if (maximum !== undefined) field.maximum = maximum;
      break;
    }
    case 'tag': {
      const minItems = limit('minItems');
      const maxItems = limit('maxItems');
      checkOrder(minItems, maxItems ?? 10, at, 'minItems', 'maxItems', problems);
      if (minItems !== undefined) field.minItems = minItems;
      if (maxItems !== undefined) field.maxItems = maxItems;
      if (property.uniqueItems !== undefined && property.uniqueItems !== true)
        problems.push({
          field: `${at}.uniqueItems`,
          message: `${at}.uniqueItems can only be true: tags are unique`,
        });
      const items = property.items;
      if (items !== undefined) {
        if (!isObject(items)) {
          problems.push({ field: `${at}.items`, message: `${at}.items must be an object` });
        } else {
          for (const key of Object.keys(items)) {
            if (
              key !== 'minLength' &&
              key !== 'maxLength' &&
              !(key === 'type' && items.type === 'string')
            )
              problems.push({
                field: `${at}.items.${key}`,
                message: `${at}.items.${key} is not a keyword of a tag (it takes minLength, maxLength)`,
              });
          }
          const itemLimits = core.itemLimits ?? {};
          const check = (key: string) => {
            const range = itemLimits[key] as LimitRange;
            return checkLimit(items[key], `${at}.items.${key}`, range, true, 'tag', problems);
          };
          const itemMin = check('minLength');
          const itemMax = check('maxLength');
          checkOrder(itemMin, itemMax, `${at}.items`, 'minLength', 'maxLength', problems);
          if (itemMin !== undefined) field.itemMinLength = itemMin;
          if (itemMax !== undefined) field.itemMaxLength = itemMax;
        }
      }
      break;
    }
    case 'enum': {
      const options = checkEnum(property, at, problems);
      if (options !== undefined) field.options = options;
      break;
    }
    case 'date':
    case 'datetime':
    case 'checkbox':
      break;
  }
  return problems.length === before ? field : undefined;
}

/**
 * Checks a JSON Schema document of custom fields (SPEC §7): every property is a field whose name
 * ends with `_<core type>` and whose `allOf` refers to that type; a field may narrow its core
 * type's limits but not pass them; enum options are at most 50 of at most 100 characters;
 * `required` names fields of the document; at most 25 fields. With `previous` (the current
 * version, for an update), every field of it must still be there with its type, and every enum
 * option it had: fields and options are disabled (`_disabled: true`), never removed or retyped.
 * @returns the document normalized (`type: object`, `additionalProperties: false`, `$schema`
 * defaulted), and every problem found, each naming its path under `jsonSchema`.
 */
export function checkSchemaDocument(
  input: unknown,
  previous?: SchemaDocument,
): { document?: SchemaDocument; fields: CustomField[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!isObject(input)) {
    problems.push({ field: 'jsonSchema', message: 'jsonSchema must be a JSON Schema object' });
    return { fields: [], problems };
  }
  for (const key of Object.keys(input)) {
    if (!DOCUMENT_KEYS.includes(key))
      problems.push({
        field: `jsonSchema.${key}`,
        message: `jsonSchema.${key} is not part of a schema document (${DOCUMENT_KEYS.join(', ')})`,
      });
  }
  const draft = checkText(input.$schema, 'jsonSchema.$schema', { min: 1, max: 200 }, problems);
  const title = checkText(input.title, 'jsonSchema.title', SCHEMA_LIMITS.schemaName, problems);
  const description = checkText(
    input.description,
    'jsonSchema.description',
    SCHEMA_LIMITS.schemaDescription,
    problems,
  );
  if (input.type !== undefined && input.type !== 'object')
    problems.push({ field: 'jsonSchema.type', message: 'jsonSchema.type can only be "object"' });
  if (input.additionalProperties !== undefined && input.additionalProperties !== false)
    problems.push({
      field: 'jsonSchema.additionalProperties',
      message:
        'jsonSchema.additionalProperties can only be false: every custom field is declared in properties',
    });

  const properties = input.properties ?? {};
  const fields: CustomField[] = [];
  if (!isObject(properties)) {
    problems.push({
      field: 'jsonSchema.properties',
      message: 'jsonSchema.properties must be an object of fields by name',
    });
  } else {
    const names = Object.keys(properties);
    if (names.length > SCHEMA_LIMITS.fieldsPerSchema)
      problems.push({
        field: 'jsonSchema.properties',
        message: `jsonSchema.properties has ${names.length} fields; a schema has at most ${SCHEMA_LIMITS.fieldsPerSchema}`,
      });
    for (const name of names) {
      const field = checkField(name, properties[name], problems);
      if (field !== undefined) fields.push(field);
    }
  }
  const declared = isObject(properties) ? properties : {};

  let required: string[] | undefined;
  if (input.required !== undefined) {
    if (!Array.isArray(input.required)) {
      problems.push({
        field: 'jsonSchema.required',
        message: 'jsonSchema.required must be an array of field names',
      });
    } else {
      required = [];
      input.required.forEach((name: unknown, i) => {
        const at = `jsonSchema.required[${i}]`;
        if (typeof name !== 'string' || !Object.hasOwn(declared, name)) {
          problems.push({
            field: at,
            message: `${at} ${JSON.stringify(name)} is not a field of the schema`,
          });
        } else if (required?.includes(name)) {
          problems.push({ field: at, message: `${at} "${name}" is listed twice` });
        } else if (isObject(declared[name]) && declared[name]._disabled === true) {
          problems.push({
            field: at,
            message: `${at} "${name}" is disabled and cannot be required`,
          });
        } else {
          required?.push(name);
        }
      });
    }
  }

  if (previous !== undefined) checkAgainstPrevious(declared, previous, problems);
  if (problems.length > 0) return { fields, problems };
  const document: SchemaDocument = {
    $schema: draft ?? JSON_SCHEMA_DRAFT,
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    type: 'object',
    ...(required === undefined || required.length === 0 ? {} : { required }),
    properties: declared as Record<string, Record<string, unknown>>,
    additionalProperties: false,
  };
  return { document, fields, problems };
}

/** Fields and enum options of the previous version stay, with their types. */
function checkAgainstPrevious(
  properties: Record<string, unknown>,
  previous: SchemaDocument,
  problems: FieldProblem[],
): void {
  const names = Object.keys(properties);
  for (const [name, before] of Object.entries(previous.properties)) {
    const at = `jsonSchema.properties.${name}`;
    const now = properties[name];
    if (now === undefined) {
      const retyped = names.find(
        (n) => baseName(n) === baseName(name) && !(n in previous.properties),
      );
      problems.push({
        field: at,
        message:
          retyped === undefined
            ? `${at} cannot be removed: a saved field stays; disable it with "_disabled": true`
            : `${name} cannot become ${retyped}: a field's type never changes; add a field of another name and disable this one`,
      });
      continue;
    }
    if (fieldTypeOf(name) !== 'enum' || !isObject(now) || !Array.isArray(now.enum)) continue;
    const options = new Set(now.enum);
    for (const option of (before.enum as unknown[] | undefined) ?? []) {
      if (!options.has(option))
        problems.push({
          field: `${at}.enum`,
          message: `${at}.enum: option "${String(option)}" cannot be removed; disable it with _enumProperties.${String(option)}._disabled: true`,
        });
    }
  }
}

/** The fields of a document that was checked when it was saved. */
export function fieldsOf(document: SchemaDocument): CustomField[] {
  const { fields } = checkSchemaDocument(document);
  return fields;
}

/**
 * The JSON Schema that custom-field values of a checked document must satisfy: each field its
 * core type's JSON type and limits, narrowed by the field's own; its required fields; nothing
 * undeclared. The formats `date`, `date-time` and `http-url` are the validator's to define.
 */
export function valueSchemaOf(
  fields: readonly CustomField[],
  required: readonly string[] = [],
): Record<string, unknown> {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const field of fields) properties[field.name] = fieldValueSchema(field);
  return {
    type: 'object',
    properties,
    required: [...required],
    additionalProperties: false,
  };
}

function defined(schema: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined));
}

function fieldValueSchema(field: CustomField): Record<string, unknown> {
  const core = CORE_TYPES[field.type];
  switch (field.type) {
    case 'text':
    case 'longtext':
    case 'identifier':
    case 'url':
      return defined({
        type: 'string',
        minLength: field.minLength,
        maxLength: field.maxLength ?? core.limits.maxLength?.max,
        format: field.type === 'url' ? 'http-url' : undefined,
      });
    case 'enum':
      return { type: 'string', enum: [...(field.options ?? [])] };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'integer':
      return {
        type: 'integer',
        minimum: field.minimum ?? -MAX_WHOLE,
        maximum: field.maximum ?? MAX_WHOLE,
      };
    case 'number':
      return defined({ type: 'number', minimum: field.minimum, maximum: field.maximum });
    case 'checkbox':
      return { type: 'boolean' };
    case 'tag':
      return defined({
        type: 'array',
        items: {
          type: 'string',
          minLength: field.itemMinLength ?? core.itemLimits?.minLength?.min,
          maxLength: field.itemMaxLength ?? core.itemLimits?.maxLength?.max,
        },
        minItems: field.minItems,
        maxItems: field.maxItems ?? core.limits.maxItems?.max,
        uniqueItems: true,
      });
  }
}

/**
 * The values of the searchable custom fields (identifier: its value; tag: each tag), found by
 * name alone, so that contact points need no schema to be written.
 */
export function searchableValues(customFields: Record<string, unknown> | undefined): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(customFields ?? {})) {
    const type = fieldTypeOf(name);
    if (type === 'identifier' && typeof value === 'string') values.push(value);
    else if (type === 'tag' && Array.isArray(value))
      for (const tag of value) if (typeof tag === 'string') values.push(tag);
  }
  return values;
}

/** A schema body (Genesys `DataSchema`) once checked: what a new version is made of. */
export interface SchemaInput {
  readonly name: string;
  /** Absent: unchanged on an update, true on a create. */
  readonly enabled?: boolean;
  readonly document: SchemaDocument;
  readonly fields: readonly CustomField[];
}

/**
 * Checks a schema body: `name` (1 to 100 characters), `enabled` and `jsonSchema` (see
 * checkSchemaDocument, with `previous` for an update). Read-only fields sent back from a GET
 * (id, version, appliesTo, createdBy, dateCreated, selfUri) are the caller's to read or ignore.
 * @returns the input, or every problem found, each naming its field.
 */
export function checkSchemaInput(
  body: Record<string, unknown>,
  previous?: SchemaDocument,
): { input?: SchemaInput; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const name = typeof body.name === 'string' ? body.name.trim() : undefined;
  if (name === undefined || name === '') {
    problems.push({ field: 'name', message: 'name is required: a schema has a name' });
  } else if (name.length > SCHEMA_LIMITS.schemaName.max) {
    problems.push({
      field: 'name',
      message: `name has ${name.length} characters; the limit is ${SCHEMA_LIMITS.schemaName.max}`,
    });
  }
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean')
    problems.push({ field: 'enabled', message: 'enabled must be true or false' });
  const checked = checkSchemaDocument(body.jsonSchema, previous);
  problems.push(...checked.problems);
  if (problems.length > 0 || checked.document === undefined || name === undefined)
    return { problems };
  return {
    input: {
      name,
      ...(typeof body.enabled === 'boolean' ? { enabled: body.enabled } : {}),
      document: checked.document,
      fields: checked.fields,
    },
    problems,
  };
}
