import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { getSettings, updateSettings } from './settings.service.js';

export const SETTINGS_PATH = '/api/v2/externalcontacts/settings';

const SettingsSchema = Type.Object(
  { identifierBlocklist: Type.Array(Type.String()), retentionDays: Type.Integer() },
  { title: 'ExternalContactsSettings', additionalProperties: true },
);

export function settingsRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['Settings'];

    r.get(
      SETTINGS_PATH,
      {
        schema: {
          tags,
          summary: "The organization's External Contacts settings",
          response: { 200: SettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => getSettings(db, principalOf(request)),
    );

    r.put(
      SETTINGS_PATH,
      {
        schema: {
          tags,
          summary:
            'Change settings: identifierBlocklist and retentionDays (null restores a default)',
          body: Type.Object(
            {
              identifierBlocklist: Type.Optional(
                // Null first: with type coercion on, null would otherwise become [""].
                Type.Union([Type.Null(), Type.Array(Type.String())]),
              ),
              // One schema with two types: Ajv coerces only when neither matches, so 0 stays a
              // number (an anyOf with null first would coerce 0 to null) and null stays null.
              retentionDays: Type.Optional(
                Type.Unsafe<number | null>({ type: ['number', 'null'] }),
              ),
            },
            { additionalProperties: true },
          ),
          response: { 200: SettingsSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) => updateSettings(db, principalOf(request), request.body),
    );
  };
}
