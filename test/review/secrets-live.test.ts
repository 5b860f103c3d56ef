import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, makeTempDir, runCli } from '../helpers/live.js';
import { BENIGN_LINES, SECRET_LINES } from '../inventory/secret-argv-table.js';
import { ListenerProcess } from './listener-process.js';

/** every file of the database: the main file, its WAL, shared memory and any journal */
const databaseBytes = (db: string) => ['', '-wal', '-shm', '-journal'].flatMap((suffix) => (fs.existsSync(db + suffix) ? [fs.readFileSync(db + suffix)] : []));

interface StoredOwner {
  pid: number;
  cmdline: string | null;
}
/** pid -> stored command line, from `show latest --json`. */
function storedCmdlines(db: string): Map<number, string | null> {
  const show = runCli(['show', 'latest', '--db', db, '--json']);
  expect(show.status).toBe(0);
  const inventory = JSON.parse(show.stdout) as { sockets: { owners: StoredOwner[] }[] };
  return new Map(inventory.sockets.flatMap((socket) => socket.owners.map((owner) => [owner.pid, owner.cmdline] as const)));
}

/**
 * Live (issue 5, "secrets"): a process with a password and an API key in its arguments holds
 * a loopback listener; after `snapshot` (default: --cmdline redacted) neither secret is
 * anywhere in the database file or its WAL, while the listener and its owner are stored.
 * The same snapshot with --cmdline full does contain them: the search can find them.
 */
