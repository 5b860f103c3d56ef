/**
 * `sockaudit push --to postgres://...` through the built CLI on the run's real server:
 * killed with SIGKILL in the middle and run again (no duplicate, no gap), a forked history
 * refused with exit 1 naming the host and the snapshot, and 20 hosts pushing at once.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { listSnapshots } from '../../src/store/list-snapshots.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { CLI, makeTempDir, runCli } from '../helpers/live.js';
import { adminUrlFor, createTestDatabase, postgresAdminUrl, postgresSkipReason, withAdminClient } from '../helpers/postgres-databases.js';
import { makeInventory, makeOwner, makeRecord } from '../store/make-record.js';

/** `count` snapshots of `host` with `sockets` sockets each, about 2% of them changing per step. */
async function writeHistory(file: string, host: string, count: number, sockets: number): Promise<void> {
  const store = await openStore({ db: file, env: {} });
  try {
    for (let step = 0; step < count; step++) {
      const records = Array.from({ length: sockets }, (_, index) => {
        const churn = index % 50 === 0 ? step : 0;
        return makeRecord({ inode: 10_000 + index + churn * 100_000, localPort: 1024 + (index % 60_000), owners: [makeOwner({ pid: 100 + (index % 40) })] });
      });
      const takenAt = new Date(Date.UTC(2026, 10, 1) + step * 60_000).toISOString();
      await writeSnapshot(store, makeInventory(records, { takenAt, host }), { host });
    }
  } finally {
    await store.close();
  }
}

async function hashesOf(store: Store, host: string): Promise<string[]> {
  return (await listSnapshots(store, host)).reverse().map((row) => row.contentHash);
}

function spawnCli(args: string[]): { done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; pid: number } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { done, pid: child.pid! };
}

describe.skipIf(postgresAdminUrl === null || !fs.existsSync(CLI))(`sockaudit push into PostgreSQL (skipped without a server or a built CLI: ${postgresSkipReason})`, () => {
  const dir = makeTempDir('sockaudit-push-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('killed with SIGKILL mid-push, then run again: every snapshot once, in order, and it verifies', async () => {
    const database = await createTestDatabase('kill');
    const url = adminUrlFor(database);
    const file = path.join(dir, 'kill.db');
    const total = 40;
    await writeHistory(file, 'web-kill', total, 2000);
    const count = () => withAdminClient(async (client) => {
      const exists = await client.query("select to_regclass('snapshots') is not null as found");
      if (exists.rows[0].found !== true) return 0;
      return Number((await client.query('select count(*) as n from snapshots')).rows[0].n);
    }, database);

    const push = spawnCli(['push', '--db', file, '--to', url]);
    let landed = 0;
    for (let waited = 0; waited < 60_000 && landed < 5; waited += 20) {
      landed = await count();
      if (landed < 5) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.kill(push.pid, 'SIGKILL');
    const killed = await push.done;
    expect(killed.signal).toBe('SIGKILL');
    const atKill = await count();
    expect(atKill, 'the push must still have been under way when it was killed').toBeLessThan(total);
    expect(atKill).toBeGreaterThanOrEqual(5);

    const again = runCli(['push', '--db', file, '--to', url, '--json']);
    expect(again.stderr).toBe('');
    expect(again.status).toBe(0);
    const report = JSON.parse(again.stdout) as { hosts: { host: string; pushed: number; present: number }[] };
    expect(report.hosts).toEqual([expect.objectContaining({ host: 'web-kill', pushed: total - atKill, present: atKill })]);

    const local = await openStore({ db: file, env: {}, readOnly: true });
    const central = await openStore({ db: url, env: {}, readOnly: true });
    try {
      expect(await hashesOf(central, 'web-kill')).toEqual(await hashesOf(local, 'web-kill'));
    } finally {
      await local.close();
      await central.close();
    }
    const verify = runCli(['verify', '--db', url]);
    expect(verify.stdout).toMatch(/^ok: 40 snapshots of 1 host/);
  });

  it('refuses a forked history with exit 1, naming the host and the snapshot, and records it', async () => {
    const url = adminUrlFor(await createTestDatabase('fork'));
    const file = path.join(dir, 'fork-a.db');
    await writeHistory(file, 'web-fork', 3, 20);
    expect(runCli(['push', '--db', file, '--to', url]).status).toBe(0);
    const other = path.join(dir, 'fork-b.db');
    await writeHistory(other, 'web-fork', 2, 21);
    const refused = runCli(['push', '--db', other, '--to', url]);
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/^web-fork: REFUSED at snapshot #2 \(taken [^)]+\): the central store's latest snapshot of host web-fork \(#3, /);
    const quiet = runCli(['push', '--db', other, '--to', url, '--quiet']);
    expect(quiet.status).toBe(1);
    expect(quiet.stdout).toMatch(/REFUSED/);
    const central = await openStore({ db: url, env: {}, readOnly: true });
    try {
      const rows = await central.db.selectFrom('push_refusals').select(['host', 'snapshot_id']).execute();
      expect(rows).toEqual([{ host: 'web-fork', snapshot_id: 2 }, { host: 'web-fork', snapshot_id: 2 }]);
      expect((await listSnapshots(central, 'web-fork')).length).toBe(3);
    } finally {
      await central.close();
    }
  });

  it('20 hosts pushing at once all land, each whole', async () => {
    const url = adminUrlFor(await createTestDatabase('twenty'));
    const hosts = Array.from({ length: 20 }, (_, index) => `web-${String(index).padStart(2, '0')}`);
    for (const host of hosts) await writeHistory(path.join(dir, `${host}.db`), host, 4, 30);
    const runs = hosts.map((host) => spawnCli(['push', '--db', path.join(dir, `${host}.db`), '--to', url]));
    const results = await Promise.all(runs.map((run) => run.done));
    for (const [index, result] of results.entries()) {
      expect(result.stderr, hosts[index]).toBe('');
      expect(result.status, hosts[index]).toBe(0);
    }
    const central = await openStore({ db: url, env: {}, readOnly: true });
    try {
      for (const host of hosts) {
        const local = await openStore({ db: path.join(dir, `${host}.db`), env: {}, readOnly: true });
        try {
          expect(await hashesOf(central, host), host).toEqual(await hashesOf(local, host));
        } finally {
          await local.close();
        }
      }
    } finally {
      await central.close();
    }
    expect(runCli(['verify', '--db', url]).stdout).toMatch(/^ok: 80 snapshots of 20 hosts/);
  });
});
