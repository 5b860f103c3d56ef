import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { holdSockets, makeTempDir, runCli, type HeldSockets } from '../helpers/live.js';

/**
 * Issue 15, live: the details ss shows that sockaudit used to drop (a listener's backlog, a
 * unix socket's peer and its owner) and ephemeral listeners counted in one diff line, with
 * real sockets held by python3 processes and the built CLI run as a user would.
 */

type PeeredRecord = SocketRecord & { peerOwners?: { pid: number; comm: string | null }[] };

function collectJson(args: string[]): Inventory & { sockets: PeeredRecord[] } {
  const result = runCli(['collect', '--json', ...args]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Inventory & { sockets: PeeredRecord[] };
}

// backlog and peers come from sock_diag dumps, which the native addon makes
describe.skipIf(nativeAddon === null)('report details, live (skipped without the native addon: sock_diag dumps need it)', () => {
  // made in beforeAll, so that a run that skips these tests leaves no directory behind
  let dir = '';
  let socketPath = '';
  let server: HeldSockets;
  let client: HeldSockets;

  beforeAll(async () => {
    dir = makeTempDir('sockaudit-details-');
    socketPath = path.join(dir, 'db.sock');
    server = await holdSockets([
      { kind: 'tcp-listen', name: 'web', host: '127.0.0.1', backlog: 511 },
      { kind: 'unix', name: 'db', type: 'stream', path: socketPath, accept: 1 },
    ]);
    client = await holdSockets([{ kind: 'unix-connect', name: 'psql', path: socketPath }]);
  });

  afterAll(async () => {
    await client?.release();
    await server?.release();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a listener opened with listen(511) has backlog 511, in JSON, in the table (Send-Q, as ss) and in the store', () => {
    const port = String(server.sockets.web!.port);
    const [listener] = collectJson(['--port', port]).sockets;
    expect(listener).toMatchObject({ state: 'LISTEN', backlog: 511, sendQueue: 0, recvQueue: 0 });
    const table = runCli(['collect', '--port', port]).stdout.split('\n');
    expect(table[0]).toMatch(/Recv-Q Send-Q/);
    expect(table[1]).toMatch(/LISTEN\s+0\s+511 127\.0\.0\.1:/);

    const db = path.join(dir, 'backlog.db');
    expect(runCli(['snapshot', '--quiet', '--db', db]).status).toBe(0);
    const shown = JSON.parse(runCli(['show', '--json', '--db', db, '--port', port]).stdout) as Inventory;
    expect(shown.sockets[0]).toMatchObject({ backlog: 511, recvQueue: null, peerInode: null });
    expect(runCli(['verify', '--db', db]).status).toBe(0);
  });

  it('a connected unix pair: each side names the owner at the other end', async () => {
    // the server accepts on a thread: wait until its end has a file (an inode) to be owned by
    let sockets: PeeredRecord[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      sockets = collectJson(['--family', 'unix']).sockets;
      if (sockets.some((socket) => socket.path === socketPath && socket.state === 'CONNECTED' && socket.owners.length > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const clientEnd = sockets.find((socket) => socket.inode === client.sockets.psql!.inode)!;
    const serverEnd = sockets.find((socket) => socket.path === socketPath && socket.state === 'CONNECTED')!;
    expect(clientEnd.peerInode).toBe(serverEnd.inode);
    expect(serverEnd.peerInode).toBe(clientEnd.inode);
    expect(clientEnd.peerOwners!.map((owner) => owner.pid)).toEqual([server.pid]);
    expect(serverEnd.peerOwners!.map((owner) => owner.pid)).toEqual([client.pid]);
    // a listener has no peer
    expect(sockets.find((socket) => socket.path === socketPath && socket.state === 'LISTEN')!.peerInode).toBeNull();

    const table = runCli(['collect', '--family', 'unix', '--pid', String(client.pid)]).stdout;
    expect(table).toContain(`python3[${client.pid}] <-> python3[${server.pid}] via ${socketPath}`);
    const serverTable = runCli(['collect', '--family', 'unix', '--pid', String(server.pid)]).stdout;
    expect(serverTable).toContain(`python3[${server.pid}] <-> python3[${client.pid}] via ${socketPath}`);
  });
});

describe('ephemeral listeners in the diff, live', () => {
  let dir = '';
  let holder: HeldSockets | undefined;

  afterAll(async () => {
    await holder?.release();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('30 loopback listeners on ports the kernel picked are one grouped line; --sockets lists each', async () => {
    dir = makeTempDir('sockaudit-ephemeral-');
    const db = path.join(dir, 'store.db');
    expect(runCli(['snapshot', '--quiet', '--db', db]).status).toBe(0);
    // port 0: the kernel picks each port from the ephemeral range
    holder = await holdSockets(Array.from({ length: 30 }, (_, index) => ({ kind: 'tcp-listen', name: `l${index}`, host: '127.0.0.1' })));
    expect(runCli(['snapshot', '--quiet', '--db', db]).status).toBe(0);
    const pid = String(holder.pid);
    // the holder's stdio pipes are unix sockets of its own: only its TCP sockets are looked at

    const text = runCli(['diff', '--db', db, '--pid', pid, '--family', 'tcp']);
    expect(text.status).toBe(1);
    const changes = text.stdout.split('\n').filter((line) => /^[!+~-] /.test(line));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatch(/^\+ tcp \S+ ephemeral ports, loopback host +0 -> 30 listeners \(\+30\)$/);

    const every = runCli(['diff', '--db', db, '--pid', pid, '--family', 'tcp', '--sockets']).stdout.split('\n').filter((line) => /^\+ tcp 127\.0\.0\.1:\d+ host /.test(line));
    expect(every).toHaveLength(30);

    const json = JSON.parse(runCli(['diff', '--db', db, '--pid', pid, '--family', 'tcp', '--format', 'json']).stdout);
    expect(json.changes).toHaveLength(1);
    expect(json.changes[0].flow).toMatchObject({ direction: 'listening', family: 'tcp', exposure: 'loopback', countBefore: 0, countAfter: 30 });
  });
});
