import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { Resolver } from '../../src/resolution/resolution.service.js';
import { RESOLVE as RESOLVE_PERMISSION } from '../../src/resolution/resolution.service.js';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, createDivision, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { postContact, postExternalSource, type ContactView } from '../helpers/contacts.js';

const ROOT = '/api/v2/externalcontacts';
const RESOLVE = `${ROOT}/identityresolution/interactions`;
const SETTINGS = `${ROOT}/identityresolution/settings`;
const REVIEWS = `${ROOT}/identityresolution/reviews`;

interface Resolution {
  outcome: 'linked' | 'created' | 'ambiguous' | 'skipped';
  contact?: ContactView & { type: string };
  matchedOn?: { type: string; value: string; via: 'claim' | 'contactPoint' };
  candidates: { id: string }[];
  interaction?: { id: string; outcome: string; channel: string; occurredAt: string };
  review?: { id: string };
  reason?: string;
  droppedIdentifiers?: { type: string; value: string; reason: string }[];
}

interface Identifier {
  type: string;
  value: string;
  externalSource?: { id: string };
}

async function resolve(
  kith: TestKith,
  body: { channel: string; identifiers: Identifier[] } & Record<string, unknown>,
  token?: string,
): Promise<Resolution> {
  return ok<Resolution>(
    await kith.request('POST', RESOLVE, { body, ...(token === undefined ? {} : { token }) }),
  );
}

function voice(kith: TestKith, phone: string, extra: Record<string, unknown> = {}) {
  return resolve(kith, {
    channel: 'voice',
    identifiers: [{ type: 'Phone', value: phone }],
    ...extra,
  });
}

async function identifiersOf(kith: TestKith, contactId: string): Promise<string[]> {
  const listed = ok<
    { type: string; value: string }[] | { entities: { type: string; value: string }[] }
  >(await kith.request('GET', `${CONTACTS}/${contactId}/identifiers`));
  const entities = Array.isArray(listed) ? listed : listed.entities;
  return entities.map((i) => `${i.type}:${i.value}`).sort();
}

async function interactionsOf(kith: TestKith, contactId: string) {
  return ok<{ entities: { id: string; outcome: string; matchedOn?: { via: string } }[] }>(
    await kith.request('GET', `${CONTACTS}/${contactId}/interactions?pageSize=200`),
  ).entities;
}

let counter = 0;
/** A US number nobody else in the file uses. */
function freshPhone(): string {
  counter += 1;
  return `+1317555${String(1000 + counter).slice(-4)}`;
}

