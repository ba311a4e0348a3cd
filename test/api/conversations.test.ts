import type { AddressInfo } from 'node:net';
import platformClient from 'purecloud-platform-client-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, expectGenesysError, ok } from '../helpers/http.js';
import { ADMIN_ID, ADMIN_SECRET, useTestKith } from '../helpers/kith.js';
import { postContact } from '../helpers/contacts.js';

/*
 * The single customer view through the official SDK: conversations associated by hand
 * (`putExternalcontactsConversation`) and the journey sessions of a contact
 * (`getExternalcontactsContactJourneySessions`), with interactions resolved over HTTP.
 */

const client = platformClient.ApiClient.instance;
const RESOLVE = '/api/v2/externalcontacts/identityresolution/interactions';

for (const dialect of DIALECTS) {
  describe(`conversations and journey sessions (${dialect})`, () => {
    const kith = useTestKith(dialect);
    let api: InstanceType<typeof platformClient.ExternalContactsApi>;

    beforeAll(async () => {
      await kith.app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      client.setReturnExtendedResponses(false);
    });

    async function signIn() {
      client.setGateway({
        host: '127.0.0.1',
        protocol: 'http',
        port: (kith.app.server.address() as AddressInfo).port,
      });
      await client.loginClientCredentialsGrant(ADMIN_ID, ADMIN_SECRET);
      api = new platformClient.ExternalContactsApi();
    }

    async function interactions(contactId: string) {
      return ok<{ entities: { conversation?: { id: string }; outcome: string }[] }>(
        await kith.request('GET', `${CONTACTS}/${contactId}/interactions?pageSize=200`),
      ).entities;
    }

    it('associates a conversation, moves it to another contact, and dissociates it', async () => {
      await signIn();
      const ann = await postContact(kith, { firstName: 'Ann' });
      const bob = await postContact(kith, { firstName: 'Bob' });
      const conversationId = `conv-${Date.now()}`;
      await api.putExternalcontactsConversation(conversationId, {
        conversationId,
        externalContactId: ann.id,
        communicationId: 'comm-1',
        mediaType: 'email',
      });
      expect(await interactions(ann.id)).toMatchObject([
        { conversation: { id: conversationId }, outcome: 'associated', channel: 'email' },
      ]);
      await api.putExternalcontactsConversation(conversationId, {
        conversationId,
        externalContactId: bob.id,
        communicationId: 'comm-1',
        mediaType: 'email',
      });
      expect(await interactions(ann.id)).toEqual([]);
      expect((await interactions(bob.id)).map((i) => i.conversation?.id)).toEqual([conversationId]);
      await api.putExternalcontactsConversation(conversationId, {
        conversationId,
        communicationId: 'comm-1',
        mediaType: 'email',
      });
      expect(await interactions(bob.id)).toEqual([]);
    });

    it('moves the interactions resolution linked to a conversation', async () => {
      const conversationId = `conv-resolved-${Date.now()}`;
      const resolved = ok<{ contact: { id: string } }>(
        await kith.request('POST', RESOLVE, {
          body: {
            channel: 'voice',
            conversationId,
            identifiers: [{ type: 'Phone', value: '+13175554444' }],
          },
        }),
      );
      const right = await postContact(kith, { firstName: 'Right' });
      const res = await kith.request(
        'PUT',
        `/api/v2/externalcontacts/conversations/${conversationId}`,
        {
          body: {
            conversationId,
            externalContactId: right.id,
            communicationId: 'c',
            mediaType: 'call',
          },
        },
      );
      expect(res.statusCode).toBe(202);
      expect(await interactions(resolved.contact.id)).toEqual([]);
      expect(await interactions(right.id)).toHaveLength(1);
      expectGenesysError(
        await kith.request('PUT', `/api/v2/externalcontacts/conversations/${conversationId}`, {
          body: {
            conversationId,
            externalContactId: 'no-such-contact',
            communicationId: 'c',
            mediaType: 'call',
          },
        }),
        404,
      );
      const viewer = await kith.principal(['externalContacts:contact:view'], ['*']);
      expectGenesysError(
        await kith.request('PUT', `/api/v2/externalcontacts/conversations/${conversationId}`, {
          token: viewer.token,
          body: {
            conversationId,
            externalContactId: right.id,
            communicationId: 'c',
            mediaType: 'call',
          },
        }),
        403,
      );
    });

    it('lists journey sessions newest first, a page at a time with the after cursor', async () => {
      await signIn();
      const phone = '+13175553333';
      const created = ok<{ contact: { id: string }; interaction: { id: string } }>(
        await kith.request('POST', RESOLVE, {
          body: { channel: 'voice', identifiers: [{ type: 'Phone', value: phone }] },
        }),
      );
      const ids = [created.interaction.id];
      for (const channel of ['sms', 'whatsapp']) {
        const answer = ok<{ interaction: { id: string } }>(
          await kith.request('POST', RESOLVE, {
            body: { channel, identifiers: [{ type: 'Phone', value: phone }] },
          }),
        );
        ids.push(answer.interaction.id);
      }
      const contactId = created.contact.id;
      const first = await api.getExternalcontactsContactJourneySessions(contactId, {
        pageSize: '2',
      });
      expect(first.entities?.map((s) => s.id)).toEqual([ids[2], ids[1]]);
      expect(first.entities?.[0]).toMatchObject({
        type: 'conversation',
        eventCount: 1,
        externalContact: { id: contactId },
        conversationChannels: [{ type: 'Message', messageType: 'WhatsApp' }],
        lastEvent: { eventName: 'interaction.linked' },
      });
      const after = new URL(first.nextUri ?? '', 'http://x').searchParams.get('after') ?? '';
      const second = await api.getExternalcontactsContactJourneySessions(contactId, {
        pageSize: '2',
        after,
        includeMerged: true,
      });
      expect(second.entities?.map((s) => s.id)).toEqual([ids[0]]);
      expect(second.nextUri).toBeUndefined();
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${contactId}/journey/sessions?pageSize=201`),
        400,
      );
      expectGenesysError(
        await kith.request('GET', `${CONTACTS}/${contactId}/journey/sessions?after=garbage`),
        400,
      );
    });
  });
}
