/**
 * The built CLI with `--db postgres://...` and `SOCKAUDIT_DB=postgresql://...`: every
 * storing and reading command works on the run's real PostgreSQL server, a password never
 * appears in any output or stored row, and connection failures are one line and exit 2.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { copyProcTree } from '../commands/proc-tree.js';
import { CLI, makeTempDir, runCli } from '../helpers/live.js';
import { adminUrlFor, createTestDatabase, postgresAdminUrl, postgresSkipReason, withAdminClient } from '../helpers/postgres-databases.js';

describe.skipIf(postgresAdminUrl === null || !fs.existsSync(CLI))(`the CLI on PostgreSQL (skipped without a server or a built CLI: ${postgresSkipReason})`, () => {
  const dir = makeTempDir('sockaudit-pgcli-');
  const procRoot = copyProcTree('edge-cases', dir);
  const password = decodeURIComponent(new URL(postgresAdminUrl ?? 'postgres://x:y@h/d').password);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const noPassword = (text: string) => expect(text.includes(password), `output holds the password: ${text.slice(0, 300)}`).toBe(false);
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = runCli(args, { env });
    noPassword(result.stdout);
    noPassword(result.stderr);
    return result;
  };

  it('snapshot, list, show, diff, history, verify and prune all work with --db postgres://', async () => {
    const url = adminUrlFor(await createTestDatabase('cli'));
    const first = cli(['snapshot', '--db', url, '--proc-root', procRoot, '--json', '--label', 'first']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const summary = JSON.parse(first.stdout) as { id: number; host: string; socketCount: number };
    expect(summary).toMatchObject({ id: 1, host: 'edge-host' });
    const second = cli(['snapshot', '--db', url, '--proc-root', procRoot, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ id: 2, written: { opened: 0, closed: 0 } });

    const list = cli(['list', '--db', url, '--host', 'edge-host', '--json']);
    expect(list.status).toBe(0);
    expect((JSON.parse(list.stdout) as { id: number }[]).map((row) => row.id)).toEqual([2, 1]);
    const show = cli(['show', '1', '--db', url, '--host', 'edge-host', '--json']);
    expect(show.status).toBe(0);
    expect((JSON.parse(show.stdout) as { sockets: unknown[] }).sockets).toHaveLength(summary.socketCount);
    const diff = cli(['diff', '1', '2', '--db', url, '--host', 'edge-host']);
    expect(diff.status).toBe(0);
    const history = cli(['history', '--db', url, '--host', 'edge-host', '--port', '22']);
    expect(history.status, history.stderr).toBe(0);
    const verify = cli(['verify', '--db', url]);
    expect(verify.stdout).toMatch(/^ok: 2 snapshots of 1 host verified in postgres:\/\/postgres:\*\*\*@\S+ \(PostgreSQL references: ok\)\nwitness: none for a PostgreSQL store/);
    expect(verify.status).toBe(0);
    // a second host in the same store, and the questions across hosts
    expect(cli(['snapshot', '--db', url, '--proc-root', procRoot, '--host', 'edge-two', '--quiet']).status).toBe(0);
    const hosts = cli(['hosts', '--db', url, '--json']);
    expect(hosts.status, hosts.stderr).toBe(0);
    expect((JSON.parse(hosts.stdout) as { host: string; snapshots: number }[]).map((host) => [host.host, host.snapshots])).toEqual([['edge-host', 2], ['edge-two', 1]]);
    const across = cli(['listening', '--all-hosts', '--db', url, '--json']);
    expect(across.status, across.stderr).toBe(0);
    const listeners = JSON.parse(across.stdout) as { hosts: string[] }[];
    expect(listeners.length).toBeGreaterThan(0);
    expect(listeners.some((listener) => listener.hosts.join() === 'edge-host,edge-two')).toBe(true);

    const prune = cli(['prune', '--db', url, '--host', 'edge-host', '--keep', '1']);
    expect(prune.status, prune.stderr).toBe(0);
    expect(cli(['list', '--db', url, '--host', 'edge-host', '--json']).stdout).toMatch(/"id": ?2/);

    // no stored row holds the password (the URL is never stored)
    const dump = await withAdminClient(async (client) => {
      const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'");
      const rows: string[] = [];
      for (const { table_name } of tables.rows) rows.push(JSON.stringify((await client.query(`select * from "${table_name}"`)).rows));
      return rows.join('\n');
    }, new URL(url).pathname.slice(1));
    expect(dump.length).toBeGreaterThan(1000);
    noPassword(dump);
  });

  it('takes the store from SOCKAUDIT_DB as postgresql://, and the password from PGPASSWORD', async () => {
    const database = await createTestDatabase('env');
    const withPassword = new URL(adminUrlFor(database));
    withPassword.password = '';
    const url = withPassword.toString().replace(/^postgres:/, 'postgresql:');
    const result = cli(['snapshot', '--proc-root', procRoot, '--json'], { SOCKAUDIT_DB: url, PGPASSWORD: password });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ id: 1 });
    const list = cli(['list', '--host', 'edge-host'], { SOCKAUDIT_DB: url, PGPASSWORD: password });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/edge-host|1/);
  });

  it('a wrong password, an unreachable server and a missing store are one line each, exit 2, without the password', async () => {
    const wrong = new URL(adminUrlFor('postgres'));
    wrong.password = 'not-the-password-x9';
    const refused = cli(['list', '--db', wrong.toString()]);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/password authentication failed/);
    expect(refused.stderr).not.toContain('not-the-password-x9');

    // a port nobody listens on (the server's own port + 1 is not guaranteed free; 1 is never served here)
    const unreachable = cli(['verify', '--db', `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:1/x`], { PGCONNECT_TIMEOUT: '3' });
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/cannot open the database postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x/);

    const empty = cli(['list', '--db', adminUrlFor(await createTestDatabase('empty'))]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/holds no sockaudit store yet/);
  });
});

