import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, runCli } from '../helpers/live.js';
import { ListenerProcess } from './listener-process.js';

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
  const dir = makeTempDir('sockaudit-secrets-');
  const holder = new ListenerProcess([`--password=${password}`, '--api-key', apiKey, `postgres://app:${urlPassword}@db.example/app`]);
  let port = 0;

  beforeAll(async () => {
    await holder.ready();
    port = await holder.listen('app', '127.0.0.1');
  });
  afterAll(async () => {
    await holder.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const secrets = () => [password, apiKey, urlPassword];
  /** every file of the database: the main file, its WAL and shared memory */
  const databaseBytes = (db: string) => ['', '-wal', '-shm', '-journal'].flatMap((suffix) => (fs.existsSync(db + suffix) ? [fs.readFileSync(db + suffix)] : []));

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
    expect(entry!.owners[0]!.cmdline).toContain('--password=<redacted> --api-key <redacted> postgres://app:<redacted>@db.example/app');
  });

  it('control: with --cmdline full the same search finds them', () => {
    const db = path.join(dir, 'full.db');
    expect(runCli(['snapshot', '--db', db, '--quiet', '--cmdline', 'full']).status).toBe(0);
    const all = Buffer.concat(databaseBytes(db));
    for (const secret of secrets()) expect(all.includes(secret)).toBe(true);
  });
});
