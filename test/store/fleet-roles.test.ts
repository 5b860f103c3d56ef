/**
 * The fleet's roles on a real PostgreSQL: a host's role adds its own snapshots and nothing
 * else. UPDATE, DELETE, an INSERT for another host and a SELECT of another host's rows all
 * fail at the database (or see nothing), with the roles `fleet init` and `fleet add-host`
 * made, through the built CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { pushSnapshots } from '../../src/store/push-snapshots.js';
import { CLI, makeTempDir, runCli } from '../helpers/live.js';
import { adminUrlFor, createTestDatabase, postgresAdminUrl, postgresSkipReason, withAdminClient } from '../helpers/postgres-databases.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { tempStore } from './temp-store.js';

const pg = createRequire(import.meta.url)('pg') as typeof import('pg');

function inventory(step: number, host: string) {
  return makeInventory(
    [
      makeRecord({ inode: 1, localPort: 22, owners: [makeOwner({ pid: 10 })] }),
      makeRecord({ inode: 100 + step, localPort: 8000 + step }),
    ],
    { takenAt: new Date(Date.UTC(2026, 10, 1) + step * 60_000).toISOString(), host },
  );
}

describe.skipIf(postgresAdminUrl === null || !fs.existsSync(CLI))(`fleet roles and row-level security (skipped without a server or a built CLI: ${postgresSkipReason})`, () => {
  const dir = makeTempDir('sockaudit-fleet-');
  const tag = `${process.pid}`;
  const hostA = `web-a-${tag}`;
  const hostB = `web-b-${tag}`;
  let database: string;
  let adminUrl: string;
  const roleUrl = (role: string, password: string) => {
    const url = new URL(adminUrl);
    url.username = role;
    url.password = password;
    return url.toString();
  };
  const roles: Record<string, string> = {};
  const passwordA = `pa-${tag}-x7`;
  const passwordB = `pb-${tag}-y8`;

  beforeAll(async () => {
    database = await createTestDatabase('fleet');
    adminUrl = adminUrlFor(database);
    const init = runCli(['fleet', 'init', '--db', adminUrl]);
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    expect(init.stdout).toMatch(/fleet store ready in postgres:\/\/postgres:\*\*\*@/);
    for (const [host, password] of [[hostA, passwordA], [hostB, passwordB]] as const) {
      const file = path.join(dir, `${host}.pw`);
      fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
      const added = runCli(['fleet', 'add-host', host, '--db', adminUrl, '--password-file', file]);
      expect(added.stderr).toBe('');
      expect(added.status).toBe(0);
      expect(added.stdout).not.toContain(password);
      const role = /login role (\S+)/.exec(added.stdout)![1]!;
      expect(added.stdout).toContain(`sockaudit push --quiet --host ${hostA === host ? hostA : hostB} --to postgres://${role}@127.0.0.1:`);
      roles[host] = role;
    }
    // each host writes its own history through the store, as `snapshot --db URL` does
    for (const [host, password] of [[hostA, passwordA], [hostB, passwordB]] as const) {
      const store = await openStore({ db: roleUrl(roles[host]!, password), env: {} });
      try {
        for (let step = 0; step < 3; step++) await writeSnapshot(store, inventory(step, host), { host });
      } finally {
        await store.close();
      }
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function asHostA<T>(body: (client: import('pg').Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: roleUrl(roles[hostA]!, passwordA) });
    await client.connect();
    try {
      return await body(client);
    } finally {
      await client.end();
    }
  }
  const hostIdOf = (host: string) => withAdminClient(async (client) => Number((await client.query('select id from hosts where name = $1', [host])).rows[0].id), database);

  it("a host's role wrote and changed its own history (closing versions), and it verifies", async () => {
    const admin = await openStore({ db: adminUrl, env: {}, readOnly: true });
    try {
      expect(await verifyStore(admin)).toMatchObject({ hosts: 2, snapshots: 6, check: 'references', problems: [] });
    } finally {
      await admin.close();
    }
  });

  it('UPDATE and DELETE of anything fail at the database', async () => {
    await asHostA(async (client) => {
      for (const statement of [
        "update snapshots set label = 'forged'",
        'delete from snapshots',
        'delete from socket_versions',
        'delete from socket_owners',
        "update processes set exe = '/tmp/evil'",
        "update hosts set name = 'other'",
        'delete from push_refusals',
        "update socket_versions set content = '[]'",
      ]) {
        await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
      }
    });
  });

  it("a closed version cannot be reopened or closed elsewhere, and an open one only at the host's latest snapshot", async () => {
    await asHostA(async (client) => {
      const reopened = await client.query('update socket_versions set closed_in = null where closed_in is not null');
      expect(reopened.rowCount).toBe(0);
      await expect(client.query('update socket_versions set closed_in = 1 where closed_in is null')).rejects.toMatchObject({ code: '42501' });
    });
    const closed = await withAdminClient(async (client) => Number((await client.query('select count(*) as n from socket_versions where closed_in is not null')).rows[0].n), database);
    expect(closed).toBe(4); // two closings per host, untouched
  });

  it("an INSERT for another host fails, and another host's rows are not seen", async () => {
    const idB = await hostIdOf(hostB);
    await asHostA(async (client) => {
      await expect(
        client.query(
          "insert into snapshots (host_id, taken_at, tool_version, proc_root, duration_ms, socket_count, warnings, namespaces, content_hash) values ($1, '2026-01-01', 'x', '/proc', 1, 0, '[]', '[]', 'h')",
          [idB],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(client.query("insert into hosts (name) values ('web-c')")).rejects.toMatchObject({ code: '42501' });
      await expect(client.query("insert into push_refusals (host, snapshot_id, taken_at, content_hash, reason, refused_at) values ($1, 1, 'x', 'x', 'x', 'x')", [hostB])).rejects.toMatchObject({ code: '42501' });
      expect((await client.query('select * from snapshots where host_id = $1', [idB])).rows).toEqual([]);
      expect((await client.query('select name from hosts')).rows).toEqual([{ name: hostA }]);
      expect(Number((await client.query('select count(*) as n from snapshots')).rows[0].n)).toBe(3);
      expect((await client.query('select * from socket_versions where host_id = $1', [idB])).rows).toEqual([]);
      await expect(client.query('select * from fleet_host_roles')).rejects.toMatchObject({ code: '42501' });
    });
    // and through the store: a snapshot in another host's name is refused
    const store = await openStore({ db: roleUrl(roles[hostA]!, passwordA), env: {} });
    try {
      await expect(writeSnapshot(store, inventory(9, hostB), { host: hostB })).rejects.toThrow(/row-level security|permission denied/);
    } finally {
      await store.close();
    }
  });

  it("a host's role pushes its own local history, and a reviewer's role reads every host but writes nothing", async () => {
    const local = await tempStore('sqlite');
    try {
      for (let step = 3; step < 5; step++) await writeSnapshot(local.store, inventory(step, hostA), { host: hostA });
      const central = await openStore({ db: roleUrl(roles[hostA]!, passwordA), env: {} });
      try {
        // the local store's history starts elsewhere: refused, and the refusal recorded under the host's role
        const [result] = await pushSnapshots(local.store, central);
        expect(result!.refused).not.toBeNull();
      } finally {
        await central.close();
      }
    } finally {
      await local.cleanup();
    }
    const reviewer = `reviewer_${tag}`;
    await withAdminClient(async (client) => {
      await client.query(`drop role if exists ${reviewer}`);
      await client.query(`create role ${reviewer} login password 'rv-${tag}' in role sockaudit_reader`);
    });
    const client = new pg.Client({ connectionString: roleUrl(reviewer, `rv-${tag}`) });
    await client.connect();
    try {
      expect(Number((await client.query('select count(*) as n from snapshots')).rows[0].n)).toBe(6);
      expect(Number((await client.query('select count(*) as n from push_refusals')).rows[0].n)).toBe(1);
      await expect(client.query("update snapshots set label = 'x'")).rejects.toMatchObject({ code: '42501' });
      await expect(client.query("insert into hosts (name) values ('x')")).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.end();
    }
  });
});
