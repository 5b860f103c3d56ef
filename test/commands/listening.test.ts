import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listeningCommand } from '../../src/commands/listening.js';
import { memoryIo } from '../../src/io.js';
import { makeTempDir, runCli } from '../helpers/live.js';
import { expectGolden, normalizeRun } from '../review/golden.js';
import { reviewFixture } from '../review/review-fixtures.js';
import { reviewOptions } from '../../src/options/command-options.js';

const dir = makeTempDir('sockaudit-listening-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
/** no database anywhere: a captured tree is always collected afresh */
const env = { XDG_DATA_HOME: dir, SOCKAUDIT_DB: path.join(dir, 'none.db') };

interface ListeningJson {
  source: { kind: string; id: number | null; host: string };
  listeners: { group: string; family: string; localPort: number | null; protocol: number | null; exes: string[]; users: string[]; pids: number[] }[];
  findings: { kind: string; severity: string; pid: number | null }[];
}

describe('sockaudit listening (built CLI, fixture trees)', () => {
  it('--json of the drifted host', () => {
    const result = runCli(['listening', '--proc-root', reviewFixture('drifted-host'), '--json'], { env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expectGolden('listening-drifted-host.json', normalizeRun(result.stdout));
    const parsed = JSON.parse(result.stdout) as ListeningJson;
    expect(parsed.source).toMatchObject({ kind: 'collection', id: null, host: 'web1' });
    // widest first, then by port; connected sockets and unnamed unix sockets are not listeners
    expect(parsed.listeners.map((l) => `${l.group} ${l.family} ${l.family === 'raw' ? `proto ${l.protocol}` : l.localPort}`)).toEqual([
      'wildcard raw proto 6',
      'wildcard tcp 22',
      'wildcard tcp 22',
      'wildcard udp 68',
      'wildcard tcp 80',
      'wildcard tcp 4444',
      'wildcard tcp 8000',
      'wildcard udp 40123',
      'specific tcp 9100',
      'link-local udp 546',
      'loopback udp 323',
      'loopback udp 323',
      'loopback tcp 5432',
      'interface packet null',
      'interface packet null',
      'local unix null',
      'local unix null',
      'local unix null',
    ]);
    expect(parsed.listeners.find((l) => l.localPort === 4444)).toMatchObject({ exes: ['/tmp/.x/bind'], users: ['www-data'], pids: [4300] });
    expect(parsed.findings.filter((f) => f.severity === 'high').map((f) => `${f.kind} ${f.pid}`)).toEqual([
      'exe-deleted 4242',
      'exe-in-temp-dir 4242',
      'exe-in-temp-dir 4300',
      'masquerade 4242',
      'masquerade 4500',
      'packet-socket 4242',
    ]);
  });

  it('text of the drifted host', () => {
    const result = runCli(['listening', '--proc-root', reviewFixture('drifted-host')], { env });
    expect(result.status).toBe(0);
    expectGolden('listening-drifted-host.txt', normalizeRun(result.stdout));
    expect(result.stdout).toContain('\nwildcard: every address\n');
    expect(result.stdout).toMatch(/\n {2}high {4}masquerade {14}udevd \(pid 4242, root\): comm "udevd" and argv\[0\] "\/sbin\/udevd" do not match/);
  });

  it('a stored snapshot, chosen by selector', async () => {
    const db = path.join(dir, 'stored.db');
    for (const tree of ['clean-host', 'drifted-host'] as const) {
      expect(runCli(['snapshot', '--db', db, '--proc-root', reviewFixture(tree), '--quiet'], { env }).status).toBe(0);
    }
    const first = runCli(['listening', '1', '--db', db, '--json'], { env });
    expect(first.status).toBe(0);
    const parsed = JSON.parse(first.stdout) as ListeningJson;
    expect(parsed.source).toMatchObject({ kind: 'snapshot', id: 1, host: 'web1' });
    expect(parsed.listeners.some((l) => l.localPort === 4444)).toBe(false);
    const io = memoryIo(env);
    expect(await listeningCommand(reviewOptions(['latest'], { db, host: 'web1' }), io)).toBe(0);
    expect(io.out).toMatch(/^listening on web1, snapshot 2 taken /);
    expect(io.out).toContain('0.0.0.0:4444');
  });

  it('an unknown snapshot is a usage error (exit 2, one line)', () => {
    const db = path.join(dir, 'stored.db');
    const result = runCli(['listening', '99', '--db', db], { env });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^sockaudit: snapshot selector "99" matches no snapshot; see sockaudit listening --help\n$/);
  });
});
