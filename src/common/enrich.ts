import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { badRequest } from '../errors/app-error.js';

/*
 * Enrich (Genesys `ContactEnrichRequest`, `ExternalOrganizationEnrichRequest`): the actions, and
 * how provided fields combine with a matched record's under `fieldRules` (SPEC §3).
 */

export const ENRICH_ACTIONS = ['Insert', 'Update', 'Upsert', 'Merge'] as const;
export type EnrichAction = (typeof ENRICH_ACTIONS)[number];
export const FIELD_ACTIONS = ['PreferProvided', 'PreferExisting', 'AlwaysUseProvided'] as const;
export type FieldAction = (typeof FIELD_ACTIONS)[number];
export const ARRAY_ACTIONS = ['Replace', 'Extend', 'Fill'] as const;
export type ArrayAction = (typeof ARRAY_ACTIONS)[number];

export const MAX_MATCHING_IDENTIFIERS = 25;
/** Genesys: "Run up to 10 Enrich operations per request". */
export const MAX_BULK_ENRICH = 10;

/** The fields of a kind of record that enrich combines, and which of them are lists. */
export interface EnrichShape {
  readonly fields: ReadonlySet<string>;
  /** List fields take an array action, and hold at most `maxItems[field]` items. */
  readonly maxItems: ReadonlyMap<string, number>;
}

export const CONTACT_ENRICH_SHAPE: EnrichShape = {
  fields: new Set<string>([
    'firstName',
    'middleName',
    'lastName',
    'salutation',
    'title',
    'workPhone',
    'cellPhone',
    'homePhone',
    'otherPhone',
    'workEmail',
    'personalEmail',
    'otherEmail',
    'address',
    'twitterId',
    'lineId',
    'whatsAppId',
    'facebookId',
    'instagramId',
    'appleOpaqueIds',
    'externalIds',
    'externalOrganization',
    'surveyOptOut',
    'externalSystemUrl',
    'schema',
    'customFields',
  ]),
  maxItems: new Map([
    ['appleOpaqueIds', 10],
    ['externalIds', 10],
  ]),
};

export const ORGANIZATION_ENRICH_SHAPE: EnrichShape = {
  fields: new Set<string>([
    'name',
    'companyType',
    'industry',
    'address',
    'phoneNumber',
    'faxNumber',
    'employeeCount',
    'revenue',
    'tags',
    'websites',
    'tickers',
    'twitterId',
    'externalSystemUrl',
    'externalIds',
    'schema',
    'customFields',
  ]),
  maxItems: new Map([
    ['tags', 50],
    ['websites', 20],
    ['tickers', 20],
    ['externalIds', 10],
  ]),
};

export interface FieldRulesInput {
  defaultAction?: string | undefined;
  defaultArrayAction?: string | undefined;
  rules?:
    | {
        field?: string | undefined;
        action?: string | undefined;
        arrayAction?: string | undefined;
      }[]
    | undefined;
}

/** Checked field rules: a field's (or custom field's, `customFields.x`) action and array action. */
export interface FieldRules {
  readonly defaultAction: FieldAction;
  readonly defaultArrayAction: ArrayAction;
  readonly byField: ReadonlyMap<string, { action?: FieldAction; arrayAction?: ArrayAction }>;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  field: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw badRequest(`${field} "${value}" is not one of ${allowed.join(', ')}`, field);
  return value as T;
}

export function checkAction(value: string | undefined): EnrichAction {
  const action = oneOf(value, ENRICH_ACTIONS, 'action');
  if (action === undefined)
    throw badRequest(`action is one of ${ENRICH_ACTIONS.join(', ')}`, 'action');
  return action;
}

/** `$.firstName`, `firstName` or `$.customFields.tier` as a field name, or null. */
function fieldName(path: string, shape: EnrichShape): string | null {
  const name = path.trim().replace(/^\$\./, '');
  if (shape.fields.has(name)) return name;
  const custom = /^customFields\.([^.\s]+)$/.exec(name);
  return custom === null ? null : `customFields.${custom[1] as string}`;
}