for (const dialect of DIALECTS) {
  describe(`identity resolution (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('creates an Identified contact for an unknown phone, then links later calls to it', async () => {
      const phone = freshPhone();
      const national = `(317) 555-${phone.slice(-4)}`;
      const first = await voice(kith, national, { conversationId: 'conv-1', name: 'Ada Lovelace' });
      expect(first.outcome).toBe('created');
      expect(first.contact).toMatchObject({
        type: 'Identified',
        firstName: 'Ada',
        lastName: 'Lovelace',
        cellPhone: { e164: phone },
        division: { id: '*' },
      });
      const id = first.contact?.id as string;
      expect(await identifiersOf(kith, id)).toEqual([`Phone:${phone}`]);

      // Any format the telephony system sends finds the same customer, through the claim.
      const second = await voice(kith, `+1 317 555 ${phone.slice(-4)}`);
      expect(second).toMatchObject({
        outcome: 'linked',
        contact: { id },
        matchedOn: { type: 'Phone', value: phone, via: 'claim' },
      });
      const history = await interactionsOf(kith, id);
      expect(history.map((i) => i.id)).toEqual([second.interaction?.id, first.interaction?.id]);
      expect(history.map((i) => i.outcome)).toEqual(['linked', 'created']);
    });

    it('links a curated contact through its contact point, and it claims the phone for next time', async () => {
      const phone = freshPhone();
      const curated = await postContact(kith, {
        firstName: 'Grace',
        workPhone: { display: phone },
      });
      const first = await voice(kith, phone);
      expect(first).toMatchObject({
        outcome: 'linked',
        contact: { id: curated.id, type: 'Curated' },
        matchedOn: { via: 'contactPoint' },
      });
      expect(await identifiersOf(kith, curated.id)).toEqual([`Phone:${phone}`]);
      expect((await voice(kith, phone)).matchedOn?.via).toBe('claim');
    });

    it('makes an Ephemeral contact for a cookie alone, and grows it with identifiers it sees later', async () => {
      const cookie = `cookie-${freshPhone()}`;
      const first = await resolve(kith, {
        channel: 'webmessaging',
        identifiers: [{ type: 'Cookie', value: cookie }],
      });
      expect(first).toMatchObject({ outcome: 'created', contact: { type: 'Ephemeral' } });
      const id = first.contact?.id as string;
      const second = await resolve(kith, {
        channel: 'webmessaging',
        identifiers: [
          { type: 'Email', value: `Web.${counter}@Example.com` },
          { type: 'Cookie', value: cookie },
        ],
      });
      // The cookie comes first on web messaging whatever the order sent.
      expect(second).toMatchObject({
        outcome: 'linked',
        contact: { id },
        matchedOn: { type: 'Cookie' },
      });
      expect(await identifiersOf(kith, id)).toEqual(
        [`Cookie:${cookie}`, `Email:web.${counter}@example.com`].sort(),
      );
    });

    it('tries identifiers in the channel priority: the cookie wins over an email of someone else', async () => {
      const cookie = `cookie-prio-${freshPhone()}`;
      const email = `prio${counter}@example.com`;
      const byCookie = (
        await resolve(kith, {
          channel: 'webmessaging',
          identifiers: [{ type: 'Cookie', value: cookie }],
        })
      ).contact?.id;
      const byEmail = await postContact(kith, { firstName: 'Other', personalEmail: email });
      const result = await resolve(kith, {
        channel: 'webmessaging',
        identifiers: [
          { type: 'Email', value: email },
          { type: 'Cookie', value: cookie },
        ],
      });
      expect(result.contact?.id).toBe(byCookie);
      expect(result.contact?.id).not.toBe(byEmail.id);
    });

    it('matches open messaging on the opaque id of the channel external source, then phone', async () => {
      const sourceId = await postExternalSource(kith, `open-${freshPhone()}`);
      ok(
        await kith.request('PUT', `${SETTINGS}/openmessaging`, {
          body: { externalSourceId: sourceId },
        }),
      );
      const phone = freshPhone();
      const first = await resolve(kith, {
        channel: 'openmessaging',
        identifiers: [
          { type: 'ExternalId', value: 'opaque-1' },
          { type: 'Phone', value: phone },
        ],
      });
      expect(first.contact).toMatchObject({
        type: 'Identified',
        externalIds: [{ externalSource: { id: sourceId }, value: 'opaque-1' }],
      });
      const byPhone = await resolve(kith, {
        channel: 'openmessaging',
        identifiers: [{ type: 'Phone', value: phone }],
      });
      expect(byPhone).toMatchObject({ outcome: 'linked', contact: { id: first.contact?.id } });
      const byOpaque = await resolve(kith, {
        channel: 'openmessaging',
        identifiers: [{ type: 'ExternalId', value: 'opaque-1', externalSource: { id: sourceId } }],
      });
      expect(byOpaque.matchedOn).toEqual({ type: 'ExternalId', value: 'opaque-1', via: 'claim' });
    });

    it('drops junk, unusable and unauthenticated identifiers, saying why, and skips when none is left', async () => {
      const sourceId = await postExternalSource(kith, `web-${freshPhone()}`);
      const result = await resolve(kith, {
        channel: 'voice',
        identifiers: [
          { type: 'Phone', value: '000-000-0000' },
          { type: 'Email', value: 'someone@example.com' },
          { type: 'Shoe', value: '42' },
        ],
      });
      expect(result.outcome).toBe('skipped');
      expect(result.reason).toMatch(/no identifier this channel matches on/);
      expect(result.droppedIdentifiers?.map((d) => d.type)).toEqual(['Phone', 'Shoe', 'Email']);
      expect(result.droppedIdentifiers?.[0]?.reason).toMatch(/not a valid phone number/);
      const web = await resolve(kith, {
        channel: 'webmessaging',
        identifiers: [
          { type: 'Cookie', value: 'Unknown' },
          { type: 'Cookie', value: `c-${freshPhone()}` },
          { type: 'ExternalId', value: 'login-1', externalSource: { id: sourceId } },
        ],
      });
      expect(web.outcome).toBe('created');
      expect(web.droppedIdentifiers?.map((d) => d.reason)).toEqual([
        "on the organization's blocklist of junk values",
        'a web messaging external id is matched only when the customer is authenticated',
      ]);
    });

    it('links several matches to the first-created, says ambiguous, and opens a review', async () => {
      const phone = freshPhone();
      const older = await postContact(kith, { firstName: 'Alexis', homePhone: { display: phone } });
      const newer = await postContact(kith, { firstName: 'David', homePhone: { display: phone } });
      const result = await voice(kith, phone);
      expect(result.outcome).toBe('ambiguous');
      expect(result.contact?.id).toBe(older.id);
      expect(result.candidates.map((c) => c.id)).toEqual([older.id, newer.id]);
      const reviewId = result.review?.id as string;
      const queue = ok<{
        entities: { id: string; candidates: { id: string }[]; reason: string }[];
      }>(await kith.request('GET', REVIEWS));
      const review = queue.entities.find((r) => r.id === reviewId);
      expect(review?.candidates.map((c) => c.id)).toEqual([older.id, newer.id]);
      expect(review?.reason).toContain(phone);

      // The agent says it was David: the interaction moves to him, and he claims the number.
      const resolved = ok<{ status: string }>(
        await kith.request('POST', `${REVIEWS}/${reviewId}/resolve`, {
          body: { action: 'choose', contactId: newer.id },
        }),
      );
      expect(resolved.status).toBe('resolved');
      expect((await interactionsOf(kith, newer.id)).map((i) => i.id)).toContain(
        result.interaction?.id,
      );
      expect(await voice(kith, phone)).toMatchObject({
        outcome: 'linked',
        contact: { id: newer.id },
        matchedOn: { via: 'claim' },
      });
      expectGenesysError(
        await kith.request('POST', `${REVIEWS}/${reviewId}/resolve`, {
          body: { action: 'dismiss' },
        }),
        409,
      );
      const closed = ok<{ entities: { id: string }[] }>(
        await kith.request('GET', `${REVIEWS}?status=resolved`),
      );
      expect(closed.entities.map((r) => r.id)).toContain(reviewId);
    });

    it('choosing a candidate of an ambiguous external id claims it with its source', async () => {
      const sourceId = await postExternalSource(kith, `crm-${freshPhone()}`);
      const value = `cust-${freshPhone()}`;
      const externalIds = [{ externalSource: { id: sourceId }, value }];
      await postContact(kith, { firstName: 'Older', externalIds });
      const newer = await postContact(kith, { firstName: 'Newer', externalIds });
      const identifiers = [{ type: 'ExternalId', value, externalSource: { id: sourceId } }];
      const result = await resolve(kith, { channel: 'openmessaging', identifiers });
      expect(result.outcome).toBe('ambiguous');
      const resolved = ok<{ resolution: { claimed: boolean } }>(
        await kith.request('POST', `${REVIEWS}/${result.review?.id as string}/resolve`, {
          body: { action: 'choose', contactId: newer.id },
        }),
      );
      expect(resolved.resolution.claimed).toBe(true);
      expect(await resolve(kith, { channel: 'openmessaging', identifiers })).toMatchObject({
        outcome: 'linked',
        contact: { id: newer.id },
        matchedOn: { via: 'claim' },
      });
    });

    it('resolves a review by merging its candidates into one Canonical contact', async () => {
      const phone = freshPhone();
      const first = await postContact(kith, { firstName: 'Twin', homePhone: { display: phone } });
      const second = await postContact(kith, { lastName: 'Twin', homePhone: { display: phone } });
      const result = await voice(kith, phone);
      expect(result.outcome).toBe('ambiguous');
      const resolved = ok<{ status: string; resolution: { action: string; contactId: string } }>(
        await kith.request('POST', `${REVIEWS}/${result.review?.id as string}/resolve`, {
          body: { action: 'merge' },
        }),
      );
      expect(resolved).toMatchObject({ status: 'resolved', resolution: { action: 'merge' } });
      const merged = ok<ContactView & { mergedFrom: { id: string }[] }>(
        await kith.request('GET', `${CONTACTS}/${resolved.resolution.contactId}`),
      );
      expect(merged.type).toBe('Canonical');
      expect(merged.mergedFrom.map((c) => c.id).sort()).toEqual([first.id, second.id].sort());
      // The next call from the number finds the one merged contact.
      expect(await voice(kith, phone)).toMatchObject({
        outcome: 'linked',
        contact: { id: merged.id },
      });
    });

    it('dismisses a review, and shows reviews only to principals of their division', async () => {
      const phone = freshPhone();
      const east = await createDivision(kith, `East ${phone}`);
      for (const name of ['One', 'Two'])
        await postContact(kith, {
          firstName: name,
          homePhone: { display: phone },
          division: { id: east },
        });
      const result = await voice(kith, phone);
      expect(result.outcome).toBe('ambiguous');
      const reviewId = result.review?.id as string;
      const outsider = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:contact:edit'],
        [await createDivision(kith, `West ${phone}`)],
      );
      expectGenesysError(
        await kith.request('GET', `${REVIEWS}/${reviewId}`, { token: outsider.token }),
        404,
      );
      const listed = ok<{ entities: { id: string }[] }>(
        await kith.request('GET', REVIEWS, { token: outsider.token }),
      );
      expect(listed.entities.map((r) => r.id)).not.toContain(reviewId);
      expectGenesysError(
        await kith.request('POST', `${REVIEWS}/${reviewId}/resolve`, { body: { action: 'split' } }),
        400,
      );
      const dismissed = ok<{ status: string; resolution: { action: string } }>(
        await kith.request('POST', `${REVIEWS}/${reviewId}/resolve`, {
          body: { action: 'dismiss' },
        }),
      );
      expect(dismissed).toMatchObject({ status: 'dismissed', resolution: { action: 'dismiss' } });
      // The first-created contact keeps the interaction.
      expect((await interactionsOf(kith, result.contact?.id as string)).map((i) => i.id)).toContain(
        result.interaction?.id,
      );
    });

    it('obeys the channel settings: off is skipped, no creation is skipped, a division is used', async () => {
      const sales = await createDivision(kith, `Sales ${freshPhone()}`);
      const settings = ok<{ division: { id: string }; resolveIdentities: boolean }>(
        await kith.request('PUT', `${SETTINGS}/sms`, { body: { divisionId: sales } }),
      );
      expect(settings).toMatchObject({ division: { id: sales }, resolveIdentities: true });
      const created = await resolve(kith, {
        channel: 'sms',
        identifiers: [{ type: 'Phone', value: freshPhone() }],
      });
      expect(created.contact?.division.id).toBe(sales);

      ok(await kith.request('PUT', `${SETTINGS}/sms`, { body: { createContacts: false } }));
      const unknown = await resolve(kith, {
        channel: 'sms',
        identifiers: [{ type: 'Phone', value: freshPhone() }],
      });
      expect(unknown).toMatchObject({ outcome: 'skipped' });
      expect(unknown.reason).toMatch(/create none/);

      ok(await kith.request('PUT', `${SETTINGS}/sms`, { body: { resolveIdentities: false } }));
      expect(
        (
          await resolve(kith, {
            channel: 'sms',
            identifiers: [{ type: 'Phone', value: freshPhone() }],
          })
        ).outcome,
      ).toBe('skipped');
      const read = ok<{
        resolveIdentities: boolean;
        createContacts: boolean;
        division: { id: string };
      }>(await kith.request('GET', `${SETTINGS}/sms`));
      expect(read).toMatchObject({
        resolveIdentities: false,
        createContacts: false,
        division: { id: sales },
      });
      expectGenesysError(await kith.request('GET', `${SETTINGS}/pigeon`), 400);
      expectGenesysError(
        await kith.request('PUT', `${SETTINGS}/voice`, {
          body: { divisionId: 'no-such-division' },
        }),
        400,
      );
    });

    it('accepts a backfill, refuses a time more than five minutes ahead, and checks the body', async () => {
      const past = await voice(kith, freshPhone(), { occurredAt: '2026-01-02T03:04:05.000Z' });
      expect(past.interaction?.occurredAt).toBe('2026-01-02T03:04:05.000Z');
      const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
      const refused = await kith.request('POST', RESOLVE, {
        body: {
          channel: 'voice',
          identifiers: [{ type: 'Phone', value: freshPhone() }],
          occurredAt: ahead,
        },
      });
      expect(expectGenesysError(refused, 400).message).toMatch(/5 minutes in the future/);
      expectGenesysError(
        await kith.request('POST', RESOLVE, {
          body: { channel: 'carrier-pigeon', identifiers: [{ type: 'Phone', value: '1' }] },
        }),
        400,
      );
      expectGenesysError(
        await kith.request('POST', RESOLVE, { body: { channel: 'voice', identifiers: [] } }),
        400,
      );
    });

    it('needs the resolve permission, and sees only the divisions it may resolve in', async () => {
      const support = await createDivision(kith, `Support ${freshPhone()}`);
      const phone = freshPhone();
      const hidden = await postContact(kith, {
        firstName: 'Hidden',
        cellPhone: { display: phone },
        division: { id: support },
      });
      const viewer = await kith.principal(['externalContacts:contact:view'], ['*']);
      expectGenesysError(
        await kith.request('POST', RESOLVE, {
          token: viewer.token,
          body: { channel: 'voice', identifiers: [{ type: 'Phone', value: phone }] },
        }),
        403,
      );
      const home = await createDivision(kith, `Home ${freshPhone()}`);
      const flows = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:identity:resolve'],
        [home],
      );
      ok(await kith.request('PUT', `${SETTINGS}/email`, { body: { divisionId: home } }));
      const result = await resolve(
        kith,
        { channel: 'voice', identifiers: [{ type: 'Phone', value: phone }], divisionId: home },
        flows.token,
      );
      // The contact in Support is invisible to it: the customer is new there, in its division.
      expect(result.outcome).toBe('created');
      expect(result.contact?.id).not.toBe(hidden.id);
      expect(result.contact?.division.id).toBe(home);
      expectGenesysError(
        await kith.request('POST', RESOLVE, {
          token: flows.token,
          body: {
            channel: 'voice',
            identifiers: [{ type: 'Phone', value: freshPhone() }],
            divisionId: support,
          },
        }),
        403,
      );
    });

    it('creates exactly one contact for 50 simultaneous interactions with one new identifier', async () => {
      const phone = freshPhone();
      const results = await Promise.all(Array.from({ length: 50 }, () => voice(kith, phone)));
      const ids = new Set(results.map((r) => r.contact?.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'linked')).toHaveLength(49);
      const id = [...ids][0] as string;
      expect(await interactionsOf(kith, id)).toHaveLength(50);
      const contacts = await kith.database.db
        .selectFrom('contact_points')
        .select('contact_id')
        .where('org_id', '=', kith.orgId)
        .where('kind', '=', 'Phone')
        .where('value', '=', phone)
        .execute();
      expect(contacts).toEqual([{ contact_id: id }]);
    });

    it.runIf(dialect === 'postgres')(
      'links every interaction when two writers sharing the database renew and claim the same contacts at once',
      async () => {
        // Two Kith processes are two connection pools on one database: their batches commit
        // at the same time, renewing the same contacts and claiming the same identifiers.
        const other = openDatabase({
          url: kith.database.location.url!,
          pgSchema: kith.database.location.pgSchema!,
          poolSize: 4,
        });
        try {
          const phones = Array.from({ length: 12 }, () => freshPhone());
          const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString();
          const contacts = await Promise.all(
            phones.map((phone) => voice(kith, phone, { occurredAt: tenDaysAgo })),
          );
          const { principal } = await kith.principal([RESOLVE_PERMISSION], ['*']);
          const writers = [new Resolver(kith.database.db), new Resolver(other.db)];
          // Each writer meets the phones in the other's reverse order, every round an hour later
          // (each link renews its contact) and with an email nobody claims yet (each link
          // claims it, both writers the same one).
          const results = await Promise.all(
            Array.from({ length: 8 }, (_, round) =>
              writers.map((writer, w) =>
                Promise.all(
                  (w === 0 ? phones : [...phones].reverse()).map((phone) =>
                    writer.resolve(principal, {
                      channel: 'webmessaging',
                      identifiers: [
                        { type: 'Email', value: `round${round}.${phone.slice(1)}@example.com` },
                        { type: 'Phone', value: phone },
                      ],
                      occurredAt: new Date(Date.now() - (8 - round) * 3_600_000).toISOString(),
                    }),
                  ),
                ),
              ),
            ).flat(),
          );
          const outcomes = results.flat().map((r) => r.outcome);
          expect(outcomes).toHaveLength(8 * 2 * 12);
          expect(new Set(outcomes)).toEqual(new Set(['linked']));
          for (const [k, phone] of phones.entries()) {
            const linked = results
              .flat()
              .filter((r) => r.interaction?.identifiers.some((i) => i.value === phone));
            expect(linked).toHaveLength(16);
            expect(new Set(linked.map((r) => r.contact?.id))).toEqual(
              new Set([contacts[k]?.contact?.id]),
            );
          }
        } finally {
          await other.destroy();
        }
      },
    );

    it('records the outcome as events, the creation in the audit log, and who sent the interaction', async () => {
      const first = await voice(kith, freshPhone());
      const id = first.contact?.id as string;
      const events = await kith.database.db
        .selectFrom('events')
        .select(['kind', 'topic'])
        .where('org_id', '=', kith.orgId)
        .where('entity_id', '=', id)
        .orderBy('id')
        .execute();
      expect(events.map((e) => e.kind)).toEqual(['created', 'interaction']);
      expect(events.every((e) => e.topic === `v2.externalcontacts.contacts.${id}`)).toBe(true);
      const audit = await kith.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('org_id', '=', kith.orgId)
        .where('entity_id', '=', id)
        .execute();
      // The interaction is its own audit record: who sent it, when and why it was linked.
      expect(audit.map((a) => a.action)).toEqual(['created']);
      const stored = await kith.database.db
        .selectFrom('interactions')
        .select(['principal_id', 'outcome'])
        .where('id', '=', first.interaction?.id as string)
        .executeTakeFirst();
      expect(stored).toEqual({ principal_id: expect.any(String), outcome: 'created' });
      const metrics = await kith.request('GET', '/metrics', { token: null });
      expect(metrics.body).toMatch(/kith_resolution_outcomes_total\{outcome="created"\} [1-9]/);
    });
  });
}
