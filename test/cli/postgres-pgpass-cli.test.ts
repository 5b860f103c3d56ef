/**
 * The password file on the real server: a login role with a password, a URL without one,
 * and the password in ~/.pgpass of a temporary HOME (or $PGPASSFILE). libpq's rules: the
 * URL's password, then $PGPASSWORD, then the file; a file that group or others may read is
 * ignored with a warning. The password never appears in any output or stored row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyProcTree } from '../commands/proc-tree.js';
import { CLI, makeTempDir, runCli } from '../helpers/live.js';
import { createTestDatabase, postgresAdminUrl, postgresSkipReason, withAdminClient } from '../helpers/postgres-databases.js';

describe.skipIf(postgresAdminUrl === null || !fs.existsSync(CLI))(`the password file (skipped without a server or a built CLI: ${postgresSkipReason})`, () => {
  const dir = makeTempDir('sockaudit-pgpass-');
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const procRoot = copyProcTree('edge-cases', dir);
  const role = `sockaudit_pgpass_${process.pid}`;
  const password = `pgpass-pw-${process.pid}-${Date.now().toString(36)}`;
  const server = new URL(postgresAdminUrl ?? 'postgres://x@127.0.0.1:1/x');
  let database = '';
  let url = '';

  beforeAll(async () => {
    database = await createTestDatabase('pgpass');
    await withAdminClient(async (client) => {
      await client.query(`drop role if exists ${role}`);
      await client.query(`create role ${role} login password '${password}'`);
      await client.query(`alter database "${database}" owner to ${role}`);
    });
    url = `postgres://${role}@${server.hostname}:${server.port}/${database}`;
  });
  afterAll(async () => {
    await withAdminClient(async (client) => {
      await client.query(`drop database if exists "${database}" with (force)`);
      await client.query(`drop role if exists ${role}`);
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const pgpass = path.join(home, '.pgpass');
  const writePgpass = (file: string, secret: string, mode = 0o600) => {
    fs.writeFileSync(file, `# sockaudit test\nelsewhere:5432:*:*:not-this\n${server.hostname}:${server.port}:${database}:${role}:${secret}\n`, { mode });
    fs.chmodSync(file, mode);
  };
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = runCli(args, { env: { HOME: home, PGPASSWORD: '', PGPASSFILE: '', ...env } });
    expect(result.stdout + result.stderr, 'the password is never shown').not.toContain(password);
    return result;
  };

  it('connects with the password from ~/.pgpass, and stores no trace of it', async () => {
    writePgpass(pgpass, password);
    const snapshot = cli(['snapshot', '--db', url, '--proc-root', procRoot, '--json']);
    expect(snapshot.stderr).toBe('');
    expect(snapshot.status).toBe(0);
    expect(JSON.parse(snapshot.stdout)).toMatchObject({ id: 1, host: 'edge-host' });
    const dump = await withAdminClient(async (client) => {
      const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'");
      const rows: string[] = [];
      for (const { table_name } of tables.rows) rows.push(JSON.stringify((await client.query(`select * from "${table_name}"`)).rows));
      return rows.join('\n');
    }, database);
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).not.toContain(password);
  });

  it('ignores a file that group or others may read, saying so, and then has no password: one line each, exit 2', () => {
    writePgpass(pgpass, password, 0o644);
    const started = Date.now();
    const result = cli(['list', '--host', 'edge-host', '--db', url]);
    // at once: not held open until the server's 60 s authentication_timeout (the driver leaves the socket open)
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `warning: password file "${pgpass}" has group or world access; permissions should be u=rw (0600) or less; ignored`,
      expect.stringMatching(/^sockaudit: cannot open the database postgres:\/\/sockaudit_pgpass_\d+@127\.0\.0\.1:\d+\/\S+: the server asks for a password and none was given/),
    ]);
  });

  it('reads $PGPASSFILE instead of ~/.pgpass', () => {
    writePgpass(pgpass, 'wrong-one');
    const elsewhere = path.join(dir, 'pgpass-elsewhere');
    writePgpass(elsewhere, password);
    const result = cli(['list', '--host', 'edge-host', '--json', '--db', url], { PGPASSFILE: elsewhere });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(1);
  });

  it('takes the URL\'s password, then PGPASSWORD, before the file; a wrong one in the file is refused by the server, without showing it', () => {
    writePgpass(pgpass, 'wrong-one-in-file');
    const refused = cli(['list', '--host', 'edge-host', '--db', url]);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/password authentication failed for user "sockaudit_pgpass_\d+"/);
    expect(refused.stderr).not.toContain('wrong-one-in-file');
    expect(cli(['list', '--host', 'edge-host', '--db', url], { PGPASSWORD: password }).status).toBe(0);
    const inUrl = new URL(url);
    inUrl.password = password;
    const withUrl = cli(['list', '--host', 'edge-host', '--db', inUrl.toString()]);
    expect(withUrl.stderr).toBe('');
    expect(withUrl.status).toBe(0);
  });
});