/** @throws AppError 400 naming the rule that is not understood. */
export function checkFieldRules(
  input: FieldRulesInput | undefined,
  shape: EnrichShape,
): FieldRules {
  const byField = new Map<string, { action?: FieldAction; arrayAction?: ArrayAction }>();
  for (const [k, rule] of (input?.rules ?? []).entries()) {
    const at = `fieldRules.rules[${k}]`;
    const name = rule.field === undefined ? null : fieldName(rule.field, shape);
    if (name === null)
      throw badRequest(
        `${at}.field "${rule.field ?? ''}" is not a field of the record ($.name, $.customFields.name)`,
        `${at}.field`,
      );
    const action = oneOf(rule.action, FIELD_ACTIONS, `${at}.action`);
    const arrayAction = oneOf(rule.arrayAction, ARRAY_ACTIONS, `${at}.arrayAction`);
    byField.set(name, {
      ...(action === undefined ? {} : { action }),
      ...(arrayAction === undefined ? {} : { arrayAction }),
    });
  }
  return {
    defaultAction:
      oneOf(input?.defaultAction, FIELD_ACTIONS, 'fieldRules.defaultAction') ?? 'PreferProvided',
    defaultArrayAction:
      oneOf(input?.defaultArrayAction, ARRAY_ACTIONS, 'fieldRules.defaultArrayAction') ?? 'Fill',
    byField,
  };
}

function combine(
  name: string,
  existing: unknown,
  provided: unknown,
  rules: FieldRules,
  maxItems: number | undefined,
): unknown {
  const rule = rules.byField.get(name);
  const action = rule?.action ?? rules.defaultAction;
  if (maxItems !== undefined) {
    const had = (existing as unknown[] | undefined) ?? [];
    const given = provided as unknown[] | undefined;
    switch (rule?.arrayAction ?? rules.defaultArrayAction) {
      case 'Replace':
        return given !== undefined || action === 'AlwaysUseProvided' ? given : existing;
      case 'Extend': {
        const keys = new Set(had.map((item) => JSON.stringify(item)));
        const all = [...had, ...(given ?? []).filter((item) => !keys.has(JSON.stringify(item)))];
        if (all.length > maxItems)
          throw badRequest(
            `${name} would hold ${all.length} items after Extend; it holds at most ${maxItems}`,
            name,
          );
        return all.length === 0 ? undefined : all;
      }
      case 'Fill':
        return had.length > 0 ? existing : given;
    }
  }
  switch (action) {
    case 'PreferProvided':
      return provided !== undefined ? provided : existing;
    case 'PreferExisting':
      return existing !== undefined ? existing : provided;
    case 'AlwaysUseProvided':
      return provided;
  }
}

type Fields = Record<string, unknown> & { customFields?: Record<string, unknown> };

/** The fields of a matched record after enriching it with `provided` under `rules`. */
export function enrichFields<F extends object>(
  existing: F,
  provided: F,
  rules: FieldRules,
  shape: EnrichShape,
): F {
  const result: Record<string, unknown> = {};
  const had = existing as Fields;
  const given = provided as Fields;
  for (const name of shape.fields) {
    if (name === 'customFields') continue;
    const value = combine(name, had[name], given[name], rules, shape.maxItems.get(name));
    if (value !== undefined) result[name] = value;
  }
  const custom: Record<string, unknown> = {};
  const keys = new Set([
    ...Object.keys(had.customFields ?? {}),
    ...Object.keys(given.customFields ?? {}),
  ]);
  for (const key of keys) {
    const name = `customFields.${key}`;
    const rule = rules.byField.get(name) ?? rules.byField.get('customFields');
    const value = combine(
      name,
      had.customFields?.[key],
      given.customFields?.[key],
      rule === undefined ? rules : { ...rules, byField: new Map([[name, rule]]) },
      undefined,
    );
    if (value !== undefined) custom[key] = value;
  }
  if (Object.keys(custom).length > 0) result.customFields = custom;
  return result as F;
}

/** Rolls a dry run's transaction back, carrying its answer out. */
class DryRun<T> extends Error {
  constructor(readonly outcome: T) {
    super('dry run');
  }
}

/**
 * Runs `work` in a transaction; with `dryRun` the transaction is rolled back at the end, so the
 * answer is exactly what would have been written and nothing is.
 */
export async function inTransaction<T>(
  db: Kysely<DB>,
  dryRun: boolean,
  work: (trx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  if (!dryRun) return db.transaction().execute(work);
  try {
    await db.transaction().execute(async (trx) => {
      throw new DryRun(await work(trx));
    });
  } catch (error) {
    if (error instanceof DryRun) return error.outcome as T;
    throw error;
  }
  throw new Error('unreachable: a dry run always rolls back');
}
