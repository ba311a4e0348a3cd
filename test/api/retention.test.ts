import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { CONTACTS, expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith, type TestKith } from '../helpers/kith.js';
import { postContact } from '../helpers/contacts.js';
import { startSweeper } from '../../src/retention/retention.service.js';

const ROOT = '/api/v2/externalcontacts';
const RESOLVE = `${ROOT}/identityresolution/interactions`;
const SWEEP = `${ROOT}/retention/sweep`;
const SETTINGS = `${ROOT}/settings`;
const DAY = 24 * 60 * 60 * 1000;

function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY).toISOString();
}
function daysAhead(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString();
}

let counter = 0;
function cookie(): string {
  counter += 1;
  return `retention-cookie-${counter}-${Date.now()}`;
}

/** A web visitor seen once, `days` ago: an Ephemeral contact. */
async function visitor(kith: TestKith, value: string, occurredAt: string): Promise<string> {
  const answer = ok<{ outcome: string; contact: { id: string; type: string } }>(
    await kith.request('POST', RESOLVE, {
      body: { channel: 'webmessaging', identifiers: [{ type: 'Cookie', value }], occurredAt },
    }),
  );
  return answer.contact.id;
}

async function sweep(kith: TestKith, asOf?: string): Promise<number> {
  return ok<{ swept: number }>(
    await kith.request('POST', SWEEP, { body: asOf === undefined ? {} : { asOf } }),
  ).swept;
}

async function exists(kith: TestKith, id: string): Promise<boolean> {
  return (await kith.request('GET', `${CONTACTS}/${id}`)).statusCode === 200;
}

for (const dialect of DIALECTS) {
  describe(`retention of auto-created contacts (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('keeps the retention period as an organization setting, 60 days unless changed', async () => {
      expect(ok<{ retentionDays: number }>(await kith.request('GET', SETTINGS)).retentionDays).toBe(
        60,
      );
      expect(
        ok<{ retentionDays: number }>(
          await kith.request('PUT', SETTINGS, { body: { retentionDays: 30 } }),
        ).retentionDays,
      ).toBe(30);
      for (const bad of [0, 3651, 2.5])
        expectGenesysError(
          await kith.request('PUT', SETTINGS, { body: { retentionDays: bad } }),
          400,
        );
      const reset = ok<{ retentionDays: number; identifierBlocklist: string[] }>(
        await kith.request('PUT', SETTINGS, { body: { retentionDays: null } }),
      );
      expect(reset.retentionDays).toBe(60);
      expect(reset.identifierBlocklist).toContain('unknown');
    });

    it('deletes a contact 60 days after its last interaction, with its interactions, and records why', async () => {
      const old = await visitor(kith, cookie(), daysAgo(61));
      const recent = await visitor(kith, cookie(), daysAgo(10));
      const curated = await postContact(kith, { firstName: 'Forever' });
      const swept = await sweep(kith);
      expect(swept).toBeGreaterThanOrEqual(1);
      expect(await exists(kith, old)).toBe(false);
      expect(await exists(kith, recent)).toBe(true);
      expect(await exists(kith, curated.id)).toBe(true);
      const interactions = await kith.database.db
        .selectFrom('interactions')
        .select('id')
        .where('contact_id', '=', old)
        .execute();
      expect(interactions).toEqual([]);
      const events = await kith.database.db
        .selectFrom('events')
        .select(['kind', 'payload'])
        .where('entity_id', '=', old)
        .where('kind', '=', 'expired')
        .execute();
      expect(events).toHaveLength(1);
      // The claim went with it: the same visitor now makes a new contact.
    });

    it('renews a contact at every interaction, so it lives 60 days after the last one', async () => {
      const value = cookie();
      const id = await visitor(kith, value, daysAgo(50));
      await visitor(kith, value, daysAgo(1));
      expect(await sweep(kith, daysAhead(30))).toBe(0);
      expect(await exists(kith, id)).toBe(true);
      await sweep(kith, daysAhead(60));
      expect(await exists(kith, id)).toBe(false);
      // The cookie is free again: its next visit is a new contact.
      const again = await visitor(kith, value, new Date().toISOString());
      expect(again).not.toBe(id);
    });

    it('follows a changed retention period at once', async () => {
      const id = await visitor(kith, cookie(), daysAgo(20));
      ok(await kith.request('PUT', SETTINGS, { body: { retentionDays: 10 } }));
      try {
        await sweep(kith);
        expect(await exists(kith, id)).toBe(false);
      } finally {
        ok(await kith.request('PUT', SETTINGS, { body: { retentionDays: null } }));
      }
    });

    it('never expires a promoted or edited contact', async () => {
      const promoted = await visitor(kith, cookie(), daysAgo(90));
      ok(await kith.request('POST', `${CONTACTS}/${promoted}/promotion`));
      const edited = await visitor(kith, cookie(), daysAgo(90));
      const current = ok<Record<string, unknown>>(
        await kith.request('GET', `${CONTACTS}/${edited}`),
      );
      ok(
        await kith.request('PUT', `${CONTACTS}/${edited}`, {
          body: { ...current, firstName: 'Kept' },
        }),
      );
      await sweep(kith);
      expect(await exists(kith, promoted)).toBe(true);
      expect(await exists(kith, edited)).toBe(true);
    });

    it('sweeps by itself every KITH_SWEEP_INTERVAL_SECONDS', async () => {
      const id = await visitor(kith, cookie(), daysAgo(75));
      const errors: unknown[] = [];
      const sweeper = startSweeper(kith.database.db, 1, (error) => errors.push(error));
      try {
        for (let waited = 0; waited < 10_000 && (await exists(kith, id)); waited += 200)
          await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        await sweeper.stop();
      }
      expect(await exists(kith, id)).toBe(false);
      expect(errors).toEqual([]);
    });

    it('needs settings:edit to sweep and a readable asOf', async () => {
      const agent = await kith.principal(['externalContacts:contact:view'], ['*']);
      expectGenesysError(await kith.request('POST', SWEEP, { token: agent.token, body: {} }), 403);
      expectGenesysError(await kith.request('POST', SWEEP, { body: { asOf: 'yesterday' } }), 400);
    });

    it('never loses an interaction that arrives while a sweep deletes its contact', async () => {
      // 60 expired visitors; each comes back while the sweep runs. Whatever the interleaving,
      // every answered interaction is stored, on a contact that exists afterwards.
      const values = Array.from({ length: 60 }, () => cookie());
      for (const value of values) await visitor(kith, value, daysAgo(70));
      const [answers] = await Promise.all([
        Promise.all(
          values.map(async (value) =>
            ok<{ contact: { id: string }; interaction: { id: string } }>(
              await kith.request('POST', RESOLVE, {
                body: { channel: 'webmessaging', identifiers: [{ type: 'Cookie', value }] },
              }),
            ),
          ),
        ),
        sweep(kith),
      ]);
      for (const answer of answers) {
        const row = await kith.database.db
          .selectFrom('interactions')
          .select('contact_id')
          .where('id', '=', answer.interaction.id)
          .executeTakeFirst();
        expect(row?.contact_id).toBe(answer.contact.id);
        expect(await exists(kith, answer.contact.id)).toBe(true);
      }
    });
  });
}
