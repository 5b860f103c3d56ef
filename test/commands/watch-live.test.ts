/**
 * `sockaudit watch` and `sockaudit events`, driven as a user would: the built CLI in the
 * background with --json, real loopback sockets opened and closed by this test (and by
 * python3 inside a namespace made with `ip netns add`), then SIGTERM and `events`.
 * Needs root (namespaces, every process's fds) and the native addon; skips otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, hasCommand, IS_ROOT, makeTempDir, runCli } from '../helpers/live.js';

const HAS_ADDON = fs.existsSync(path.join(path.dirname(CLI), '../../native/build/Release/sockaudit.node'));
const CAN_RUN = IS_ROOT && HAS_ADDON;
const REASON = 'skipped unless root with the native addon built: watch enters every namespace and reads every process fd';

interface Line {
  event: string;
  at: string;
  source?: string;
  socket?: { localPort: number | null; remotePort: number | null; state: string; netnsName: string; owners: { pid: number; exe: string | null }[] } | null;
  violation?: { kind: string; port: number | null; message: string };
  receivedAt: number;
}

/** The CLI's watch in the background, its JSON lines collected as they come. */
class WatchRun {
  readonly lines: Line[] = [];
  stderr = '';
  readonly child: ChildProcess;
  private waiters: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, 'watch', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    readline.createInterface({ input: this.child.stdout! }).on('line', (text) => {
      this.lines.push({ ...(JSON.parse(text) as Omit<Line, 'receivedAt'>), receivedAt: Date.now() });
      this.notify();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
      this.notify();
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Resolves with the first line matching, failing after `timeoutMs` with what was seen. */
  async waitFor<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; stderr:\n${this.stderr}\nlines:\n${this.lines.map((line) => JSON.stringify(line)).join('\n').slice(-4000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  ready(): Promise<true> {
    return this.waitFor(() => (this.stderr.includes('sockaudit: watching') ? true : undefined), 60_000, 'the ready line');
  }

  stop(): Promise<number | null> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve(this.child.exitCode);
      this.child.once('exit', (code) => resolve(code));
      this.child.kill('SIGTERM');
    });
  }
}

function listen(host = '127.0.0.1'): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.on('error', () => undefined));
    server.once('error', reject);
    server.listen(0, host, () => resolve(server));
  });
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

