import type { Channel } from '../resolution/resolution.js';
import { CONTACTS_PATH } from '../contacts/contact.js';

/** How an interaction came to its contact. */
export type InteractionOutcome = 'linked' | 'created' | 'ambiguous' | 'associated';

/** An interaction of a customer with the contact center, linked to one contact (SPEC §5). */
export interface Interaction {
  id: string;
  orgId: string;
  contactId: string;
  /** The contact's division when the interaction was linked. */
  divisionId: string | null;
  channel: Channel;
  direction: 'inbound' | 'outbound';
  /** Whether the customer was authenticated (a logged-in web or messaging user). */
  authenticated: boolean;
  occurredAt: string;
  conversationId: string | null;
  communicationId: string | null;
  mediaType: string | null;
  outcome: InteractionOutcome;
  /** The identifier that found the contact, and how; null for a created or associated one. */
  matched: { type: string; value: string; via: 'claim' | 'contactPoint' } | null;
  /** Every candidate of an ambiguous result, first-created first. */
  candidates: string[] | null;
  identifiers: { type: string; value: string; externalSourceId?: string }[];
  principalId: string | null;
  createdAt: string;
}

/** The wire shape of an interaction: what it was and why it was linked (SPEC §5 rule 7). */
export function toInteractionView(interaction: Interaction): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: interaction.id,
    externalContact: {
      id: interaction.contactId,
      selfUri: `${CONTACTS_PATH}/${interaction.contactId}`,
    },
    channel: interaction.channel,
    direction: interaction.direction,
    authenticated: interaction.authenticated,
    occurredAt: interaction.occurredAt,
    outcome: interaction.outcome,
    identifiers: interaction.identifiers.map(({ externalSourceId, ...rest }) =>
      externalSourceId === undefined ? rest : { ...rest, externalSource: { id: externalSourceId } },
    ),
    createdDate: interaction.createdAt,
  };
  if (interaction.conversationId !== null)
    view.conversation = {
      id: interaction.conversationId,
      selfUri: `/api/v2/conversations/${interaction.conversationId}`,
    };
  if (interaction.communicationId !== null) view.communicationId = interaction.communicationId;
  if (interaction.mediaType !== null) view.mediaType = interaction.mediaType;
  if (interaction.matched !== null) view.matchedOn = interaction.matched;
  if (interaction.candidates !== null)
    view.candidates = interaction.candidates.map((id) => ({
      id,
      selfUri: `${CONTACTS_PATH}/${id}`,
    }));
  return view;
}

/** The Genesys conversation channel type of a Kith channel (`Session.conversationChannels`). */
const CONVERSATION_CHANNEL: Record<Channel, { type: string; messageType?: string }> = {
  voice: { type: 'Call' },
  sms: { type: 'Message', messageType: 'SMS' },
  email: { type: 'Email' },
  webmessaging: { type: 'Message', messageType: 'WebMessaging' },
  openmessaging: { type: 'Message', messageType: 'Open' },
  whatsapp: { type: 'Message', messageType: 'WhatsApp' },
  facebook: { type: 'Message', messageType: 'Facebook' },
  instagram: { type: 'Message', messageType: 'Instagram' },
  twitter: { type: 'Message', messageType: 'Twitter' },
  line: { type: 'Message', messageType: 'Line' },
  apple: { type: 'Message', messageType: 'Apple' },
};

/**
 * An interaction as a Genesys journey `Session`: one session per interaction, of type
 * `conversation`, whose single event is the interaction itself.
 */
export function toSessionView(interaction: Interaction): Record<string, unknown> {
  const session: Record<string, unknown> = {
    id: interaction.id,
    externalContact: {
      id: interaction.contactId,
      selfUri: `${CONTACTS_PATH}/${interaction.contactId}`,
    },
    customerId: interaction.contactId,
    customerIdType: 'externalContactId',
    type: 'conversation',
    eventCount: 1,
    lastEvent: {
      id: interaction.id,
      eventName: `interaction.${interaction.outcome}`,
      createdDate: interaction.occurredAt,
    },
    conversationChannels: [CONVERSATION_CHANNEL[interaction.channel]],
    originatingDirection: interaction.direction,
    authenticated: interaction.authenticated,
    divisionIds: [interaction.divisionId ?? '*'],
    createdDate: interaction.occurredAt,
    endedDate: interaction.occurredAt,
    selfUri: `/api/v2/journey/sessions/${interaction.id}`,
  };
  if (interaction.conversationId !== null)
    session.conversation = {
      id: interaction.conversationId,
      selfUri: `/api/v2/conversations/${interaction.conversationId}`,
    };
  return session;
}