describe('secrets kept out of the database', () => {
  const password = `pw-${crypto.randomBytes(8).toString('hex')}`;
  const apiKey = `key-${crypto.randomBytes(8).toString('hex')}`;
  const urlPassword = `url-${crypto.randomBytes(8).toString('hex')}`;
  const spaced = `correct horse ${crypto.randomBytes(8).toString('hex')} staple`;
  const dir = makeTempDir('sockaudit-secrets-');
  const holder = new ListenerProcess([`--password=${password}`, '--api-key', apiKey, `postgres://app:${urlPassword}@db.example/app`, '--token', spaced]);
  let port = 0;

  beforeAll(async () => {
    await holder.ready();
    port = await holder.listen('app', '127.0.0.1');
  });
  afterAll(async () => {
    await holder.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const secrets = () => [password, apiKey, urlPassword, spaced, spaced.split(' ')[2]!];

  it('a redacted snapshot holds the listener and its owner but not the secrets, in any file', () => {
    const db = path.join(dir, 'redacted.db');
    const snapshot = runCli(['snapshot', '--db', db, '--quiet']);
    expect(snapshot.stderr).toBe('');
    expect(snapshot.status).toBe(0);
    const files = databaseBytes(db);
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const bytes of files) {
      for (const secret of secrets()) expect(bytes.includes(secret)).toBe(false);
    }
    const listening = runCli(['listening', 'latest', '--db', db, '--json']);
    expect(listening.status).toBe(0);
    const entry = (JSON.parse(listening.stdout) as { listeners: { localPort: number; pids: number[]; owners: { cmdline: string }[] }[] }).listeners.find(
      (listener) => listener.localPort === port && listener.pids.includes(holder.pid),
    );
    expect(entry).toBeDefined();
    expect(entry!.owners[0]!.cmdline).toContain('--password=<redacted> --api-key <redacted> postgres://app:<redacted>@db.example/app --token <redacted>');
  });

  it('control: with --cmdline full the same search finds them', () => {
    const db = path.join(dir, 'full.db');
    expect(runCli(['snapshot', '--db', db, '--quiet', '--cmdline', 'full']).status).toBe(0);
    const all = Buffer.concat(databaseBytes(db));
    for (const secret of secrets()) expect(all.includes(secret)).toBe(true);
  });
});

/**
 * A perl that sleeps holding a loopback connection on fd 3 (and no other socket: no stdio
 * pipes, which would be unix sockets), with `argv` as its arguments. The test's copy of
 * the connection is closed once the child holds it, so the socket's owners stay put while
 * other live tests compare collections.
 */
async function holdConnection(argv: string[], port: number): Promise<{ pid: number; release: () => Promise<void> }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const child = spawn('perl', ['-e', 'sleep', '--', ...argv], { stdio: ['ignore', 'ignore', 'ignore', socket] });
  await once(child, 'spawn');
  socket.destroy();
  return {
    pid: child.pid!,
    release: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Live (issue 10, part 3): a process for every line of the table (secret-argv-table.ts),
 * with that line as its arguments (after perl's own `-e sleep --`: argv[0] of a line is
 * then a later argument, which the rules treat alike), holds a loopback connection. After a
 * redacted `snapshot`, no secret of any line is in the database file, its WAL or its shared
 * memory, and every benign line is stored as --cmdline full stores it.
 */
describe.skipIf(!hasCommand('perl'))('secrets of the argv table kept out of the database (skipped without perl: the holder)', () => {
  const dir = makeTempDir('sockaudit-secret-table-');
  const secretLines = SECRET_LINES.filter((line) => line.exe === undefined);
  const benignLines = BENIGN_LINES.filter((line) => line.exe === undefined);
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => accepted.push(socket));
  let secretHolders: { pid: number; release: () => Promise<void> }[] = [];
  let benignHolders: typeof secretHolders = [];

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    secretHolders = await Promise.all(secretLines.map((line) => holdConnection(line.argv, port)));
    benignHolders = await Promise.all(benignLines.map((line) => holdConnection(line.argv, port)));
  });
  afterAll(async () => {
    await Promise.all([...secretHolders, ...benignHolders].map((held) => held.release()));
    for (const socket of accepted) socket.destroy();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** secrets distinctive enough to look for in the whole file (the database holds every process of the host). */
  const distinctive = (secret: string) => secret.length >= 6 && /\d/.test(secret);

  it('no secret byte in the database, its WAL or shared memory; each holder stored, its secrets gone', () => {
    const db = path.join(dir, 'redacted.db');
    const snapshot = runCli(['snapshot', '--db', db, '--quiet']);
    expect(snapshot.status, snapshot.stderr).toBe(0);
    const files = databaseBytes(db);
    expect(files.length).toBeGreaterThanOrEqual(1);
    const searched = secretLines.flatMap((line) => line.secrets.filter(distinctive));
    expect(searched.length).toBeGreaterThanOrEqual(80);
    for (const bytes of files) for (const secret of searched) expect(bytes.includes(secret), `secret ${JSON.stringify(secret)} in the database`).toBe(false);

    const stored = storedCmdlines(db);
    secretLines.forEach((line, index) => {
      const cmdline = stored.get(secretHolders[index]!.pid);
      expect(cmdline, `holder of ${line.argv.join(' ')}`).toBeTypeOf('string');
      expect(cmdline).toContain('<redacted>');
      for (const secret of line.secrets) expect(cmdline, `secret ${JSON.stringify(secret)}`).not.toContain(secret);
    });
  });

  it('benign lines are stored as --cmdline full stores them; control: the full database holds the secrets', () => {
    const redactedDb = path.join(dir, 'benign-redacted.db');
    const fullDb = path.join(dir, 'benign-full.db');
    expect(runCli(['snapshot', '--db', redactedDb, '--quiet']).status).toBe(0);
    expect(runCli(['snapshot', '--db', fullDb, '--quiet', '--cmdline', 'full']).status).toBe(0);
    const redacted = storedCmdlines(redactedDb);
    const full = storedCmdlines(fullDb);
    benignLines.forEach((line, index) => {
      const pid = benignHolders[index]!.pid;
      expect(full.get(pid), `holder of ${line.argv.join(' ')}`).toBe(['perl', '-e', 'sleep', '--', ...line.argv].join(' '));
      expect(redacted.get(pid)).toBe(full.get(pid));
    });
    const all = Buffer.concat(databaseBytes(fullDb));
    for (const line of secretLines) for (const secret of line.secrets.filter(distinctive)) expect(all.includes(secret), secret).toBe(true);
  });
});
