/**
 * The native addon against the JavaScript paths it replaces, on the live machine: the
 * sock_diag dumps (TCP, UDP, unix) must give exactly the records the /proc files give, and the C fd scan
 * exactly the owners the JavaScript scan finds. Loopback only. The namespace part needs
 * root and ip (ip netns add; entering a namespace needs CAP_SYS_ADMIN) and skips without.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFromProc } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import { processDetailsFromFiles, processFilesFromDump, readProcessDetails } from '../../src/inventory/process-details.js';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import type { FdLinkScan } from '../../src/model/fd-link-scan.js';
import { startFdLinkScan } from '../../src/proc/fd-links.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { parseInetDiagRecords } from '../../src/proc/parse-inet-diag.js';
import { createProcFs, type ProcFs } from '../../src/proc/proc-fs.js';
import { hasCommand, holdSockets, IS_ROOT, makeTempDir, type HeldSockets } from '../helpers/live.js';

/** the families that come from sock_diag dumps on the live host */
const DUMPED_FAMILIES = new Set(['tcp', 'udp', 'udplite', 'unix']);

function inodeOf(handle: unknown): number {
  const fd = (handle as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no fd on this handle');
  return fs.statSync(`/proc/self/fd/${fd}`).ino;
}

/** A ProcFs whose fd scan is the JavaScript one, to compare the C scan with. */
function withJavaScriptScan(proc: ProcFs): ProcFs {
  return { ...proc, startSocketFdScan: (pids, hint) => startFdLinkScan(`${proc.root}/`, pids, hint, null) };
}

/**
 * A record without its v6only fields: the one difference between the two paths. A dump
 * reports each IPv6 listener's own IPV6_V6ONLY (source `socket`); the /proc text has none,
 * so the collector takes the namespace's default (source `inferred`), which a program may
 * have overridden. checkV6only holds each pair to that.
 */
function withoutV6only(socket: SocketRecord | undefined): SocketRecord | undefined {
  // backlog and peerInode too: sock_diag gives them, the /proc text has no column for them
  return socket === undefined ? undefined : { ...socket, v6only: null, v6onlySource: null, backlog: null, peerInode: null };
}

/** v6only of one socket read both ways, as the paths may differ in it (see withoutV6only). */
function checkV6only(native: SocketRecord, text: SocketRecord): void {
  expect(native.v6onlySource === null || native.v6onlySource === 'socket').toBe(true);
  expect(text.v6onlySource === null || text.v6onlySource === 'inferred').toBe(true);
  // the kernel reports it for IPv6 listeners and unconnected datagram sockets only
  if (native.ipVersion === 6 && (native.state === 'LISTEN' || native.state === 'UNCONN')) expect(native.v6only, `${native.family} ${native.localAddress}:${native.localPort}`).not.toBeNull();
  else expect(native.v6only).toBeNull();
  // an IPv4-mapped address is bound with IPV6_V6ONLY off, both ways
  if (native.localAddress?.startsWith('::ffff:') === true && native.v6only !== null) expect([native.v6only, text.v6only]).toEqual([false, false]);
}

/** Dumped sockets keyed by what identifies them, with owners reduced to pid:fd and v6only aside. */
function dumpedByKey(inventory: Inventory): Map<string, { record: string; socket: SocketRecord }> {
  const map = new Map<string, { record: string; socket: SocketRecord }>();
  for (const socket of inventory.sockets) {
    if (!DUMPED_FAMILIES.has(socket.family)) continue;
    const key = `${socket.netns} ${socket.family}${socket.ipVersion} ${socket.inode} ${socket.localAddress}:${socket.localPort} ${socket.remoteAddress}:${socket.remotePort} ${socket.path}`;
    map.set(key, { record: JSON.stringify({ ...withoutV6only(socket), owners: socket.owners.map((owner) => `${owner.pid}:${owner.fd}`) }), socket });
  }
  return map;
}

function findByInode(inventory: Inventory, inode: number): SocketRecord | undefined {
  return inventory.sockets.find((socket) => socket.inode === inode);
}

it('the native addon is built (npm ci runs `npm run build:native` through the prepare script)', () => {
  expect(nativeAddon).not.toBeNull();
});

describe.skipIf(nativeAddon === null)('sock_diag dumps and the C fd scan against /proc text and the JavaScript scan', () => {
  const dir = makeTempDir('sockaudit-diag-');
  const servers: net.Server[] = [];
  const clients: net.Socket[] = [];
  const udpSockets: dgram.Socket[] = [];
  const inodes: Record<string, number> = {};
  let viaText: Inventory;
  let viaNative: Inventory;

  beforeAll(async () => {
    for (const [name, host] of [['tcp4', '127.0.0.1'], ['tcp6', '::1'], ['mapped', '::ffff:127.0.0.1']] as const) {
      const server = net.createServer((accepted) => clients.push(accepted));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      inodes[`${name}Listener`] = inodeOf(server);
      const client = net.connect((server.address() as net.AddressInfo).port, host);
      await new Promise<void>((resolve) => client.once('connect', resolve));
      clients.push(client);
      inodes[`${name}Client`] = inodeOf(client);
    }
    for (const [name, type, host] of [['udp4', 'udp4', '127.0.0.1'], ['udp6', 'udp6', '::1']] as const) {
      const socket = dgram.createSocket(type);
      udpSockets.push(socket);
      await new Promise<void>((resolve) => socket.bind(0, host, resolve));
      inodes[name] = inodeOf(socket);
    }
    const connected = dgram.createSocket('udp4');
    udpSockets.push(connected);
    await new Promise<void>((resolve) => connected.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => connected.connect((udpSockets[0]!.address() as net.AddressInfo).port, '127.0.0.1', resolve));
    inodes.udpConnected = inodeOf(connected);
    for (const [name, where] of [['unixPath', path.join(dir, 'with space.sock')], ['unixAbstract', `\0sockaudit-diag-${process.pid}`]] as const) {
      const server = net.createServer((accepted) => clients.push(accepted));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(where, resolve));
      inodes[`${name}Listener`] = inodeOf(server);
      const client = net.connect(where);
      await new Promise<void>((resolve) => client.once('connect', resolve));
      clients.push(client);
      inodes[`${name}Client`] = inodeOf(client);
    }
    // wait until the server side has accepted every connection
    while (clients.length < 10) await new Promise((resolve) => setTimeout(resolve, 5));

    const proc = createProcFs('/proc');
    const context = readHostContext('/proc');
    viaText = await collectFromProc(withJavaScriptScan(proc), context, undefined, null);
    viaNative = await collectFromProc(proc, context, undefined, nativeAddon);
  });
  afterAll(() => {
    clients.forEach((client) => client.destroy());
    servers.forEach((server) => server.close());
    udpSockets.forEach((socket) => socket.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds every socket of this test both ways', () => {
    for (const [name, inode] of Object.entries(inodes)) {
      expect(findByInode(viaText, inode), `${name} via /proc`).toBeDefined();
      expect(findByInode(viaNative, inode), `${name} via sock_diag`).toBeDefined();
    }
  });

  it('gives identical records for this test’s sockets, owners included', () => {
    for (const inode of Object.values(inodes)) {
      const native = findByInode(viaNative, inode)!;
      expect(withoutV6only(native)).toEqual(withoutV6only(findByInode(viaText, inode)));
      checkV6only(native, findByInode(viaText, inode)!);
      expect(native.owners.map((owner) => owner.pid)).toEqual([process.pid]);
    }
    // (what Node sets IPV6_V6ONLY to is its business: dual-stack-live.test.ts sets it itself)
    expect(findByInode(viaNative, inodes.tcp6Listener!)).toMatchObject({ v6only: expect.any(Boolean), v6onlySource: 'socket' });
    expect(findByInode(viaNative, inodes.mappedListener!)).toMatchObject({ v6only: false, v6onlySource: 'socket' });
    expect(findByInode(viaNative, inodes.tcp4Listener!)).toMatchObject({ v6only: null, v6onlySource: null });
    expect(findByInode(viaNative, inodes.tcp6Client!)).toMatchObject({ v6only: null, v6onlySource: null });
    expect(findByInode(viaNative, inodes.mappedListener!)).toMatchObject({ ipVersion: 6, localAddress: '::ffff:127.0.0.1', exposure: 'loopback' });
    expect(findByInode(viaNative, inodes.udpConnected!)).toMatchObject({ state: 'ESTABLISHED', remoteAddress: '127.0.0.1' });
    expect(findByInode(viaNative, inodes.unixPathListener!)).toMatchObject({ family: 'unix', type: 'stream', state: 'LISTEN', path: path.join(dir, 'with space.sock') });
    expect(findByInode(viaNative, inodes.unixAbstractListener!)).toMatchObject({ state: 'LISTEN', path: `@sockaudit-diag-${process.pid}` });
    expect(findByInode(viaNative, inodes.unixAbstractClient!)).toMatchObject({ state: 'CONNECTED', path: null });
  });

  it('gives identical records for every TCP, UDP and unix socket on the host seen both ways', async () => {
    /** Keys whose records differ between the two ways (v6only checked apart), and how many were compared. */
    const differences = (textInventory: Inventory, nativeInventory: Inventory) => {
      const text = dumpedByKey(textInventory);
      const native = dumpedByKey(nativeInventory);
      const differing = new Map<string, [string, string]>();
      let compared = 0;
      for (const [key, { record, socket }] of native) {
        const other = text.get(key);
        if (other === undefined) continue; // opened or closed between the two collections
        if (record !== other.record) differing.set(key, [record, other.record]);
        checkV6only(socket, other.socket);
        compared++;
      }
      // sockets of other processes come and go between the two reads; nearly all stay
      expect(compared).toBeGreaterThanOrEqual(Math.min(text.size, native.size) * 0.9);
      return differing;
    };
    // Other processes (other test files run at the same time) change their sockets' owners
    // and queues between the two reads. A decoder difference shows in every round; churn
    // does not: a key fails only if it differs in three rounds of fresh collections.
    let persistent = differences(viaText, viaNative);
    for (let round = 0; round < 2 && persistent.size > 0; round++) {
      const proc = createProcFs('/proc');
      const context = readHostContext('/proc');
      const again = differences(await collectFromProc(withJavaScriptScan(proc), context, undefined, null), await collectFromProc(proc, context, undefined, nativeAddon));
      persistent = new Map([...persistent].filter(([key]) => again.has(key)));
    }
    expect(Object.fromEntries(persistent)).toEqual({});
  });

  it('the C scan finds the same socket fds as the JavaScript scan', async () => {
    const pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
    const entries = (scan: FdLinkScan, pid: number) => {
      const out: string[] = [];
      for (let i = 0; i < scan.pids.length; i++) if (scan.pids[i] === pid) out.push(`${scan.fds[i]}:${scan.inodes[i]}`);
      return out.sort();
    };
    for (const threads of [1, 2]) {
      const native = await nativeAddon!.scanSocketFds('/proc/', Int32Array.from(pids), threads);
      const javaScript = startFdLinkScan('/proc/', pids, 0, null);
      javaScript.help();
      const js = await javaScript.result();
      expect(native.claimed).toBe(pids.length);
      expect(entries(native, process.pid)).toEqual(entries(js, process.pid));
      expect(entries(native, process.pid).length).toBeGreaterThanOrEqual(Object.keys(inodes).length);
    }
  });

  it('the C scan reads the files of each process holding a socket: the same details as reading them from JavaScript', async () => {
    // a process of known details that holds a socket and sits still: python3 running the holder script
    const holder = await holdSockets([{ kind: 'tcp-listen', name: 'held', host: '127.0.0.1', port: 0 }]);
    try {
      const pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
      const scan = await nativeAddon!.scanSocketFds('/proc/', Int32Array.from(pids), 2);
      const dump = scan.processes!;
      expect(new Set(dump.pids)).toEqual(new Set(scan.pids)); // every holder once, and no one else
      const users = readHostContext('/proc').users;
      const proc = createProcFs('/proc');
      const fromDump = (pid: number) => processDetailsFromFiles(processFilesFromDump(dump, dump.pids.indexOf(pid)), users);
      for (const pid of [process.pid, holder.pid]) expect(fromDump(pid), `pid ${pid}`).toEqual(readProcessDetails(proc, pid, users));
      expect(fromDump(holder.pid)).toMatchObject({ comm: expect.stringMatching(/^python3/), cmdline: expect.stringContaining('socket-holder.py'), uid: process.geteuid!() });
      // every other holder: processes of other tests may exec or exit between the two reads,
      // so a pid fails only if it differs in three rounds of fresh scans (a decoder
      // difference shows every time; churn does not)
      const differing = (round: FdLinkScan) => {
        const files = round.processes!;
        return new Set(
          [...files.pids].filter((pid) => {
            const js = readProcessDetails(proc, pid, users);
            return JSON.stringify(processDetailsFromFiles(processFilesFromDump(files, files.pids.indexOf(pid)), users)) !== JSON.stringify(js);
          }),
        );
      };
      let persistent = differing(scan);
      for (let round = 0; round < 2 && persistent.size > 0; round++) {
        const again = differing(await nativeAddon!.scanSocketFds('/proc/', Int32Array.from(pids), 2));
        persistent = new Set([...persistent].filter((pid) => again.has(pid)));
      }
      expect([...persistent]).toEqual([]);
    } finally {
      await holder.release();
    }
  });

  it('the C scan reports a vanished pid and an unreadable root as failures, not exceptions', async () => {
    const gone = 2 ** 22 + 12345;
    const scan = await nativeAddon!.scanSocketFds('/proc/', Int32Array.of(gone), 1);
    expect(scan.failures).toEqual([{ pid: gone, code: 'ENOENT' }]);
    expect(scan.inodes).toHaveLength(0);
    expect(() => nativeAddon!.scanSocketFds('/proc/', [1] as unknown as Int32Array, 1)).toThrow(/Int32Array/);
  });

  it('a dump of a namespace that cannot be opened comes back as an errno, not an exception', async () => {
    const [result] = await nativeAddon!.dumpSockets([{ netnsPath: '/proc/4194303000/ns/net', family: 4, protocol: 6 }]);
    expect(result).toEqual({ code: 'ENOENT', socketInode: 0 });
  });
});

describe.skipIf(nativeAddon === null || !IS_ROOT || !hasCommand('ip') || !hasCommand('python3'))(
  'sock_diag inside another network namespace (skipped unless root with ip and python3: ip netns add and setns need CAP_SYS_ADMIN)',
  () => {
    const name = `sockaudit-diag-${process.pid}`;
    let held: HeldSockets | undefined;
    beforeAll(async () => {
      expect(spawnSync('ip', ['netns', 'add', name]).status).toBe(0);
      expect(spawnSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
      held = await holdSockets(
        [
          { kind: 'tcp-listen', name: 'inside', host: '127.0.0.1', port: 8080 },
          { kind: 'tcp-listen', name: 'inside6', host: '::', port: 8081, v6only: false },
        ],
        ['ip', 'netns', 'exec', name],
      );
    });
    afterAll(async () => {
      await held?.release();
      spawnSync('ip', ['netns', 'del', name]);
    });

    it('enters the namespace through a pid inside it and dumps its sockets only', async () => {
      const netns = fs.statSync(`/proc/${held!.pid}/ns/net`).ino;
      const [inside, own] = await nativeAddon!.dumpSockets([
        { netnsPath: `/proc/${held!.pid}/ns/net`, family: 4, protocol: 6 },
        { netnsPath: null, family: 4, protocol: 6 },
      ]);
      expect(inside).toMatchObject({ netns });
      const rows = parseInetDiagRecords((inside as { records: Uint8Array }).records, { family: 'tcp', ipVersion: 4 });
      expect(rows.map((row) => [row.inode, row.state, row.localAddress, row.localPort])).toEqual([[held!.sockets.inside!.inode, 'LISTEN', '127.0.0.1', 8080]]);
      expect(own).toMatchObject({ netns: fs.statSync('/proc/self/ns/net').ino });
      const ownRows = parseInetDiagRecords((own as { records: Uint8Array }).records, { family: 'tcp', ipVersion: 4 });
      expect(ownRows.some((row) => row.inode === held!.sockets.inside!.inode)).toBe(false);
    });

    it('collects the namespace the same way through sock_diag as through its /proc files', async () => {
      const proc = createProcFs('/proc');
      const context = readHostContext('/proc');
      const viaText = await collectFromProc(proc, context, undefined, null);
      const viaNative = await collectFromProc(proc, context, undefined, nativeAddon);
      const inode = held!.sockets.inside!.inode!;
      // the dump knows the listener's backlog, which the /proc text does not print
      expect(findByInode(viaNative, inode)).toEqual({ ...findByInode(viaText, inode), backlog: expect.any(Number) });
      expect(findByInode(viaText, inode)!.backlog).toBeNull();
      // an IPv6 listener: its own v6only from the dump; from the text, another namespace's
      // default cannot be read (the sysctl shows the reader's namespace), so it is unknown
      const inode6 = held!.sockets.inside6!.inode!;
      expect(withoutV6only(findByInode(viaNative, inode6))).toEqual(withoutV6only(findByInode(viaText, inode6)));
      expect(findByInode(viaNative, inode6)).toMatchObject({ v6only: false, v6onlySource: 'socket' });
      expect(findByInode(viaText, inode6)).toMatchObject({ v6only: null, v6onlySource: null });
      expect(findByInode(viaNative, inode)).toMatchObject({ netnsName: name, localPort: 8080, owners: [{ pid: held!.pid }] });
    });
  },
);
