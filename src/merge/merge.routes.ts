import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { CONTACTS_PATH, toContactView } from '../contacts/contact.js';
import { ContactBodySchema, ContactSchema } from '../contacts/contact.schemas.js';
import { renderContacts } from '../contacts/contact.views.js';
import {
  mergeContacts,
  mergeSourceIntoTarget,
  unmergeContact,
  type MergeOutcome,
} from './merge.service.js';

const tags = ['External contacts (merge)'];

/** The merged contact in the Genesys shape; a dry run adds where every field came from. */
function mergeView(outcome: MergeOutcome): Record<string, unknown> {
  const view: Record<string, unknown> = toContactView(outcome.contact, { merge: outcome.links });
  if (outcome.dryRun) {
    view.fieldSources = outcome.sources;
    if (Object.keys(outcome.dropped).length > 0) view.droppedValues = outcome.dropped;
  }
  return view;
}

export function mergeRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      `${CONTACTS_PATH}/merge`,
      {
        schema: {
          tags,
          summary:
            'Merge 2 to 25 contacts of any type into a new Canonical contact (dryRun=true previews it)',
          querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
          body: Type.Object(
            {
              contactIds: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 }),
              valueOverride: Type.Optional(ContactBodySchema),
            },
            { title: 'MergeContactsRequest', additionalProperties: true },
          ),
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        mergeView(
          await mergeContacts(
            db,
            principalOf(request),
            {
              contactIds: request.body.contactIds,
              valueOverride: request.body.valueOverride,
            },
            { dryRun: request.query.dryRun === true },
          ),
        ),
    );

    r.post(
      '/api/v2/externalcontacts/merge/contacts',
      {
        schema: {
          tags,
          summary:
            'Merge two contacts (deprecated by Genesys: the target must be Curated or Canonical)',
          body: Type.Object(
            {
              sourceContactId: Type.String({ minLength: 1, maxLength: 100 }),
              targetContactId: Type.String({ minLength: 1, maxLength: 100 }),
            },
            { title: 'MergeRequest', additionalProperties: true },
          ),
          response: { 200: ContactSchema, ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        mergeView(await mergeSourceIntoTarget(db, principalOf(request), request.body)),
    );

    r.post(
      `${CONTACTS_PATH}/:contactId/unmerge`,
      {
        schema: {
          tags,
          summary:
            'Undo the merge that made a contact: its inputs return exactly as they were (Kith)',
          params: Type.Object({ contactId: Type.String({ minLength: 1, maxLength: 100 }) }),
          querystring: Type.Object({ discardChanges: Type.Optional(Type.Boolean()) }),
          body: Type.Optional(
            Type.Union([
              Type.Object(
                { discardChanges: Type.Optional(Type.Boolean()) },
                { additionalProperties: true },
              ),
              Type.Null(),
            ]),
          ),
          response: {
            200: Type.Object(
              { entities: Type.Array(ContactSchema) },
              { title: 'UnmergeResponse', additionalProperties: true },
            ),
            ...STANDARD_ERRORS,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const restored = await unmergeContact(db, principal, request.params.contactId, {
          discardChanges:
            request.query.discardChanges === true || request.body?.discardChanges === true,
        });
        return { entities: await renderContacts(db, principal, restored) };
      },
    );
  };
}