describe.skipIf(!CAN_RUN)(`sockaudit watch, live (${REASON})`, () => {
  const dir = CAN_RUN ? makeTempDir('sockaudit-watch-') : '';
  const db = path.join(dir, 'watch.db');
  let watch: WatchRun;
  let exitCode: number | null = null;
  const ports = { short: 0, long: 0, connection: 0, connectionClient: 0 };

  beforeAll(async () => {
    watch = new WatchRun(['--db', db, '--interval', '1s', '--snapshot-every', '1h']);
    await watch.ready();
  });
  afterAll(async () => {
    if (watch.child.exitCode === null) await watch.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports a listener that lives 300 ms (at least from its destroy event)', async () => {
    const server = await listen();
    ports.short = portOf(server);
    await sleep(300);
    await close(server);
    const line = await watch.waitFor(() => watch.lines.find((entry) => entry.socket?.localPort === ports.short && entry.socket.remotePort === null && entry.event !== 'opened'), 10_000, `an event for port ${ports.short}`);
    // closed (a poll saw it open) or short-lived (only its destroy event did)
    expect(['closed', 'short-lived']).toContain(line.event);
    expect(line.socket!.netnsName).toBe('host');
  });

  it('reports a listener that lives 3 s with its owner pid and exe', async () => {
    const server = await listen();
    ports.long = portOf(server);
    const opened = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'opened' && entry.socket?.localPort === ports.long), 3_000, `opened for port ${ports.long}`);
    await sleep(3_000 - (Date.now() - opened.receivedAt));
    await close(server);
    expect(opened.socket!.state).toBe('LISTEN');
    expect(opened.socket!.owners.map((owner) => owner.pid)).toContain(process.pid);
    expect(opened.socket!.owners.find((owner) => owner.pid === process.pid)!.exe).toBe(fs.realpathSync(process.execPath));
    const closed = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'closed' && entry.socket?.localPort === ports.long), 5_000, 'its close');
    expect(closed.source).toBe('destroy');
    expect(closed.socket!.owners.map((owner) => owner.pid)).toContain(process.pid);
  });

  it('reports a connection that lives 100 ms from its destroy event', async () => {
    const server = await listen();
    ports.connection = portOf(server);
    const client = net.connect(ports.connection, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    ports.connectionClient = client.localPort!;
    await sleep(100);
    client.destroy();
    const line = await watch.waitFor(
      () => watch.lines.find((entry) => entry.event === 'short-lived' && entry.socket?.localPort === ports.connectionClient && entry.socket.remotePort === ports.connection),
      10_000,
      `the connection from port ${ports.connectionClient}`,
    );
    expect(line.source).toBe('destroy');
    await close(server);
  });

  describe.skipIf(!hasCommand('ip') || !hasCommand('python3'))('in a namespace made while watching (skipped without ip and python3)', () => {
    const name = `sockaudit-watch-${process.pid}`;
    afterAll(() => {
      spawnSync('ip', ['netns', 'del', name]);
    });

    it("sees a new namespace's listener, named from /run/netns", async () => {
      expect(spawnSync('ip', ['netns', 'add', name]).status).toBe(0);
      expect(spawnSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']).status).toBe(0);
      const script = 'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",4719))\ns.listen()\nprint("ready",flush=True)\ntime.sleep(3)';
      const child = spawn('ip', ['netns', 'exec', name, 'python3', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'opened' && entry.socket?.localPort === 4719 && entry.socket.netnsName === name), 10_000, 'the listener in the new namespace');
      expect(line.socket!.owners.length).toBeGreaterThan(0);
      expect(line.socket!.owners[0]!.exe).toMatch(/python/);
      await new Promise((resolve) => child.once('exit', resolve));
    });
  });

  it('exits 0 on SIGTERM with the events stored, which `events` reads back', async () => {
    exitCode = await watch.stop();
    expect(exitCode).toBe(0);
    expect(watch.stderr).toMatch(/watch stopped: \d+ polls, \d+ events/);
    const read = runCli(['events', '--db', db, '--json']);
    expect(read.status).toBe(0);
    const stored = read.stdout.trim().split('\n').map((text) => JSON.parse(text) as Line);
    for (const port of [ports.short, ports.long]) expect(stored.some((entry) => entry.socket?.localPort === port)).toBe(true);
    expect(stored.some((entry) => entry.event === 'short-lived' && entry.socket?.localPort === ports.connectionClient)).toBe(true);
    // every event printed was stored, in the same order
    const printed = watch.lines.filter((entry) => entry.event !== 'violation').map((entry) => `${entry.event} ${entry.at}`);
    expect(stored.map((entry) => `${entry.event} ${entry.at}`)).toEqual(printed);
    const byPort = runCli(['events', '--db', db, '--port', String(ports.long)]);
    expect(byPort.stdout).toMatch(new RegExp(`opened tcp 127\\.0\\.0\\.1:${ports.long} LISTEN netns host, by pid ${process.pid}`));
    expect(byPort.stdout.trim().split('\n').every((text) => text.includes(`:${ports.long}`))).toBe(true);
    // the watch's snapshot is an ordinary snapshot
    expect(runCli(['list', '--db', db]).stdout).toMatch(/^\s*1\s/m);
    // history and diff show what lived only between snapshots
    const history = runCli(['history', '--db', db, '--port', String(ports.long)]);
    expect(history.status).toBe(0);
    expect(history.stdout).toMatch(new RegExp(`seen between snapshots \\(1, from sockaudit watch\\):\\n  listener tcp 127\\.0\\.0\\.1:${ports.long} netns host, opened between .* node \\(.*\\) pid ${process.pid}`));
    expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);
    const diff = runCli(['diff', '--db', db, '--format', 'json']);
    const seen = (JSON.parse(diff.stdout) as { seenBetweenSnapshots: { seenAs: string; socket: { localPort: number; remotePort: number | null } }[] }).seenBetweenSnapshots;
    expect(seen).toContainEqual(expect.objectContaining({ seenAs: 'listener', socket: expect.objectContaining({ localPort: ports.long }) }));
    expect(seen).toContainEqual(expect.objectContaining({ seenAs: 'short-lived', socket: expect.objectContaining({ localPort: ports.connectionClient, remotePort: ports.connection }) }));
    expect(diff.status).toBe(1);
  });
});

