/**
 * The collector on every captured or hand-made /proc tree under fixtures/proc, against a
 * golden JSON file per tree (fixtures/golden/CASE.json), plus specific facts per edge case
 * so that the golden files are not the only check. fixtures/README.md describes each tree;
 * the hand-made ones are written by fixtures/proc/make-edge-cases.mjs.
 *
 * Regenerate the golden files after an intended change in the collector's output:
 *   UPDATE_GOLDEN=1 npx vitest run test/inventory/collect-fixtures.test.ts
 * and read the diff before committing it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import type { Inventory, InventoryWarning, SocketRecord } from '../../src/model/socket-record.js';


const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROC_DIR = path.join(REPO, 'fixtures/proc');
const GOLDEN_DIR = path.join(REPO, 'fixtures/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** Every fixture tree: the directories under fixtures/proc. */
const CASES = fs
  .readdirSync(PROC_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** Relative to the working directory, so that paths in the output do not depend on the checkout. */
function procRootOf(name: string): string {
  return path.relative(process.cwd(), path.join(PROC_DIR, name));
}

function collect(name: string): Promise<Inventory> {
  return collectInventory({ procRoot: procRootOf(name) });
}

/** The inventory without what differs from run to run (time, duration, tool version). */
function stable(inventory: Inventory): unknown {
  const { takenAt: _takenAt, durationMs: _durationMs, toolVersion: _toolVersion, ...meta } = inventory.meta;
  return { ...inventory, meta };
}

const SOCKET_RECORD_FIELDS = [
  'netns', 'netnsName', 'family', 'ipVersion', 'type', 'protocol', 'state', 'localAddress', 'localPort',
  'remoteAddress', 'remotePort', 'path', 'interface', 'inode', 'uid', 'recvQueue', 'sendQueue', 'owners', 'exposure',
  'v6only', 'v6onlySource', 'container', 'publishedTo', 'backlog', 'peerInode',
].sort();
const OWNER_FIELDS = ['pid', 'fd', 'comm', 'exe', 'cmdline', 'uid', 'user'].sort();

function byInode(inventory: Inventory, inode: number): SocketRecord {
  const found = inventory.sockets.filter((socket) => socket.inode === inode);
  expect(found, `exactly one socket with inode ${inode}`).toHaveLength(1);
  return found[0]!;
}

function ownerPids(socket: SocketRecord): number[] {
  return socket.owners.map((owner) => owner.pid);
}

function warningsOf(inventory: Inventory, code: string): InventoryWarning[] {
  return inventory.warnings.filter((warning) => warning.code === code);
}

describe('collector on fixture trees', () => {
  it('finds the fixture trees', () => {
    expect(CASES).toEqual(expect.arrayContaining(['edge-cases', 'netlink-8col', 'netns-pair', 'sockload-1k']));
  });

  it('has no golden file without a fixture tree', () => {
    const goldens = fs
      .readdirSync(GOLDEN_DIR)
      .filter((name) => name.endsWith('.json') && !name.endsWith('.workload.json'))
      .map((name) => name.slice(0, -'.json'.length));
    expect(goldens.filter((name) => !CASES.includes(name))).toEqual([]);
  });

  describe.each(CASES)('%s', (name) => {
    it('matches its golden file', async () => {
      const actual = stable(await collect(name));
      const goldenFile = path.join(GOLDEN_DIR, `${name}.json`);
      if (UPDATE) {
        fs.writeFileSync(goldenFile, JSON.stringify(actual, null, 2) + '\n');
        console.log(`wrote ${path.relative(REPO, goldenFile)}`);
      }
      expect(fs.existsSync(goldenFile), `${goldenFile} is missing: run UPDATE_GOLDEN=1 npx vitest run test/inventory/collect-fixtures.test.ts`).toBe(true);
      expect(actual).toEqual(JSON.parse(fs.readFileSync(goldenFile, 'utf8')));
    });

    it('gives the same result when collected twice', async () => {
      expect(stable(await collect(name))).toEqual(stable(await collect(name)));
    });

    it('gives records with exactly the contract fields, owners sorted by pid then fd', async () => {
      const inventory = await collect(name);
      expect(inventory.sockets.length).toBeGreaterThan(0);
      for (const socket of inventory.sockets) {
        expect(Object.keys(socket).sort()).toEqual(SOCKET_RECORD_FIELDS);
        for (const owner of socket.owners) expect(Object.keys(owner).sort()).toEqual(OWNER_FIELDS);
        const sorted = [...socket.owners].sort((a, b) => a.pid - b.pid || a.fd - b.fd);
        expect(socket.owners).toEqual(sorted);
        if (socket.inode === 0) expect(socket.owners).toEqual([]);
      }
      // every namespace a socket names is in meta, under the same name
      const names = new Map(inventory.meta.namespaces.map((ns) => [ns.inode, ns.name]));
      for (const socket of inventory.sockets) expect(names.get(socket.netns)).toBe(socket.netnsName);
    });
  });
});

describe('edge-cases fixture', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await collect('edge-cases');
  });

  it('reads meta from the tree', () => {
    expect(inventory.meta).toMatchObject({
      host: 'edge-host',
      kernel: '6.1.0-fixture',
      bootId: '3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      ephemeralPorts: [32768, 60999],
    });
  });

  it("names pid 1's namespace host and an unnamed one after the comm of its lowest pid", () => {
    expect(inventory.meta.namespaces).toEqual([
      { inode: 4026531840, name: 'host', readerPid: 1, readable: true },
      { inode: 4026532300, name: 'pause', readerPid: 300, readable: true },
      // kept alive by its /run/netns mount alone: no process to read it through
      { inode: 4026532999, name: 'orphan', readerPid: null, readable: false },
    ]);
    expect(warningsOf(inventory, 'netns-unreadable')).toEqual([expect.objectContaining({ message: expect.stringContaining('orphan') })]);
    const redis = byInode(inventory, 30101);
    expect(redis).toMatchObject({ netns: 4026532300, netnsName: 'pause', state: 'LISTEN', localPort: 6379 });
    expect(redis.owners).toEqual([expect.objectContaining({ pid: 301, fd: 6, comm: 'redis-server', uid: 999, user: null })]);
    expect(warningsOf(inventory, 'host-netns-assumed')).toEqual([]);
  });

  it('keeps a unix path with spaces whole, a trailing space included', () => {
    expect(byInode(inventory, 13001)).toMatchObject({ family: 'unix', type: 'stream', state: 'LISTEN', path: '/run/my app/ctl sock' });
    expect(byInode(inventory, 13002)).toMatchObject({ state: 'LISTEN', path: '/tmp/ends with space ' });
    // an accepted connection shows its listener's path
    expect(byInode(inventory, 13003)).toMatchObject({ state: 'CONNECTED', path: '/run/my app/ctl sock' });
    expect(byInode(inventory, 13001).owners).toEqual([
      { pid: 130, fd: 3, comm: 'my daemon', exe: '/opt/my app/bin/my daemon', cmdline: '/opt/my app/bin/my daemon --socket /run/my app/ctl sock', uid: 1000, user: 'alice' },
    ]);
  });

  it('shows abstract names with @, dropping the NUL padding but not inner NULs', () => {
    expect(byInode(inventory, 15001).path).toBe('@/tmp/.X11-unix/X0');
    expect(byInode(inventory, 15002).path).toBe('@sockaudit-fx-w1');
    expect(byInode(inventory, 15003)).toMatchObject({ type: 'dgram', state: 'UNCONN', path: '@foo@bar' });
    expect(byInode(inventory, 15001).owners[0]).toMatchObject({ pid: 150, uid: 4242, user: null });
  });

  it('lists both ends of unnamed unix pairs with their own owners', () => {
    expect(byInode(inventory, 16001)).toMatchObject({ type: 'stream', state: 'CONNECTED', path: null });
    expect(ownerPids(byInode(inventory, 16001))).toEqual([160]);
    expect(byInode(inventory, 16002)).toMatchObject({ type: 'stream', state: 'CONNECTED', path: null });
    expect(ownerPids(byInode(inventory, 16002))).toEqual([161]);
    expect(byInode(inventory, 16003)).toMatchObject({ type: 'seqpacket', path: null });
    expect(byInode(inventory, 16003).owners.map((o) => [o.pid, o.fd])).toEqual([[160, 4]]);
    expect(byInode(inventory, 16004).owners.map((o) => [o.pid, o.fd])).toEqual([[160, 5]]);
    expect(byInode(inventory, 16105)).toMatchObject({ state: 'CONNECTING', owners: [] });
  });

  it('keeps TIME_WAIT, SYN_RECV and orphaned sockets with inode 0 and no owners', () => {
    const zero = inventory.sockets.filter((socket) => socket.inode === 0 && socket.family === 'tcp');
    expect(zero.map((s) => [s.state, s.localPort, s.remotePort])).toEqual([
      ['TIME_WAIT', 45000, 4444],
      ['SYN_RECV', 4444, 45002],
      ['LAST_ACK', 443, 50000],
    ]);
    for (const socket of zero) expect(socket.owners).toEqual([]);
    expect(zero[0]).toMatchObject({ localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', ipVersion: 4 });
    expect(zero[2]).toMatchObject({ localAddress: '2001:db8::10', remoteAddress: '::1', ipVersion: 6, exposure: 'specific' });
  });

  it('prints an IPv4-mapped IPv6 address as ::ffff:a.b.c.d, loopback exposure', () => {
    expect(byInode(inventory, 17002)).toMatchObject({
      family: 'tcp', ipVersion: 6, state: 'ESTABLISHED',
      localAddress: '::ffff:127.0.0.1', localPort: 8443, remoteAddress: '::ffff:127.0.0.1', remotePort: 46000,
      exposure: 'loopback',
    });
    expect(byInode(inventory, 17001)).toMatchObject({ localAddress: '::', localPort: 8443, exposure: 'wildcard' });
    expect(byInode(inventory, 17201)).toMatchObject({ family: 'udp', ipVersion: 6, localAddress: 'fe80::1', localPort: 546, exposure: 'link-local' });
    expect(byInode(inventory, 17202)).toMatchObject({ localAddress: '169.254.10.1', exposure: 'link-local' });
    expect(byInode(inventory, 12103)).toMatchObject({ localAddress: '10.0.0.5', remoteAddress: '10.0.0.9', remotePort: 51000, exposure: 'specific', recvQueue: 120 });
  });

  it('takes the protocol of raw sockets from the port column', () => {
    expect(byInode(inventory, 18001)).toMatchObject({ family: 'raw', ipVersion: 4, protocol: 1, state: 'UNCONN', localAddress: '0.0.0.0' });
    expect(byInode(inventory, 18002)).toMatchObject({ family: 'raw', ipVersion: 4, protocol: 255 });
    expect(byInode(inventory, 18003)).toMatchObject({ family: 'raw', ipVersion: 6, protocol: 58, localAddress: '::' });
  });

  it('lists ping sockets as icmp', () => {
    expect(byInode(inventory, 19001)).toMatchObject({ family: 'icmp', ipVersion: 4, state: 'UNCONN', localPort: 7, uid: 1000 });
    expect(byInode(inventory, 19001).owners[0]).toMatchObject({ pid: 190, user: 'alice' });
    expect(byInode(inventory, 19002)).toMatchObject({ family: 'icmp', ipVersion: 6, state: 'ESTABLISHED', remoteAddress: '::1' });
  });

  it('reads 10-column netlink: the Pid column is a port id, not an owner', () => {
    expect(byInode(inventory, 20001)).toMatchObject({ family: 'netlink', protocol: 0, localPort: 2000 });
    expect(ownerPids(byInode(inventory, 20001))).toEqual([200]);
    expect(byInode(inventory, 20002)).toMatchObject({ localPort: 3456789012 });
    expect(byInode(inventory, 101)).toMatchObject({ protocol: 15, localPort: 1 });
    expect(byInode(inventory, 101).owners.map((o) => [o.pid, o.fd, o.comm])).toEqual([[1, 5, 'systemd']]);
    expect(byInode(inventory, 4).owners).toEqual([]);
  });

  it('reads packet sockets: ethertype, type, interface by name, ifindex:N, or null for all', () => {
    expect(byInode(inventory, 21001)).toMatchObject({ family: 'packet', type: 'raw', protocol: 0x0003, interface: 'eth0' });
    expect(byInode(inventory, 21101)).toMatchObject({ family: 'packet', type: 'raw', protocol: 0x0003, interface: null });
    expect(byInode(inventory, 21102)).toMatchObject({ family: 'packet', type: 'dgram', protocol: 0x88cc, interface: 'ifindex:3' });
    expect(ownerPids(byInode(inventory, 21001))).toEqual([210]);
  });

  it('reads sctp endpoints and associations', () => {
    expect(byInode(inventory, 22001)).toMatchObject({ family: 'sctp', ipVersion: 4, state: 'LISTEN', localAddress: '127.0.0.1', localPort: 9899 });
    expect(byInode(inventory, 22102)).toMatchObject({ family: 'sctp', state: 'ESTABLISHED', localPort: 40000, remoteAddress: '127.0.0.1', remotePort: 9899 });
    expect(byInode(inventory, 22003)).toMatchObject({ family: 'sctp', state: 'ESTABLISHED', localPort: 9899, remotePort: 40000 });
    expect(byInode(inventory, 22003).owners.map((o) => [o.pid, o.fd])).toEqual([[220, 4]]);
    expect(ownerPids(byInode(inventory, 22102))).toEqual([221]);
  });

  it('maps the STY column of sctp (enum sctp_socket_type: 2 = one-to-one, TCP style) to type stream', () => {
    // include/net/sctp/structs.h: SCTP_SOCKET_UDP = 0 (one-to-many), SCTP_SOCKET_UDP_HIGH_BANDWIDTH = 1
    // (peeled off), SCTP_SOCKET_TCP = 2; /proc/net/sctp/* prints sctp_sk(sk)->type, not sk_type
    for (const inode of [22001, 22102, 22003]) expect(byInode(inventory, inode).type).toBe('stream');
  });

  it('keeps a comm containing ") " and spaces exact, from comm or from stat', () => {
    expect(byInode(inventory, 14001).owners).toEqual([
      { pid: 140, fd: 3, comm: 'evil) x (y', exe: '/tmp/evil) x (y', cmdline: './evil) x (y --listen 127.0.0.1:4444', uid: 0, user: 'root' },
    ]);
    // pid 141 has no comm file: stat is read up to its last ')'
    expect(byInode(inventory, 14101).owners[0]).toMatchObject({ pid: 141, comm: 'weird) (name' });
  });

  it('keeps every owner of a listener shared after fork', () => {
    for (const inode of [12001, 12002]) {
      const socket = byInode(inventory, inode);
      expect(socket.state).toBe('LISTEN');
      expect(socket.owners.map((o) => [o.pid, o.fd, o.user])).toEqual([
        [120, inode === 12001 ? 6 : 7, 'root'],
        [121, inode === 12001 ? 6 : 7, 'www-data'],
      ]);
    }
  });

  it('keeps a deleted binary as the kernel shows it', () => {
    expect(byInode(inventory, 23001).owners[0]).toMatchObject({ pid: 230, exe: '/usr/bin/foo (deleted)', comm: 'updater' });
  });

  it('warns about a vanished process and ignores fds of sockets no table lists', () => {
    expect(warningsOf(inventory, 'pid-vanished').length).toBeGreaterThan(0);
    const owners = inventory.sockets.flatMap(ownerPids);
    expect(owners).not.toContain(240);
    expect(owners).not.toContain(241); // its only socket, inode 999999, is in no table (e.g. vsock)
    expect(inventory.sockets.some((socket) => socket.inode === 999999)).toBe(false);
  });

  it('skips truncated and garbage lines with a warning naming the file and line numbers', () => {
    const malformed = warningsOf(inventory, 'malformed-line');
    const about = (file: string) => malformed.filter((warning) => warning.message.includes(`/1/net/${file} `));
    expect(about('tcp')).toHaveLength(1);
    expect(about('tcp')[0]!.count).toBe(2);
    expect(about('tcp')[0]!.message).toMatch(/\bline 6\b/);
    expect(about('tcp')[0]!.message).toMatch(/\bline 10\b/);
    expect(about('udp')).toHaveLength(1);
    expect(about('udp')[0]!.count).toBe(1);
    expect(about('udp')[0]!.message).toMatch(/\bline 4\b/);
    expect(about('unix')).toHaveLength(1);
    expect(about('unix')[0]!.count).toBe(2);
    expect(about('unix')[0]!.message).toMatch(/\bline 9\b/);
    expect(about('unix')[0]!.message).toMatch(/\bline 17\b/);
    expect(malformed).toHaveLength(3);
    // the lines after a bad one are still read
    expect(inventory.sockets.some((s) => s.family === 'tcp' && s.state === 'SYN_RECV')).toBe(true);
    expect(byInode(inventory, 14102)).toMatchObject({ family: 'udp', state: 'ESTABLISHED', remoteAddress: '127.0.0.53', remotePort: 53 });
    expect(byInode(inventory, 15003).family).toBe('unix');
    expect(inventory.sockets.some((s) => s.inode === 77777 || s.inode === 99999)).toBe(false);
  });

  it('treats absent optional tables (no udp6, raw or sctp in the container) as no error', () => {
    expect(warningsOf(inventory, 'netns-file-unreadable')).toEqual([]);
    expect(inventory.sockets.filter((s) => s.netnsName === 'pause').map((s) => s.family).sort()).toEqual(['netlink', 'tcp', 'tcp', 'unix']);
  });
});

