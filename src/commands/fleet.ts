import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { EXIT_OK, InputError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { addFleetHost, HOST_GROUP_ROLE, hostRoleName, initFleet, READER_GROUP_ROLE } from '../store/fleet-roles.js';
import { openStore } from '../store/open-store.js';
import { postgresUrlOf, redactPostgresUrl } from '../store/postgres-url.js';

export interface FleetCommandOptions {
  db?: string;
}

function requirePostgresUrl(options: FleetCommandOptions, io: CommandIo): string {
  const url = postgresUrlOf({ db: options.db, env: io.env });
  if (url === undefined) throw new InputError('fleet: the store must be PostgreSQL: pass --db postgres://admin@host/db (or set $SOCKAUDIT_DB to one)');
  return url;
}

/**
 * `sockaudit fleet init --db postgres://admin@host/db`: the schema (every migration), the
 * roles and the row-level security of fleet-roles.ts. Run as the role that is to own the
 * store; safe to run again (after an upgrade it applies new migrations and policies).
 */
export async function fleetInitCommand(options: FleetCommandOptions, io: CommandIo): Promise<number> {
  requirePostgresUrl(options, io);
  const store = await openStore({ db: options.db, env: io.env });
  try {
    const { schema } = await initFleet(store);
    io.stdout(
      `fleet store ready in ${store.location} (schema ${escapeText(schema)}): roles ${HOST_GROUP_ROLE} (hosts: add their own snapshots only) and ${READER_GROUP_ROLE} (reviewers: read all)\n` +
        `next: sockaudit fleet add-host NAME --db ... for each host; reviewers: CREATE ROLE alice LOGIN IN ROLE ${READER_GROUP_ROLE}\n`,
    );
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

export interface FleetAddHostOptions extends FleetCommandOptions {
  /** a file whose first line is the new role's password */
  passwordFile?: string;
}

/** `sockaudit fleet add-host NAME`: the login role of one host, and how to use it. */
export async function fleetAddHostCommand(name: string, options: FleetAddHostOptions, io: CommandIo): Promise<number> {
  const url = requirePostgresUrl(options, io);
  const password = options.passwordFile === undefined ? null : readPassword(options.passwordFile);
  const role = hostRoleName(name, (text) => createHash('sha256').update(text).digest('hex'));
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    await addFleetHost(store, name, role, password);
  } finally {
    await store.close();
  }
  const hostUrl = new URL(url);
  hostUrl.username = role;
  hostUrl.password = '';
  hostUrl.searchParams.delete('password');
  const shown = redactPostgresUrl(hostUrl.toString());
  io.stdout(
    [
      `host ${escapeText(name)}: login role ${role} (member of ${HOST_GROUP_ROLE}: adds snapshots of ${escapeText(name)} only)`,
      password === null
        ? `no password set: set one with psql's \\password ${role}, or let pg_hba.conf use certificates`
        : 'password set from the file; on the host, put it in ~/.pgpass (or PGPASSWORD) of the user that runs sockaudit, never in the URL',
      'on the host:',
      `  sockaudit snapshot --host ${shellWord(name)} --db ${shellWord(shown)}`,
      `  or keep the local store and push it every 5 minutes from cron:`,
      `  */5 * * * * root sockaudit push --quiet --host ${shellWord(name)} --to ${shellWord(shown)}`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}

function readPassword(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`--password-file: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const password = text.split('\n')[0]!.replace(/\r$/, '');
  if (password === '') throw new InputError(`--password-file: ${file} holds no password on its first line`);
  return password;
}

/** A word the shell takes as it is: single-quoted when it holds anything but safe characters. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${escapeText(text).replaceAll("'", "'\\''")}'`;
}
