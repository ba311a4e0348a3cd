import { describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/databases.js';
import { expectGenesysError, ok } from '../helpers/http.js';
import { useTestKith } from '../helpers/kith.js';
import { EXTERNAL_SOURCES } from '../helpers/contacts.js';

interface SourceView {
  id: string;
  name: string;
  active: boolean;
  linkConfiguration?: { uriTemplate: string };
  selfUri: string;
}

interface SourcePage {
  entities: SourceView[];
  cursors?: { after?: string };
  nextUri?: string;
  selfUri: string;
}

for (const dialect of DIALECTS) {
  describe(`external sources (${dialect})`, () => {
    const kith = useTestKith(dialect);

    it('creates, reads, updates and deletes a source', async () => {
      const created = ok<SourceView>(
        await kith.request('POST', EXTERNAL_SOURCES, {
          body: {
            name: 'Salesforce',
            linkConfiguration: { uriTemplate: 'https://crm.example.com/c/{{externalId}}' },
          },
        }),
      );
      expect(created).toEqual({
        id: expect.any(String),
        name: 'Salesforce',
        active: true,
        linkConfiguration: { uriTemplate: 'https://crm.example.com/c/{{externalId}}' },
        selfUri: `${EXTERNAL_SOURCES}/${created.id}`,
      });
      expect(
        ok<SourceView>(await kith.request('GET', `${EXTERNAL_SOURCES}/${created.id}`)),
      ).toEqual(created);

      const updated = ok<SourceView>(
        await kith.request('PUT', `${EXTERNAL_SOURCES}/${created.id}`, {
          body: { name: 'Salesforce EU', active: false },
        }),
      );
      expect(updated).toMatchObject({ id: created.id, name: 'Salesforce EU', active: false });
      expect(updated.linkConfiguration).toBeUndefined();
      expect(
        ok<SourceView>(await kith.request('GET', `${EXTERNAL_SOURCES}/${created.id}`)),
      ).toEqual(updated);

      const deleted = await kith.request('DELETE', `${EXTERNAL_SOURCES}/${created.id}`);
      expect(ok<unknown>(deleted)).toEqual({});
      expectGenesysError(
        await kith.request('GET', `${EXTERNAL_SOURCES}/${created.id}`),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('DELETE', `${EXTERNAL_SOURCES}/${created.id}`),
        404,
        'not.found',
      );
      expectGenesysError(
        await kith.request('PUT', `${EXTERNAL_SOURCES}/${created.id}`, { body: { name: 'Gone' } }),
        404,
        'not.found',
      );
    });

    it('answers a duplicate name, in any case, with 409 on create and on rename', async () => {
      ok(await kith.request('POST', EXTERNAL_SOURCES, { body: { name: 'Zendesk' } }));
      for (const name of ['Zendesk', 'ZENDESK', 'zendesk', '  Zendesk ']) {
        expectGenesysError(
          await kith.request('POST', EXTERNAL_SOURCES, { body: { name } }),
          409,
          'conflict',
        );
      }
      const other = ok<SourceView>(
        await kith.request('POST', EXTERNAL_SOURCES, { body: { name: 'HubSpot' } }),
      );
      expectGenesysError(
        await kith.request('PUT', `${EXTERNAL_SOURCES}/${other.id}`, { body: { name: 'zenDesk' } }),
        409,
        'conflict',
      );
      // Renaming a source to its own name in another case is no conflict.
      expect(
        ok<SourceView>(
          await kith.request('PUT', `${EXTERNAL_SOURCES}/${other.id}`, {
            body: { name: 'HUBSPOT' },
          }),
        ).name,
      ).toBe('HUBSPOT');
    });

    it('creates one source out of concurrent creates with the same name, answering 409 to the rest', async () => {
      const answers = await Promise.all(
        ['Racing', 'racing', 'RACING', 'Racing', 'racing '].map((name) =>
          kith.request('POST', EXTERNAL_SOURCES, { body: { name } }),
        ),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409, 409, 409]);
    });

    it('refuses an empty name or a bad uriTemplate with 400', async () => {
      expectGenesysError(
        await kith.request('POST', EXTERNAL_SOURCES, { body: { name: '   ' } }),
        400,
      );
      expectGenesysError(await kith.request('POST', EXTERNAL_SOURCES, { body: {} }), 400);
      expectGenesysError(
        await kith.request('POST', EXTERNAL_SOURCES, {
          body: { name: 'Bad link', linkConfiguration: { uriTemplate: 'not a url' } },
        }),
        400,
      );
    });

    it('lists with a cursor, limit 10 to 200, every source exactly once', async () => {
      const names = Array.from(
        { length: 23 },
        (_, i) => `Paged source ${String(i).padStart(2, '0')}`,
      );
      for (const name of names)
        ok(await kith.request('POST', EXTERNAL_SOURCES, { body: { name } }));
      const seen: string[] = [];
      let url = `${EXTERNAL_SOURCES}?limit=10&name=Paged`;
      let pages = 0;
      for (;;) {
        const page = ok<SourcePage>(await kith.request('GET', url));
        pages += 1;
        expect(page.entities.length).toBeLessThanOrEqual(10);
        seen.push(...page.entities.map((e) => e.name));
        if (page.cursors?.after === undefined) {
          expect(page.nextUri).toBeUndefined();
          break;
        }
        expect(page.nextUri).toContain(`cursor=${page.cursors.after}`);
        url = `${EXTERNAL_SOURCES}?limit=10&name=Paged&cursor=${encodeURIComponent(page.cursors.after)}`;
      }
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(names);

      const all = ok<SourcePage>(await kith.request('GET', `${EXTERNAL_SOURCES}?limit=200`));
      expect(all.entities.length).toBeGreaterThanOrEqual(23);
      expect(ok<SourcePage>(await kith.request('GET', EXTERNAL_SOURCES)).entities.length).toBe(
        all.entities.length,
      );
    });

    it('answers a limit outside 10 to 200 with 400 naming limit', async () => {
      for (const limit of [9, 0, 201, 1000]) {
        const error = expectGenesysError(
          await kith.request('GET', `${EXTERNAL_SOURCES}?limit=${limit}`),
          400,
        );
        expect(error.details.map((d) => d.fieldName)).toContain('limit');
      }
      expect((await kith.request('GET', `${EXTERNAL_SOURCES}?limit=10`)).statusCode).toBe(200);
      expect((await kith.request('GET', `${EXTERNAL_SOURCES}?limit=200`)).statusCode).toBe(200);
    });

    it('answers a malformed cursor with 400', async () => {
      expectGenesysError(await kith.request('GET', `${EXTERNAL_SOURCES}?cursor=garbage`), 400);
    });

    it('needs externalSource:add to create, and lets contact viewers read', async () => {
      const viewer = await kith.principal(['externalContacts:contact:view'], ['*']);
      expectGenesysError(
        await kith.request('POST', EXTERNAL_SOURCES, {
          token: viewer.token,
          body: { name: 'Not allowed' },
        }),
        403,
        'missing.permissions',
      );
      expect(
        (await kith.request('GET', `${EXTERNAL_SOURCES}?limit=10`, { token: viewer.token }))
          .statusCode,
      ).toBe(200);
      const adder = await kith.principal(
        ['externalContacts:contact:view', 'externalContacts:externalSource:add'],
        ['*'],
      );
      ok(
        await kith.request('POST', EXTERNAL_SOURCES, {
          token: adder.token,
          body: { name: 'Allowed' },
        }),
      );
    });
  });
}
