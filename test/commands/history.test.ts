import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyCommand } from '../../src/commands/history.js';
import { memoryIo } from '../../src/io.js';
import { makeTempDir, runCli } from '../helpers/live.js';
import { reviewFixture } from '../review/review-fixtures.js';
import { historyOptions } from '../../src/options/command-options.js';

/** Three snapshots of the fixture host web1: clean, drifted, clean again. */
const dir = makeTempDir('sockaudit-history-');
const db = path.join(dir, 'history.db');
const env = { XDG_DATA_HOME: dir, SOCKAUDIT_DB: path.join(dir, 'none.db') };

interface Period {
  socket: string;
  state: string;
  firstSeen: { id: number };
  lastSeen: { id: number };
  goneIn: { id: number } | null;
  snapshotCount: number;
  owners: { exe: string | null; comm: string | null; user: string | null; pids: number[] }[];
}

async function history(options: Record<string, string>): Promise<{ code: number; periods: Period[]; text: string }> {
  const json = memoryIo(env);
  const code = await historyCommand(historyOptions({ db, host: 'web1', json: true, ...options }), json);
  const text = memoryIo(env);
  await historyCommand(historyOptions({ db, host: 'web1', ...options }), text);
  return { code, periods: (JSON.parse(json.out) as { periods: Period[] }).periods, text: text.out };
}

const spans = (periods: Period[]) => periods.map((p) => `${p.socket} ${p.firstSeen.id}-${p.lastSeen.id}${p.goneIn === null ? '' : ` gone ${p.goneIn.id}`}`);

beforeAll(() => {
  for (const tree of ['clean-host', 'drifted-host', 'clean-host'] as const) {
    const result = runCli(['snapshot', '--db', db, '--proc-root', reviewFixture(tree), '--quiet'], { env });
    expect(result.stderr).toBe('');
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sockaudit history', () => {
  it('--port: the app on loopback, then on every address, then back', async () => {
    const { code, periods, text } = await history({ port: '8000' });
    expect(code).toBe(0);
    expect(spans(periods)).toEqual(['tcp 127.0.0.1:8000 1-1 gone 2', 'tcp 0.0.0.0:8000 2-2 gone 3', 'tcp 127.0.0.1:8000 3-3']);
    expect(periods[0]!.owners).toEqual([{ exe: '/usr/bin/python3.11', comm: 'gunicorn', user: 'www-data', pids: [800] }]);
    expect(text.split('\n')[0]).toBe('history of --port 8000 on web1: 3 periods');
    expect(text).toMatch(/tcp 0\.0\.0\.0:8000 +host +#2 \S+ +#2 \S+ +1 snapshot, gone in #3 +\/usr\/bin\/python3\.11 \(gunicorn, www-data, pid 800\)/);
  });

  it('--exe: nginx on port 80, away while apache2 had it', async () => {
    const { periods } = await history({ exe: '/usr/sbin/nginx' });
    expect(spans(periods)).toEqual(['tcp 0.0.0.0:80 1-1 gone 2', 'tcp 0.0.0.0:80 3-3']);
    expect(periods[0]!.owners.map((o) => `${o.user} ${o.pids.join(',')}`)).toEqual(['root 600', 'www-data 601']);
  });

  it('--exe with a bare name: matched against the exe basename and the comm', async () => {
    expect(spans((await history({ exe: 'nginx' })).periods)).toEqual(['tcp 0.0.0.0:80 1-1 gone 2', 'tcp 0.0.0.0:80 3-3']);
    // gunicorn runs as /usr/bin/python3.11: found by its comm, and by the exe's basename
    const byComm = spans((await history({ exe: 'gunicorn' })).periods);
    expect(byComm).toEqual(['tcp 127.0.0.1:8000 1-1 gone 2', 'tcp 0.0.0.0:8000 2-2 gone 3', 'tcp 127.0.0.1:8000 3-3']);
    expect(spans((await history({ exe: 'python3.11' })).periods)).toEqual(expect.arrayContaining(byComm));
    // a prefix is not a name; a path must match whole
    expect((await history({ exe: 'ngin' })).periods).toEqual([]);
    expect((await history({ exe: '/usr/sbin/ngin' })).periods).toEqual([]);
  });

  it('--path: a unix listener present all along is one period', async () => {
    const { periods } = await history({ path: '/run/systemd/private' });
    expect(spans(periods)).toEqual(['unix stream /run/systemd/private 1-3']);
    expect(periods[0]!.snapshotCount).toBe(3);
  });

  it('--family: packet sockets, the sniffer only in the middle', async () => {
    const { periods } = await history({ family: 'packet' });
    expect(spans(periods)).toEqual(['packet raw eth0 proto all (ETH_P_ALL) 1-3', 'packet dgram all-interfaces proto IPv4 2-2 gone 3']);
    expect(periods[1]!.owners[0]).toMatchObject({ exe: '/dev/shm/kdmtmpflush (deleted)', comm: 'udevd' });
  });

  it('filters combine; tcp6 selects one IP version', async () => {
    expect(spans((await history({ port: '22', family: 'tcp6' })).periods)).toEqual(['tcp6 [::]:22 1-3']);
  });

  it('nothing matching is an answer, not an error', async () => {
    const { code, periods, text } = await history({ port: '9' });
    expect(code).toBe(0);
    expect(periods).toEqual([]);
    expect(text).toBe('no stored socket of web1 matches --port 9\n');
  });

  it('the built CLI: no filter and a bad port are usage errors', () => {
    const none = runCli(['history', '--db', db, '--host', 'web1'], { env });
    expect(none.status).toBe(2);
    expect(none.stderr).toBe('sockaudit: history needs at least one of --port, --path, --exe, --family; see sockaudit history --help\n');
    const bad = runCli(['history', '--db', db, '--port', 'ssh'], { env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('sockaudit: --port expects a whole number from 0 to 65535, got "ssh"; see sockaudit history --help\n');
    const ok = runCli(['history', '--db', db, '--host', 'web1', '--port', '22', '--json'], { env });
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as { periods: unknown[] }).periods.length).toBe(3);
  });
});
