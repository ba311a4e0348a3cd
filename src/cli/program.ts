import { Argument, Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { openConfiguredDatabase } from '../db/open.js';
import { migrateDown, migrateToLatest } from '../db/migrator.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { startServer } from '../server.js';
import { createOrganization, ensureDefaultOrganization } from '../orgs/org.service.js';
import { findOrganization, listOrganizations } from '../orgs/org.repository.js';
import { registerClient } from '../clients/client.service.js';
import { registerUser } from '../users/user.service.js';
import { resolveRole } from '../roles/role.service.js';
import { ALL_DIVISIONS } from '../authorization/access.js';
import { findDivision, findDivisionByName } from '../divisions/division.repository.js';
import { ImportUsageError, runImport } from './import-command.js';
import { runExport } from './export-command.js';
import { EXPORT_KINDS, type ExportKind } from '../exports/export-job.js';
import { sweepAllOrganizations, sweepOrganization } from '../retention/retention.service.js';

/** Exit codes: 0 done, 1 the operation failed, 2 bad usage or configuration. */
class UsageError extends Error {}

/** What a command that finished without an error asks to exit with (`kith import`: 1 when rows were reported). */
let exitCode = 0;

function config(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError)
      throw new UsageError(`Invalid configuration: ${error.message}`);
    throw error;
  }
}

/** Runs `work` against the migrated database and closes it afterwards. */
async function withDatabase<T>(
  work: (database: Database) => Promise<T>,
  options: { bulk?: boolean } = {},
): Promise<T> {
  const database = openConfiguredDatabase(config(), options);
  try {
    await migrateToLatest(database.db, database.dialect);
    return await work(database);
  } finally {
    await database.destroy();
  }
}

async function orgIdOf(database: Database, org: string | undefined): Promise<string> {
  if (org === undefined) return (await ensureDefaultOrganization(database.db)).id;
  const found = await findOrganization(database.db, org);
  if (!found) throw new UsageError(`No organization with id ${org} (see: kith orgs list)`);
  return found.id;
}

/** A division by id or name. @throws UsageError when the organization has none such. */
async function divisionIdOf(database: Database, orgId: string, division: string): Promise<string> {
  const found =
    (await findDivision(database.db, orgId, division)) ??
    (await findDivisionByName(database.db, orgId, division));
  if (!found) throw new UsageError(`No division named or with id "${division}"`);
  return found.id;
}

async function roleDivisionsOf(
  database: Database,
  orgId: string,
  role: string,
  divisions: string[] | undefined,
): Promise<{ roleId: string; divisionId: string }[]> {
  const found = await resolveRole(database.db, orgId, role);
  if (!found)
    throw new UsageError(`No role named or with id "${role}" (built-in roles: admin, agent)`);
  const ids: string[] = [];
  for (const d of divisions ?? [ALL_DIVISIONS])
    ids.push(d === ALL_DIVISIONS ? d : await divisionIdOf(database, orgId, d));
  return ids.map((divisionId) => ({ roleId: found.id, divisionId }));
}

function output(json: boolean, value: unknown, text: string): void {
  console.log(json ? JSON.stringify(value) : text);
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`expected a whole number, got "${value}"`);
  return Number(value);
}

