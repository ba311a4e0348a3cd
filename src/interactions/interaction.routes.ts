import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import { afterListing } from '../http/cursor-listing.js';
import { CONTACTS_PATH } from '../contacts/contact.js';
import { associateConversation, listContactInteractions } from './interaction.service.js';
import { toInteractionView, toSessionView } from './interaction.js';

const tags = ['Single customer view'];
const Params = Type.Object({ contactId: Type.String({ minLength: 1, maxLength: 100 }) });
const Query = Type.Object({
  pageSize: Type.Optional(Type.String()),
  after: Type.Optional(Type.String()),
  includeMerged: Type.Optional(Type.Boolean()),
});
const Listing = (title: string) =>
  Type.Object(
    {
      entities: Type.Array(Type.Object({}, { additionalProperties: true })),
      nextUri: Type.Optional(Type.String()),
      selfUri: Type.Optional(Type.String()),
      previousUri: Type.Optional(Type.String()),
    },
    { title },
  );

export function interactionRoutes(deps: { db: Kysely<DB> }): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    for (const [suffix, summary, title, view] of [
      [
        'interactions',
        "A contact's interactions across every channel, newest first, with why each was linked",
        'InteractionListing',
        toInteractionView,
      ],
      [
        'journey/sessions',
        "A contact's interactions as journey sessions, newest first",
        'SessionListing',
        toSessionView,
      ],
    ] as const) {
      r.get(
        `${CONTACTS_PATH}/:contactId/${suffix}`,
        {
          schema: {
            tags,
            summary,
            params: Params,
            querystring: Query,
            response: { 200: Listing(title), ...STANDARD_ERRORS },
          },
        },
        async (request) => {
          const { contactId } = request.params;
          const { interactions, next } = await listContactInteractions(
            db,
            principalOf(request),
            contactId,
            request.query,
          );
          return afterListing(
            interactions.map(view),
            next,
            `${CONTACTS_PATH}/${contactId}/${suffix}`,
            {
              pageSize: request.query.pageSize,
              includeMerged: request.query.includeMerged,
            },
          );
        },
      );
    }

    r.put(
      '/api/v2/externalcontacts/conversations/:conversationId',
      {
        schema: {
          tags,
          summary:
            'Associate a conversation with a contact (externalContactId), or dissociate it (none)',
          params: Type.Object({ conversationId: Type.String({ minLength: 1, maxLength: 200 }) }),
          body: Type.Object(
            {
              externalContactId: Type.Optional(Type.String({ maxLength: 100 })),
              conversationId: Type.Optional(Type.String()),
              communicationId: Type.Optional(Type.String({ maxLength: 200 })),
              mediaType: Type.Optional(Type.String({ maxLength: 100 })),
            },
            { title: 'ConversationAssociation', additionalProperties: true },
          ),
          response: { 202: Type.Any({ description: 'Accepted; no body' }), ...STANDARD_ERRORS },
        },
      },
      async (request, reply) => {
        await associateConversation(
          db,
          principalOf(request),
          request.params.conversationId,
          request.body,
        );
        return reply.code(202).send();
      },
    );
  };
}