describe.skipIf(!CAN_RUN)(`sockaudit watch --baseline, live (${REASON})`, () => {
  const dir = CAN_RUN ? makeTempDir('sockaudit-watch-baseline-') : '';

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports a listener the baseline does not allow within 2 intervals, and runs --on-violation with it on stdin', async () => {
    const baseline = path.join(dir, 'baseline.json');
    const received = path.join(dir, 'violation.json');
    // allows nothing: every new TCP listener is unexpected
    fs.writeFileSync(baseline, JSON.stringify({ sockauditBaseline: 1, listeners: [], acceptedFindings: [] }));
    const watch = new WatchRun(['--db', path.join(dir, 'db'), '--interval', '1s', '--baseline', baseline, '--on-violation', `tee ${received}`]);
    try {
      await watch.ready();
      const server = await listen();
      const opened = Date.now();
      const port = portOf(server);
      const line = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'violation' && entry.violation?.port === port), 5_000, `a violation for port ${port}`);
      // reported by the poll that first saw the listener open (watch's own clock: this test's
      // reading of the pipe may lag on a busy machine); the latency itself is a benchmark
      // figure (bench/watch-soak.mjs), not a timed test
      const openedEvent = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'opened' && entry.socket?.localPort === port), 5_000, `the opened event of port ${port}`);
      expect(Date.parse(line.at) - Date.parse(openedEvent.at)).toBeLessThanOrEqual(1_000);
      expect(Date.parse(openedEvent.at)).toBeGreaterThanOrEqual(opened - 1_000);
      expect(line.violation!.kind).toBe('unexpected-listener');
      await watch.waitFor(() => (fs.existsSync(received) && fs.readFileSync(received, 'utf8').includes(`"port":${port}`) ? true : undefined), 5_000, 'the --on-violation command');
      expect(JSON.parse(fs.readFileSync(received, 'utf8').trim().split('\n').at(-1)!)).toMatchObject({ kind: 'unexpected-listener', port, pids: [process.pid] });
      await close(server);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
  });
});