describe('netlink-8col fixture (2.6-era header without Drops and Inode)', () => {
  it('reads every row, with inode 0 and no owner', async () => {
    const inventory = await collect('netlink-8col');
    const netlink = inventory.sockets.filter((socket) => socket.family === 'netlink');
    expect(netlink.map((s) => [s.protocol, s.localPort, s.inode])).toEqual([
      [0, 0, 0],
      [15, 1, 0],
      [0, 1234, 0],
      [9, 0, 0],
    ]);
    for (const socket of netlink) expect(socket.owners).toEqual([]);
    expect(warningsOf(inventory, 'malformed-line')).toEqual([]);
    expect(byInode(inventory, 201).owners.map((o) => [o.pid, o.comm])).toEqual([[1, 'init']]);
  });
});

describe('netns-pair fixture (captured: a listener in a namespace made with ip netns add)', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await collect('netns-pair');
  });

  it('names the second namespace from run/netns and reads it through its own process', () => {
    const [host, second] = inventory.meta.namespaces;
    expect(inventory.meta.namespaces).toHaveLength(2);
    expect(host).toMatchObject({ name: 'host', readable: true });
    expect(second).toMatchObject({ inode: 4026532177, name: expect.stringMatching(/^sockaudit-fx-/), readerPid: 4999, readable: true });
    // pid 1's ns/net could not be read at capture time: the capturing process's namespace is host
    expect(warningsOf(inventory, 'host-netns-assumed')).toHaveLength(1);
  });

  it('tells the same 127.0.0.1:8080 listener apart in the two namespaces', () => {
    const listeners = inventory.sockets.filter((s) => s.family === 'tcp' && s.state === 'LISTEN' && s.localPort === 8080);
    expect(listeners.map((s) => [s.netnsName === 'host' ? 'host' : 'second', s.localAddress, ownerPids(s)]).sort()).toEqual([
      ['host', '127.0.0.1', [5001]],
      ['second', '127.0.0.1', [4999]],
    ]);
    const unixPaths = inventory.sockets.filter((s) => s.family === 'unix' && s.path !== null).map((s) => [s.netns, s.path]);
    expect(unixPaths).toContainEqual([4026532177, '/tmp/fx-netns-inner.sock']);
    expect(unixPaths).not.toContainEqual([4026532177, '/tmp/fx-netns-host.sock']);
  });
});

