import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';
import { postContact, type ContactView } from '../helpers/contacts.js';

const RESOLVE = '/api/v2/externalcontacts/identityresolution/interactions';

for (const dialect of DIALECTS) {
  describe(`moving a contact to another division (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('makes a new contact there with the same data, identifiers, notes and history; the old id answers with it', async () => {
      const from = await createDivision(kith, `Move from ${dialect}`);
      const to = await createDivision(kith, `Move to ${dialect}`);
      const contact = await postContact(kith, {
        firstName: 'Moving',
        lastName: 'Person',
        cellPhone: { display: '+1 317 555 0190' },
        division: { id: from },
      });
      ok(
        await kith.request('PATCH', `${CONTACTS}/${contact.id}/identifiers`, {
          body: { operation: 'Claim', identifier: { type: 'Phone', value: '+13175550190' } },
        }),
      );
      ok(
        await kith.request('POST', `${CONTACTS}/${contact.id}/notes`, {
          body: { noteText: 'moves along' },
        }),
      );
      ok(
        await kith.request('POST', RESOLVE, {
          body: { channel: 'voice', identifiers: [{ type: 'Phone', value: '+13175550190' }] },
        }),
      );
      const moved = ok<ContactView>(
        await kith.request('POST', `${CONTACTS}/${contact.id}/move`, { body: { divisionId: to } }),
      );
      expect(moved.id).not.toBe(contact.id);
      expect(moved).toMatchObject({
        division: { id: to },
        firstName: 'Moving',
        lastName: 'Person',
        cellPhone: { e164: '+13175550190' },
        type: 'Curated',
        createDate: contact.createDate,
      });
      expect(ok<ContactView>(await kith.request('GET', `${CONTACTS}/${contact.id}`)).id).toBe(
        moved.id,
      );
      const identifiers = ok<{ entities: { value: string; division: { id: string } }[] }>(
        await kith.request('GET', `${CONTACTS}/${moved.id}/identifiers`),
      );
      expect(identifiers.entities).toMatchObject([{ value: '+13175550190', division: { id: to } }]);
      const notes = ok<{ entities: { noteText: string }[] }>(
        await kith.request('GET', `${CONTACTS}/${moved.id}/notes`),
      );
      expect(notes.entities.map((n) => n.noteText)).toEqual(['moves along']);
      const interactions = ok<{ entities: unknown[] }>(
        await kith.request('GET', `${CONTACTS}/${moved.id}/interactions`),
      );
      expect(interactions.entities).toHaveLength(1);
      const found = ok<{ entities: { id: string }[] }>(
        await kith.request('GET', `${CONTACTS}?q=${encodeURIComponent('+13175550190')}`),
      );
      expect(found.entities.map((e) => e.id)).toEqual([moved.id]);
      const events = await kith.database.db
        .selectFrom('events')
        .select(['kind'])
        .where('entity_id', '=', contact.id)
        .where('kind', '=', 'moved')
        .execute();
      expect(events).toHaveLength(1);
      // A second move: the first id still leads to the contact's latest id.
      const again = ok<ContactView>(
        await kith.request('POST', `${CONTACTS}/${moved.id}/move`, { body: { divisionId: '*' } }),
      );
      expect(ok<ContactView>(await kith.request('GET', `${CONTACTS}/${contact.id}`)).id).toBe(
        again.id,
      );
    });

    it('needs delete on the old division and add on the new one', async () => {
      const from = await createDivision(kith, `Guarded from ${dialect}`);
      const to = await createDivision(kith, `Guarded to ${dialect}`);
      const contact = await postContact(kith, { firstName: 'Guarded', division: { id: from } });
      const view = 'externalContacts:contact:view';
      const adder = await kith.principal(
        [view, 'externalContacts:contact:add', 'externalContacts:contact:delete'],
        [to],
      );
      const canSeeOld = await kith.principal([view], [from]);
      const deleterOnly = await kith.principal(
        [view, 'externalContacts:contact:delete'],
        [from, to],
      );
      for (const token of [canSeeOld.token, deleterOnly.token])
        expectGenesysError(
          await kith.request('POST', `${CONTACTS}/${contact.id}/move`, {
            body: { divisionId: to },
            token,
          }),
          403,
        );
      // A principal that cannot see the contact does not learn it exists.
      expectGenesysError(
        await kith.request('POST', `${CONTACTS}/${contact.id}/move`, {
          body: { divisionId: to },
          token: adder.token,
        }),
        404,
      );
    });

    it('refuses a move that cannot be made, saying why', async () => {
      const here = await createDivision(kith, `Refuse here ${dialect}`);
      const there = await createDivision(kith, `Refuse there ${dialect}`);
      const contact = await postContact(kith, { firstName: 'Stays', division: { id: here } });
      const holder = await postContact(kith, { firstName: 'Holder', division: { id: there } });
      for (const id of [contact.id, holder.id])
        ok(
          await kith.request('PATCH', `${CONTACTS}/${id}/identifiers`, {
            body: { operation: 'Claim', identifier: { type: 'Cookie', value: `both-${dialect}` } },
          }),
        );
      const move = (body: unknown) =>
        kith.request('POST', `${CONTACTS}/${contact.id}/move`, { body });
      expect(expectGenesysError(await move({ divisionId: here }), 400).message).toMatch(
        /in that division already/,
      );
      expect(
        expectGenesysError(await move({ divisionId: '00000000-0000-7000-8000-00000000dead' }), 400)
          .message,
      ).toMatch(/does not exist/);
      expect(expectGenesysError(await move({}), 400).message).toMatch(/divisionId/);
      const taken = expectGenesysError(await move({ divisionId: there }), 409);
      expect(taken.message).toContain(holder.id);
      expect(
        ok<ContactView>(await kith.request('GET', `${CONTACTS}/${contact.id}`)).division.id,
      ).toBe(here);
    });
  });
}
