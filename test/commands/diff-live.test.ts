import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * End to end on the live machine (issue 4): snapshot with the built CLI; close a listener,
 * open one, move one from 127.0.0.1 to 0.0.0.0 on the same port, restart a listening
 * process, churn client connections; snapshot again; `diff last 2 --format json` must name
 * each change with the right kind and tags and count the clients in flows.
 * Every connection is to 127.0.0.1; the 0.0.0.0 listener is never connected to.
 */
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/bin/sockaudit.cjs');
const HELPER = path.join(ROOT, 'test/diff/live-socket-helper.mjs');
const NODE_EXE = fs.realpathSync(process.execPath);
const CLIENTS_BEFORE = 20;
const CLIENTS_AFTER = 25;

/** One helper child: send a command line, await its one-line answer. */
class Helper {
  private readonly answers: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];
  readonly child: ChildProcessWithoutNullStreams;

  constructor() {
    this.child = spawn(process.execPath, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) waiter(line);
      else this.answers.push(line);
    });
  }

  private next(): Promise<string> {
    const answer = this.answers.shift();
    if (answer !== undefined) return Promise.resolve(answer);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async ready(): Promise<void> {
    expect(await this.next()).toBe('ready');
  }

  async send(command: string): Promise<string[]> {
    this.child.stdin.write(`${command}\n`);
    const answer = await this.next();
    if (!answer.startsWith('ok')) throw new Error(`helper: ${command}: ${answer}`);
    return answer.split(' ').slice(1);
  }

  async listen(name: string, host: string, port = 0): Promise<number> {
    return Number((await this.send(`listen ${name} ${host} ${port}`))[1]);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

function cli(args: string[], db: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args, '--db', db], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface JsonChange {
  kind: string;
  key: string;
  tags: string[];
  before: { localAddress: string; localPort: number; remotePort: number | null; owners: { pid: number }[] } | null;
  after: { localAddress: string; localPort: number; remotePort: number | null; owners: { pid: number }[] } | null;
  flow: { direction: string; exe: string | null; localPort: number | null; remotePort: number | null; countBefore: number; countAfter: number } | null;
}

/**
 * A free port below the ephemeral range: listeners on ports the kernel picks are counted in
 * groups by the diff (issue 15), while these are about one listener each being closed,
 * opened, rebound and restarted, which services do on fixed ports.
 */
async function fixedPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '0.0.0.0', () => probe.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

describe.skipIf(os.platform() !== 'linux')('sockaudit diff on the live machine', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-diff-live-'));
  const db = path.join(dir, 'live.db');
  const helpers: Helper[] = [];
  const ports = { service: 0, closed: 0, opened: 0, moved: 0, restarted: 0 };
  let pids = { service: 0, restartedBefore: 0, restartedAfter: 0 };
  let changes: JsonChange[] = [];
  let diffStatus: number | null = null;

  const helper = async (): Promise<Helper> => {
    const started = new Helper();
    helpers.push(started);
    await started.ready();
    return started;
  };

  beforeAll(async () => {
    expect(fs.existsSync(CLI), `${CLI} missing: run npm run build`).toBe(true);
    const server = await helper();
    let restartable = await helper();
    const client = await helper();
    ports.service = await server.listen('service', '127.0.0.1');
    const taken = new Set<number>();
    ports.closed = await server.listen('doomed', '127.0.0.1', await fixedPort(taken));
    ports.moved = await server.listen('mover', '127.0.0.1', await fixedPort(taken));
    ports.restarted = await restartable.listen('restartable', '127.0.0.1', await fixedPort(taken));
    pids = { service: server.child.pid!, restartedBefore: restartable.child.pid!, restartedAfter: 0 };
    await client.send(`connect ${CLIENTS_BEFORE} 127.0.0.1 ${ports.service}`);

    const first = cli(['snapshot', '--quiet'], db);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);

    // open before closing, so that the new port cannot be the one just freed
    ports.opened = await server.listen('fresh', '127.0.0.1', await fixedPort(taken));
    await server.send('close doomed');
    await server.send('close mover');
    await server.listen('mover', '0.0.0.0', ports.moved);
    await restartable.stop();
    restartable = await helper();
    await restartable.listen('restartable', '127.0.0.1', ports.restarted);
    pids.restartedAfter = restartable.child.pid!;
    // client churn: many connections opened and closed, and 25 left open
    await client.send('disconnect');
    for (let round = 0; round < 3; round += 1) {
      await client.send(`connect 40 127.0.0.1 ${ports.service}`);
      await client.send('disconnect');
    }
    await client.send(`connect ${CLIENTS_AFTER} 127.0.0.1 ${ports.service}`);

    const second = cli(['snapshot', '--quiet'], db);
    expect(second.status).toBe(0);
    const diff = cli(['diff', 'last', '2', '--format', 'json'], db);
    expect(diff.stderr).toBe('');
    diffStatus = diff.status;
    changes = (JSON.parse(diff.stdout) as { changes: JsonChange[] }).changes;
  }, 120_000);

  afterAll(async () => {
    for (const started of helpers) await started.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ours = (port: number) =>
    changes.filter((change) => change.kind !== 'flow' && [change.before, change.after].some((side) => side !== null && side.localPort === port && side.remotePort === null));

  it('exits 1: there are differences', () => {
    expect(diffStatus).toBe(1);
  });

  it('reports the closed listener as closed', () => {
    expect(ours(ports.closed).map((change) => [change.kind, change.key])).toEqual([['closed', expect.stringContaining(`tcp 127.0.0.1:${ports.closed} `)]]);
  });

  it('reports the new listener as opened', () => {
    expect(ours(ports.opened).map((change) => [change.kind, change.tags])).toEqual([['opened', []]]);
  });

  it('reports the listener moved from 127.0.0.1 to 0.0.0.0 as one rebound that widens exposure', () => {
    const [change, ...rest] = ours(ports.moved);
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ kind: 'rebound', tags: ['exposure-widened'], before: { localAddress: '127.0.0.1' }, after: { localAddress: '0.0.0.0' } });
  });

  it('reports the restarted listener as changed, restarted and reopened', () => {
    const [change, ...rest] = ours(ports.restarted);
    expect(rest).toEqual([]);
    expect(change?.kind).toBe('changed');
    expect(change?.tags).toEqual(['restarted', 'reopened']);
    expect(change?.before?.owners.map((owner) => owner.pid)).toEqual([pids.restartedBefore]);
    expect(change?.after?.owners.map((owner) => owner.pid)).toEqual([pids.restartedAfter]);
  });

  it('counts the client churn in flows, reporting no single connection', () => {
    const connections = changes.filter(
      (change) => change.kind !== 'flow' && [change.before, change.after].some((side) => side !== null && side.remotePort !== null && (side.localPort === ports.service || side.remotePort === ports.service)),
    );
    expect(connections).toEqual([]);
    const flows = changes.filter((change) => change.flow !== null && change.flow.exe === NODE_EXE);
    expect(flows.find((change) => change.flow?.direction === 'outbound' && change.flow.remotePort === ports.service)?.flow).toMatchObject({
      countBefore: CLIENTS_BEFORE,
      countAfter: CLIENTS_AFTER,
    });
    expect(flows.find((change) => change.flow?.direction === 'inbound' && change.flow.localPort === ports.service)?.flow).toMatchObject({
      countBefore: CLIENTS_BEFORE,
      countAfter: CLIENTS_AFTER,
    });
  });

  it('leaves the unchanged service listener out', () => {
    expect(ours(ports.service)).toEqual([]);
  });

  it('exits 0 comparing the latest snapshot with itself', () => {
    const same = cli(['diff', 'latest', 'latest'], db);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/no differences\n$/);
  });

  it('exits 2 with one line when a selector matches nothing', () => {
    const none = cli(['diff', '@no-such-label', 'latest'], db);
    expect(none.status).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr.trimEnd().split('\n')).toEqual([expect.stringContaining('"@no-such-label" matches no snapshot')]);
  });
});
