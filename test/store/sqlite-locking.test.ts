import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { findOrganizationByName, insertOrganization } from '../../src/orgs/org.repository.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';

/**
 * Several processes share one SQLite file: a server, `kith clients create`, `kith sweep`. A
 * transaction that reads and then writes must not be failed by another process writing in
 * between (WAL's SQLITE_BUSY_SNAPSHOT, returned without waiting); the other writer waits instead.
 * CI once saw `kith orgs create` exit 1 beside a busy server for exactly this.
 */
describe('SQLite transactions shared with other processes', () => {
  let database: TestDatabase | undefined;
  let other: SQLite.Database | undefined;

  afterEach(async () => {
    other?.close();
    await database?.destroy();
  });

  it('holds the write lock from the start, so a write elsewhere waits rather than failing it', async () => {
    database = await openTestDatabase('sqlite');
    // Another process's connection; it does not wait, so a held lock shows as an error at once.
    other = new SQLite(database.location.sqliteFile);
    other.pragma('busy_timeout = 0');
    let written = 0;
    const otherWrite = (): void => {
      written += 1;
      other!
        .prepare(
          'insert into orgs (id, name, name_key, is_default, created_at) values (?, ?, ?, 0, ?)',
        )
        .run(`other-${written}`, `Other ${written}`, `other ${written}`, new Date().toISOString());
    };

    let otherFailed: unknown;
    await database.db.transaction().execute(async (trx) => {
      expect(await findOrganizationByName(trx, 'Acme')).toBeUndefined();
      try {
        otherWrite();
      } catch (error) {
        otherFailed = error;
      }
      await insertOrganization(trx, {
        id: 'acme',
        name: 'Acme',
        isDefault: false,
        createdAt: new Date().toISOString(),
      });
    });

    expect(otherFailed).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(await findOrganizationByName(database.db, 'Acme')).toMatchObject({ name: 'Acme' });
    // Once the transaction is over the other process writes as usual.
    otherWrite();
  });
});
