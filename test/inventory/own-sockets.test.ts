/**
 * sockaudit never collects its own sockets (issue 15, item 3): the sock_diag netlink
 * socket of a dump, and sockets held by its process alone. Live parts use the real addon
 * and the built CLI; they skip with the reason when the addon is not built.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { ownSocketPositions, withoutOwnSockets, withoutPositions } from '../../src/inventory/own-sockets.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { CLI, makeTempDir } from '../helpers/live.js';
import { makeOwner, makeRecord } from '../store/make-record.js';

describe('withoutOwnSockets', () => {
  const netlink = (inode: number, owners: SocketRecord['owners'] = []) =>
    makeRecord({ family: 'netlink', ipVersion: null, protocol: 4, state: 'UNCONN', localAddress: null, localPort: 7, exposure: null, inode, owners });
  const own = { pid: 500, netlinkInodes: new Set([9001]) };

  it('leaves out the dumps\' netlink sockets and sockets held by this process alone', () => {
    const sshd = makeRecord({ inode: 1, owners: [makeOwner({ pid: 100 })] });
    const ours = makeRecord({ inode: 2, localPort: 4000, owners: [makeOwner({ pid: 500, fd: 9 })] });
    const shared = makeRecord({ inode: 3, localPort: 4001, owners: [makeOwner({ pid: 100 }), makeOwner({ pid: 500 })] });
    const kept = withoutOwnSockets([sshd, netlink(9001), netlink(9002), ours, shared], own);
    expect(kept.map((socket) => socket.inode)).toEqual([1, 9002, 3]);
  });

  it('checks only the candidate positions the collector gives (its dumps\' netlink sockets, its own fds), and keeps the order', () => {
    const sshd = makeRecord({ inode: 1, owners: [makeOwner({ pid: 100 })] });
    const ours = makeRecord({ inode: 2, localPort: 4000, owners: [makeOwner({ pid: 500, fd: 9 })] });
    const shared = makeRecord({ inode: 3, localPort: 4001, owners: [makeOwner({ pid: 100 }), makeOwner({ pid: 500 })] });
    const sockets = [sshd, netlink(9001), netlink(9002), ours, shared];
    // every position that can be ours: the netlink socket 9001 and both of pid 500's sockets
    expect(ownSocketPositions(sockets, own, [1, 3, 4])).toEqual([1, 3]);
    expect(withoutPositions(sockets, [1, 3]).map((socket) => socket.inode)).toEqual([1, 9002, 3]);
    expect(withoutPositions(sockets, [])).toBe(sockets);
    // the same as the pass over every socket
    expect(withoutPositions(sockets, ownSocketPositions(sockets, own, [1, 3, 4]))).toEqual(withoutOwnSockets(sockets, own));
  });

  it('returns the same array when nothing is ours', () => {
    const sockets = [netlink(9002), makeRecord({ inode: 1, owners: [] })];
    expect(withoutOwnSockets(sockets, own)).toBe(sockets);
  });
});

describe.skipIf(nativeAddon === null)('own sockets on the live host (skipped without the native addon: no sock_diag dumps)', () => {
  const dir = makeTempDir('sockaudit-own-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every dump reports the inode of the netlink socket it used', async () => {
    const results = await nativeAddon!.dumpSockets([
      { netnsPath: null, family: 4, protocol: 6 },
      { netnsPath: null, family: 'unix', protocol: 0 },
    ]);
    for (const result of results) expect(result.socketInode).toBeGreaterThan(0);
    expect(results[0]!.socketInode).not.toBe(results[1]!.socketInode);
  });

  it('a command\'s collection (leaveOutOwnProcess) leaves out a unix listener this process alone holds', async () => {
    const socketPath = path.join(dir, 'own.sock');
    const server = net.createServer().listen(socketPath);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const inventory = await collectInventory({ procRoot: '/proc', leaveOutOwnProcess: true });
      expect(inventory.sockets.length).toBeGreaterThan(0);
      expect(inventory.sockets.filter((socket) => socket.path === socketPath)).toEqual([]);
      expect(inventory.sockets.filter((socket) => socket.owners.length > 0 && socket.owners.every((owner) => owner.pid === process.pid))).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('the built CLI, ten times: no socket of its own process in its output', async () => {
    for (let run = 0; run < 10; run += 1) {
      const child = spawn(process.execPath, [CLI, 'collect', '--json', '--family', 'netlink,unix'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const code = await new Promise((resolve) => child.once('close', resolve));
      expect(code).toBe(0);
      const sockets = (JSON.parse(out) as { sockets: SocketRecord[] }).sockets;
      expect(sockets.length).toBeGreaterThan(0);
      expect(sockets.filter((socket) => socket.owners.some((owner) => owner.pid === child.pid))).toEqual([]);
    }
  });
});