describe('sockload-1k fixture (captured: sockload.mjs --procs 20 --total 1000)', () => {
  interface Workload {
    coordinatorPid: number;
    workerPids: number[];
    observed: {
      tcp4: { listen: number; established: number };
      tcp6: { listen: number; established: number };
      udp4: { bound: number; connected: number };
      udp6: { bound: number; connected: number };
      unix_stream: { listen: number; connected: number };
      total: number;
    };
  }
  const workload = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, 'sockload-1k.workload.json'), 'utf8')) as Workload;

  it('finds every socket sockload reported, each owned by a sockload process', async () => {
    const inventory = await collect('sockload-1k');
    const pids = new Set([workload.coordinatorPid, ...workload.workerPids]);
    const ours = inventory.sockets.filter((s) => s.owners.some((o) => pids.has(o.pid)));
    const count = (family: string, ipVersion: number | null, state?: string) =>
      ours.filter((s) => s.family === family && s.ipVersion === ipVersion && (state === undefined || s.state === state)).length;
    const { observed } = workload;
    expect({
      tcp4: { listen: count('tcp', 4, 'LISTEN'), established: count('tcp', 4, 'ESTABLISHED') },
      tcp6: { listen: count('tcp', 6, 'LISTEN'), established: count('tcp', 6, 'ESTABLISHED') },
      udp4: { bound: count('udp', 4), connected: count('udp', 4, 'ESTABLISHED') },
      udp6: { bound: count('udp', 6), connected: count('udp', 6, 'ESTABLISHED') },
      unix_stream: { listen: count('unix', null, 'LISTEN'), connected: count('unix', null, 'CONNECTED') },
    }).toEqual({
      tcp4: { listen: observed.tcp4.listen, established: observed.tcp4.established },
      tcp6: { listen: observed.tcp6.listen, established: observed.tcp6.established },
      udp4: { bound: observed.udp4.bound, connected: observed.udp4.connected },
      udp6: { bound: observed.udp6.bound, connected: observed.udp6.connected },
      unix_stream: { listen: observed.unix_stream.listen, connected: observed.unix_stream.connected },
    });
    expect(ours).toHaveLength(observed.total);
    for (const socket of ours) {
      expect(socket.owners).toHaveLength(1);
      expect(socket.owners[0]).toMatchObject({ comm: 'node', exe: expect.stringMatching(/node$/), user: 'root' });
    }
  });
});