export function buildCli(): Command {
  const program = new Command('kith')
    .description('Kith: External Contacts for contact centers')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('serve')
    .description('Serve the HTTP API (configuration from the environment; see README)')
    .action(async () => {
      const server = await startServer(config());
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          server.app.log.info({ signal }, 'stopping: finishing requests in flight');
          server.stop().then(resolve, (error: unknown) => {
            server.app.log.error({ err: error }, 'error while stopping');
            resolve();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });

  program
    .command('sweep')
    .description(
      'Delete the Ephemeral and Identified contacts that have expired (every organization, or --org)',
    )
    .option('--as-of <iso>', 'sweep as of this time instead of now (ISO-8601)')
    .option('--org <id>', 'only this organization')
    .option('--json', 'print JSON')
    .action(async (options: { asOf?: string; org?: string; json?: boolean }) => {
      const at = options.asOf === undefined ? Date.now() : Date.parse(options.asOf);
      if (Number.isNaN(at))
        throw new UsageError(`--as-of takes an ISO-8601 date-time, got "${options.asOf}"`);
      const asOf = new Date(at).toISOString();
      await withDatabase(async (database) => {
        const swept =
          options.org === undefined
            ? (await sweepAllOrganizations(database.db, asOf)).swept
            : await sweepOrganization(
                database.db,
                await orgIdOf(database, options.org),
                asOf,
                null,
              );
        output(
          options.json === true,
          { asOf, swept },
          `Swept ${swept} expired contact${swept === 1 ? '' : 's'} (as of ${asOf})`,
        );
      });
    });

  program
    .command('import <file>')
    .description(
      'Import contacts and organizations from a CSV file (columns named as the sample file, or --map)',
    )
    .option(
      '--settings <id>',
      'import settings or CSV settings id (matching, external source, mapping)',
    )
    .option('--map <column=field...>', 'map a column to a field, e.g. --map "E-mail=workEmail"')
    .option(
      '--division <division>',
      'division id or name of the new contacts (default: unassigned)',
    )
    .option('--default-country <cc>', 'country of phone numbers without a country code', 'US')
    .option('--dry-run', 'validate every row and write the report, import nothing')
    .option('--report <file>', 'where to write the report of rows not imported')
    .option('--org <id>', 'organization id (default: the default organization)')
    .option('--json', 'print a JSON summary as the last line')
    .action(
      async (
        file: string,
        options: {
          settings?: string;
          map?: string[];
          division?: string;
          defaultCountry?: string;
          dryRun?: boolean;
          report?: string;
          org?: string;
          json?: boolean;
        },
      ) => {
        const settings = config();
        await withDatabase(
          async (database) => {
            const orgId = await orgIdOf(database, options.org);
            const divisionId =
              options.division === undefined
                ? null
                : await divisionIdOf(database, orgId, options.division);
            try {
              exitCode = await runImport(
                database.db,
                orgId,
                file,
                { ...options, division: divisionId },
                settings.dataDir,
                settings.importThreadMinBytes,
              );
            } catch (error) {
              if (error instanceof ImportUsageError) throw new UsageError(error.message);
              throw error;
            }
          },
          { bulk: true },
        );
      },
    );

  program
    .command('export')
    .description('Export contacts, organizations, notes or relationships as CSV (every field)')
    .addArgument(new Argument('<kind>', 'what to export').choices(EXPORT_KINDS))
    .option('--out <file>', 'write the CSV to this file (default: standard output)')
    .option(
      '--division <division...>',
      'only these divisions (ids or names; * for unassigned records)',
    )
    .option(
      '--type <type...>',
      'contacts of these types (Ephemeral, Identified, Curated, Canonical)',
    )
    .option('--organization <id>', 'only what belongs to this external organization')
    .option('--limit <n>', 'at most this many rows', integer)
    .option('--org <id>', 'organization id (default: the default organization)')
    .option('--json', 'with --out, print a JSON summary as the last line')
    .action(
      async (
        kind: ExportKind,
        options: {
          out?: string;
          division?: string[];
          type?: string[];
          organization?: string;
          limit?: number;
          org?: string;
          json?: boolean;
        },
      ) => {
        await withDatabase(
          async (database) => {
            const orgId = await orgIdOf(database, options.org);
            const divisions: string[] = [];
            for (const d of options.division ?? [])
              divisions.push(d === ALL_DIVISIONS ? d : await divisionIdOf(database, orgId, d));
            await runExport(database.db, orgId, kind, {
              ...options,
              divisions,
              ...(options.type === undefined ? {} : { types: options.type }),
            });
          },
          { bulk: true },
        );
      },
    );

  program
    .command('migrate')
    .description('Apply pending database migrations (or revert the last with --down)')
    .option('--down', 'revert the most recent migration')
    .option('--json', 'print JSON')
    .action(async (options: { down?: boolean; json?: boolean }) => {
      const database = openConfiguredDatabase(config());
      try {
        const names = options.down
          ? await migrateDown(database.db, database.dialect)
          : await migrateToLatest(database.db, database.dialect);
        output(
          options.json === true,
          { applied: options.down ? [] : names, reverted: options.down ? names : [] },
          names.length === 0
            ? 'Nothing to do'
            : `${options.down ? 'Reverted' : 'Applied'}: ${names.join(', ')}`,
        );
      } finally {
        await database.destroy();
      }
    });

  const orgs = program.command('orgs').description('Organizations (tenants)');
  orgs
    .command('create <name>')
    .description('Create an organization with its home division and built-in roles')
    .option('--json', 'print {"id": ...}')
    .action(async (name: string, options: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        await ensureDefaultOrganization(db);
        const org = await createOrganization(db, name);
        output(
          options.json === true,
          { id: org.id, name: org.name },
          `Created organization ${org.name}: ${org.id}`,
        );
      });
    });
  orgs
    .command('list')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        await ensureDefaultOrganization(db);
        const all = await listOrganizations(db);
        output(
          options.json === true,
          all.map((o) => ({ id: o.id, name: o.name, default: o.isDefault })),
          all.map((o) => `${o.id}  ${o.name}${o.isDefault ? ' (default)' : ''}`).join('\n'),
        );
      });
    });

  const clients = program.command('clients').description('OAuth clients');
  clients
    .command('create')
    .description('Create an OAuth client; prints its id and secret once')
    .requiredOption('--name <name>', 'client name')
    .requiredOption('--role <role>', 'role name or id (e.g. admin, agent)')
    .option(
      '--division <division...>',
      'division ids or names the role applies to (default: every division, *)',
    )
    .option('--org <id>', 'organization id (default: the default organization)')
    .addOption(
      new Option('--rate-limit <perMinute>', 'requests per minute for this client (0: unlimited)'),
    )
    .option('--json', 'print {"clientId": ..., "clientSecret": ...}')
    .action(
      async (options: {
        name: string;
        role: string;
        division?: string[];
        org?: string;
        rateLimit?: string;
        json?: boolean;
      }) => {
        await withDatabase(async (database) => {
          const orgId = await orgIdOf(database, options.org);
          const roleDivisions = await roleDivisionsOf(
            database,
            orgId,
            options.role,
            options.division,
          );
          const created = await registerClient(database.db, orgId, null, {
            name: options.name,
            roleDivisions,
            rateLimitPerMinute:
              options.rateLimit === undefined ? undefined : integer(options.rateLimit),
          });
          output(
            options.json === true,
            { clientId: created.client.id, clientSecret: created.secret },
            `Created client ${created.client.name}\n  client id:     ${created.client.id}\n  client secret: ${created.secret} (shown this once)`,
          );
        });
      },
    );

  const users = program.command('users').description('Users (people who sign in)');
  users
    .command('create')
    .description('Create a user with a password and a role')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--email <email>', 'email, also the username')
    .requiredOption('--password <password>', 'initial password (at least 8 characters)')
    .requiredOption('--role <role>', 'role name or id (e.g. admin, agent)')
    .option(
      '--division <division...>',
      'division ids or names the role applies to (default: every division, *)',
    )
    .option('--org <id>', 'organization id (default: the default organization)')
    .option('--json', 'print {"id": ...}')
    .action(
      async (options: {
        name: string;
        email: string;
        password: string;
        role: string;
        division?: string[];
        org?: string;
        json?: boolean;
      }) => {
        await withDatabase(async (database) => {
          const orgId = await orgIdOf(database, options.org);
          const roleDivisions = await roleDivisionsOf(
            database,
            orgId,
            options.role,
            options.division,
          );
          const { user } = await registerUser(database.db, orgId, {
            name: options.name,
            email: options.email,
            password: options.password,
            roleDivisions,
          });
          output(
            options.json === true,
            { id: user.id, email: user.email },
            `Created user ${user.email}: ${user.id}`,
          );
        });
      },
    );

  return program;
}

/** Parses argv and runs the command; returns the process exit code. */
export async function runCli(argv: string[]): Promise<number> {
  exitCode = 0;
  try {
    await buildCli().parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      console.error(`kith: ${error.message}`);
      return 2;
    }
    if (error instanceof AppError) {
      console.error(`kith: ${error.message}`);
      return error.status === 400 ? 2 : 1;
    }
    console.error(`kith: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
