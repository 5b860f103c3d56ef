import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../store/temp-store.js';
import { copyProcTree } from './proc-tree.js';

const CLI = path.resolve('dist/bin/sockaudit.cjs');
const built = fs.existsSync(CLI);
if (!built) console.warn('skipping process tests: dist/bin/sockaudit.cjs is missing (run `npm run build`)');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI; `killAfterMs` sends SIGKILL that long after the start. */
function runCli(args: string[], killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let dir: string;
let cleanup: () => void;
let db: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('sockaudit-proc-'));
  db = path.join(dir, 'cron.db');
});
afterEach(() => cleanup());

describe.skipIf(!built)('snapshot processes on one database (built CLI)', () => {
  it('8 snapshots started at once on a fresh file all land, and verify passes', async () => {
    const procRoot = copyProcTree('edge-cases', dir);
    const runs = await Promise.all(Array.from({ length: 8 }, (_, index) => runCli(['snapshot', '--quiet', '--db', db, '--proc-root', procRoot, '--label', `run${index}`])));
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const list = await runCli(['list', '--json', '--db', db, '--proc-root', procRoot]);
    const items = JSON.parse(list.stdout) as { id: number; label: string }[];
    expect(items.map((item) => item.id)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(new Set(items.map((item) => item.label))).toEqual(new Set(Array.from({ length: 8 }, (_, index) => `run${index}`)));
    const verify = await runCli(['verify', '--db', db]);
    expect(verify, verify.stdout + verify.stderr).toMatchObject({ code: 0 });
    expect(verify.stdout).toMatch(/^ok: 8 snapshots/);
  });

  it('a snapshot killed with SIGKILL at any point leaves no partial snapshot, over and over', async () => {
    // alternate between two different trees recorded as one host, so that every snapshot
    // writes many versions and closes many: a kill has a long write to land in
    const big = copyProcTree('sockload-1k', dir);
    const small = copyProcTree('netns-pair', dir);
    const args = (procRoot: string) => ['snapshot', '--quiet', '--db', db, '--proc-root', procRoot, '--host', 'h'];
    expect((await runCli(args(big))).code).toBe(0);
    let landed = 1;
    let killed = 0;
    for (let attempt = 0; attempt < 14; attempt++) {
      const delay = 60 + ((attempt * 37) % 11) * 45;
      const run = await runCli(args(attempt % 2 === 0 ? small : big), delay);
      if (run.signal === 'SIGKILL') killed++;
      else {
        expect(run.code, run.stderr).toBe(0);
        landed++;
      }
      const verify = await runCli(['verify', '--json', '--db', db]);
      const result = JSON.parse(verify.stdout) as { ok: boolean; snapshots: number; problems: unknown[] };
      expect(result.problems).toEqual([]);
      if (run.signal === 'SIGKILL') {
        // killed before its commit (nothing landed) or after it, before exiting (it landed whole)
        expect([landed, landed + 1]).toContain(result.snapshots);
        landed = result.snapshots;
      } else {
        expect(result.snapshots).toBe(landed);
      }
    }
    console.log(`SIGKILL test: ${killed} runs killed, ${landed} snapshots landed`);
    expect(killed).toBeGreaterThan(0);
    // a run after all those kills still compares with the last snapshot that landed
    expect((await runCli(args(big))).code).toBe(0);
    expect((await runCli(['verify', '--db', db])).code).toBe(0);
  });

  it('exits 2 with one line on stderr for a bad selector, a newer schema, and --quiet failures', async () => {
    const procRoot = copyProcTree('netns-pair', dir);
    expect((await runCli(['snapshot', '--quiet', '--db', db, '--proc-root', procRoot])).code).toBe(0);
    const bad = await runCli(['show', '@nope', '--db', db, '--proc-root', procRoot]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^sockaudit: snapshot selector "@nope" matches no snapshot[^\n]*\n$/);
    const quietFailure = await runCli(['snapshot', '--quiet', '--db', db, '--proc-root', path.join(dir, 'missing')]);
    expect(quietFailure).toMatchObject({ code: 2, stdout: '' });
    expect(quietFailure.stderr.trimEnd().split('\n')).toHaveLength(1);
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const raw = new BetterSqlite3(db);
    raw.prepare("insert into kysely_migration (name, timestamp) values ('9000-future', 'x')").run();
    raw.close();
    const newer = await runCli(['snapshot', '--db', db, '--proc-root', procRoot]);
    expect(newer.code).toBe(2);
    expect(newer.stderr).toMatch(/^sockaudit: the database .* was written by a newer sockaudit \(schema 9000-future\).*\n$/);
  });
});