describe.skipIf(!CAN_RUN)(`sockaudit watch under faults, live (${REASON})`, () => {
  const dir = CAN_RUN ? makeTempDir('sockaudit-watch-faults-') : '';

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps events in memory while the database is locked and stores them all once it frees', async () => {
    const db = path.join(dir, 'locked.db');
    const watch = new WatchRun(['--db', db, '--interval', '500ms']);
    const ports: number[] = [];
    try {
      await watch.ready();
      const holder = new Database(db);
      holder.exec('BEGIN IMMEDIATE'); // another writer holds the lock
      try {
        for (let i = 0; i < 3; i++) {
          const server = await listen();
          ports.push(portOf(server));
          await sleep(700);
          await close(server);
        }
        await watch.waitFor(() => (watch.stderr.includes('events kept in memory') ? true : undefined), 10_000, 'the notice that events wait');
      } finally {
        holder.exec('COMMIT');
        holder.close();
      }
      await sleep(1_500);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
    const stored = runCli(['events', '--db', db, '--json']).stdout.trim().split('\n').map((text) => JSON.parse(text) as Line);
    // every event printed while the database was locked was stored once it freed
    const key = (entry: Line) => `${entry.event} ${entry.at} ${entry.socket?.localPort} ${entry.socket?.remotePort}`;
    expect(stored.map(key)).toEqual(watch.lines.map(key));
    for (const port of ports) expect(stored.some((entry) => entry.socket?.localPort === port && entry.event !== 'opened')).toBe(true);
  });

  it.skipIf(!hasCommand('python3'))('says how many destroy events the kernel dropped and takes a snapshot at once (skipped without python3)', async () => {
    const db = path.join(dir, 'overrun.db');
    const watch = new WatchRun(['--db', db, '--interval', '1s', '--snapshot-every', '1h', '--event-buffer', '64k']);
    try {
      await watch.ready();
      watch.child.kill('SIGSTOP'); // its queue fills while it cannot read
      try {
        // 5,000 UDP sockets bound and closed: a destroy event each, far more than 64k of queue holds
        const burst = 'import socket\nfor i in range(5000):\n s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n s.bind(("127.0.0.1",0))\n s.close()';
        expect(spawnSync('python3', ['-c', burst]).status).toBe(0);
        await sleep(1_000); // UDP sockets are freed after an RCU grace period: their events follow the burst
      } finally {
        watch.child.kill('SIGCONT');
      }
      const lost = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'lost'), 20_000, 'the lost notice');
      expect((lost as unknown as { lost: number }).lost).toBeGreaterThan(0);
      await watch.waitFor(() => (watch.lines.length > 0 && Date.now() - watch.lines.at(-1)!.receivedAt > 1_500 ? true : undefined), 30_000, 'the burst to be printed');
    } finally {
      expect(await watch.stop()).toBe(0);
    }
    expect(watch.stderr).toMatch(/, 2 snapshots, \d+ destroy events lost/);
  });
});

describe.skipIf(!CAN_RUN || !hasCommand('python3'))(`sockaudit watch keeps secrets out, live (${REASON}; and python3)`, () => {
  it('redacts secret-looking values in owners\' command lines before printing or storing an event', async () => {
    const dir = makeTempDir('sockaudit-watch-secret-');
    const db = path.join(dir, 'db');
    const watch = new WatchRun(['--db', db, '--interval', '500ms']);
    try {
      await watch.ready();
      const script = 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\ntime.sleep(2)';
      const child = spawn('python3', ['-c', script, '--password=hunter2-watch-secret'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const port = Number(await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve)));
      const line = await watch.waitFor(() => watch.lines.find((entry) => entry.event === 'opened' && entry.socket?.localPort === port), 5_000, 'the listener');
      expect(JSON.stringify(line)).not.toContain('hunter2-watch-secret');
      expect(JSON.stringify(line)).toContain('--password=');
      await new Promise((resolve) => child.once('exit', resolve));
      await sleep(1_000);
    } finally {
      expect(await watch.stop()).toBe(0);
    }
    expect(fs.readFileSync(db).includes('hunter2-watch-secret')).toBe(false);
    expect(runCli(['events', '--db', db, '--json']).stdout).not.toContain('hunter2-watch-secret');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('sockaudit watch and events, argument errors', () => {
  it('rejects a bad --interval with one line and exit 2', () => {
    const result = runCli(['watch', '--interval', 'soon', '--db', '/nonexistent/x.db']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('sockaudit: --interval: expected a duration such as 500ms, 1s, 5m or 1h, got "soon"; see sockaudit watch --help\n');
  });

  it('rejects --on-violation without --baseline', () => {
    const result = runCli(['watch', '--on-violation', 'true', '--db', '/nonexistent/x.db']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('sockaudit: --on-violation needs --baseline; see sockaudit watch --help\n');
  });

  it('rejects a bad --since for events', () => {
    const result = runCli(['events', '--since', 'yesterday-ish', '--db', '/nonexistent/x.db']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^sockaudit: --since: expected a duration/);
  });
});
