import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { principalOf } from '../http/fastify-types.js';
import { STANDARD_ERRORS } from '../http/schemas.js';
import type { Metrics } from '../http/metrics.js';
import { afterListing } from '../http/cursor-listing.js';
import { toContactView } from '../contacts/contact.js';
import { toInteractionView } from '../interactions/interaction.js';
import { CHANNELS } from './resolution.js';
import { MAX_INTERACTION_IDENTIFIERS, type Resolver } from './resolution.service.js';
import {
  getChannelSettings,
  RESOLUTION_SETTINGS_PATH,
  toChannelSettingsView,
  updateChannelSettings,
} from './resolution-settings.service.js';
import {
  getReview,
  listReviewQueue,
  resolveReview,
  REVIEWS_PATH,
  toReviewView,
} from './review.service.js';

const tags = ['Identity resolution'];
const INTERACTIONS_PATH = '/api/v2/externalcontacts/identityresolution/interactions';
const Loose = (title: string) => Type.Object({}, { title, additionalProperties: true });
const Ref = Type.Object({ id: Type.Optional(Type.String()) }, { additionalProperties: true });

const InteractionBody = Type.Object(
  {
    channel: Type.String({ description: `One of ${CHANNELS.join(', ')}` }),
    divisionId: Type.Optional(
      Type.String({ description: "The channel's division; `*` unassigned" }),
    ),
    conversationId: Type.Optional(Type.String({ maxLength: 200 })),
    communicationId: Type.Optional(Type.String({ maxLength: 200 })),
    mediaType: Type.Optional(Type.String({ maxLength: 100 })),
    direction: Type.Optional(Type.Union([Type.Literal('inbound'), Type.Literal('outbound')])),
    identifiers: Type.Array(
      Type.Object(
        {
          type: Type.String({ minLength: 1, maxLength: 100 }),
          value: Type.String({ maxLength: 1000 }),
          externalSource: Type.Optional(Ref),
        },
        { additionalProperties: true },
      ),
      { minItems: 1, maxItems: MAX_INTERACTION_IDENTIFIERS },
    ),
    authenticated: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String({ maxLength: 1000 })),
    occurredAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { title: 'IdentityResolutionInteraction', additionalProperties: true },
);

export function resolutionRoutes(deps: {
  db: Kysely<DB>;
  resolver: Resolver;
  metrics: Metrics;
}): FastifyPluginAsync {
  const { db, resolver, metrics } = deps;
  return async (app) => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();

    r.post(
      INTERACTIONS_PATH,
      {
        schema: {
          tags,
          summary: 'Resolve an interaction to a contact: link, create, or report it ambiguous',
          body: InteractionBody,
          response: { 200: Loose('IdentityResolutionResult'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const result = await resolver.resolve(principalOf(request), request.body);
        metrics.resolutions.inc({ outcome: result.outcome });
        const answer: Record<string, unknown> = {
          outcome: result.outcome,
          candidates: result.candidates.map((c) => toContactView(c)),
        };
        if (result.contact !== undefined) answer.contact = toContactView(result.contact);
        if (result.matchedOn !== undefined) answer.matchedOn = result.matchedOn;
        if (result.interaction !== undefined)
          answer.interaction = toInteractionView(result.interaction);
        if (result.reviewId !== undefined)
          answer.review = { id: result.reviewId, selfUri: `${REVIEWS_PATH}/${result.reviewId}` };
        if (result.reason !== undefined) answer.reason = result.reason;
        if (result.dropped.length > 0) answer.droppedIdentifiers = result.dropped;
        return answer;
      },
    );

    const ChannelParams = Type.Object({ channel: Type.String({ minLength: 1, maxLength: 50 }) });
    r.get(
      `${RESOLUTION_SETTINGS_PATH}/:channel`,
      {
        schema: {
          tags,
          summary: "A channel's identity resolution settings",
          params: ChannelParams,
          response: { 200: Loose('IdentityResolutionSettings'), ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toChannelSettingsView(
          await getChannelSettings(db, principalOf(request), request.params.channel),
        ),
    );
    r.put(
      `${RESOLUTION_SETTINGS_PATH}/:channel`,
      {
        schema: {
          tags,
          summary: "Change a channel's identity resolution settings (what is left out stays)",
          params: ChannelParams,
          body: Type.Object(
            {
              resolveIdentities: Type.Optional(Type.Boolean()),
              division: Type.Optional(Type.Union([Type.Null(), Ref])),
              divisionId: Type.Optional(Type.Union([Type.Null(), Type.String()])),
              externalSource: Type.Optional(Type.Union([Type.Null(), Ref])),
              externalSourceId: Type.Optional(Type.Union([Type.Null(), Type.String()])),
              createContacts: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: true },
          ),
          response: { 200: Loose('IdentityResolutionSettings'), ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toChannelSettingsView(
          await updateChannelSettings(
            db,
            principalOf(request),
            request.params.channel,
            request.body,
          ),
        ),
    );

    r.get(
      REVIEWS_PATH,
      {
        schema: {
          tags,
          summary: 'The review queue of ambiguous resolutions, oldest first',
          querystring: Type.Object({
            status: Type.Optional(Type.String()),
            pageSize: Type.Optional(Type.String()),
            after: Type.Optional(Type.String()),
          }),
          response: { 200: Loose('IdentityResolutionReviewListing'), ...STANDARD_ERRORS },
        },
      },
      async (request) => {
        const { reviews, next } = await listReviewQueue(db, principalOf(request), request.query);
        return afterListing(reviews.map(toReviewView), next, REVIEWS_PATH, {
          status: request.query.status,
          pageSize: request.query.pageSize,
        });
      },
    );

    const ReviewParams = Type.Object({ reviewId: Type.String({ minLength: 1, maxLength: 100 }) });
    r.get(
      `${REVIEWS_PATH}/:reviewId`,
      {
        schema: {
          tags,
          summary: 'One review',
          params: ReviewParams,
          response: { 200: Loose('IdentityResolutionReview'), ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toReviewView(await getReview(db, principalOf(request), request.params.reviewId)),
    );
    r.post(
      `${REVIEWS_PATH}/:reviewId/resolve`,
      {
        schema: {
          tags,
          summary: 'Resolve a review: choose a candidate, or dismiss it',
          params: ReviewParams,
          body: Type.Object(
            {
              action: Type.String({ description: 'choose, merge or dismiss' }),
              contactId: Type.Optional(Type.String()),
            },
            { additionalProperties: true },
          ),
          response: { 200: Loose('IdentityResolutionReview'), ...STANDARD_ERRORS },
        },
      },
      async (request) =>
        toReviewView(
          await resolveReview(db, principalOf(request), request.params.reviewId, request.body),
        ),
    );
  };
}
