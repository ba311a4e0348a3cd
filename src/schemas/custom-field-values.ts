import { Ajv, type ErrorObject } from 'ajv';
import formats from 'ajv-formats';
import {
  valueSchemaOf,
  type CoreTypeName,
  type CustomField,
  type FieldProblem,
} from './custom-field-schema.js';

/** Checks the custom fields of one record against one schema version: every problem, by field. */
export type CustomFieldsCheck = (customFields: Record<string, unknown>) => FieldProblem[];

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

// One instance compiles every schema version; its formats are those the core types name.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
formats.default(ajv, ['date', 'date-time']);
ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl });

/** What a value of each core type must be, for a value of the wrong kind. */
const EXPECTED: Record<CoreTypeName, string> = {
  text: 'must be a string',
  longtext: 'must be a string',
  url: 'must be an http(s) URL',
  identifier: 'must be a string',
  enum: 'must be a string',
  date: 'must be a date, YYYY-MM-DD',
  datetime: 'must be an ISO-8601 date and time with its offset, e.g. 2026-12-02T09:30:00Z',
  integer: 'must be a whole number',
  number: 'must be a number',
  checkbox: 'must be true or false',
  tag: 'must be an array of tags (strings)',
};

/** `/tags_tag/2` → `customFields.tags_tag[2]`, with the field's name. */
function pathOf(instancePath: string): { field: string; path: string } {
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const field = segments[0] ?? '';
  const path = `customFields.${field}${segments
    .slice(1)
    .map((s) => `[${s}]`)
    .join('')}`;
  return { field, path };
}

function characters(value: unknown): number {
  return typeof value === 'string' ? [...value].length : 0;
}

function describe(
  error: ErrorObject,
  types: ReadonlyMap<string, CoreTypeName>,
  schemaName: string,
): FieldProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const path = `customFields.${String(params.missingProperty)}`;
    return { field: path, message: `${path} is required by schema ${schemaName}` };
  }
  if (error.keyword === 'additionalProperties') {
    const path = `customFields.${String(params.additionalProperty)}`;
    return { field: path, message: `${path} is not a field of schema ${schemaName}` };
  }
  const { field, path } = pathOf(error.instancePath);
  const type = types.get(field) ?? 'text';
  const isTag = path !== `customFields.${field}`;
  const limit = params.limit as number;
  let message: string;
  switch (error.keyword) {
    case 'type':
      message = isTag ? 'must be a string' : EXPECTED[type];
      break;
    case 'enum':
      message = `must be one of ${(error.schema as string[]).join(', ')}`;
      break;
    case 'format':
      message = EXPECTED[type];
      break;
    case 'maxLength':
      message = `has ${characters(error.data)} characters; the limit is ${limit}`;
      break;
    case 'minLength':
      message = `has ${characters(error.data)} characters; it needs at least ${limit}`;
      break;
    case 'maximum':
      message = `must be at most ${limit}`;
      break;
    case 'minimum':
      message = `must be at least ${limit}`;
      break;
    case 'maxItems':
      message = `has ${(error.data as unknown[]).length} tags; the limit is ${limit}`;
      break;
    case 'minItems':
      message = `has ${(error.data as unknown[]).length} tags; it needs at least ${limit}`;
      break;
    case 'uniqueItems': {
      const tags = error.data as unknown[];
      message = `has the tag ${JSON.stringify(tags[params.i as number])} twice; tags are unique`;
      break;
    }
    default:
      message = error.message ?? 'is not valid';
  }
  return { field: path, message: `${path} ${message}` };
}

/**
 * Compiles the check of one schema version's custom fields (compiling costs a millisecond or
 * more; callers keep the result). Values that are null count as not set.
 */
export function compileCustomFieldsCheck(
  schemaName: string,
  fields: readonly CustomField[],
  required: readonly string[],
): CustomFieldsCheck {
  const validate = ajv.compile(valueSchemaOf(fields, required));
  const types = new Map(fields.map((f) => [f.name, f.type]));
  return (customFields) => {
    const given = Object.fromEntries(Object.entries(customFields).filter(([, v]) => v !== null));
    if (validate(given)) return [];
    return (validate.errors ?? []).map((error) => describe(error, types, schemaName));
  };
}
