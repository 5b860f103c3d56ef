/**
 * The collector on the live machine: sockets this test opens must come back with the
 * right fields and owners. Loopback and unix only. Root-only parts (raw and packet
 * sockets, a namespace made with `ip netns add`) skip with the reason when not root.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { hasCommand, holdSockets, IS_ROOT, makeTempDir, type HeldSockets } from '../helpers/live.js';

const HAS_PYTHON = hasCommand('python3');
const HAS_IP = hasCommand('ip');

function inodeOf(handle: unknown): number {
  const fd = (handle as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('no fd on this handle');
  return fs.statSync(`/proc/self/fd/${fd}`).ino;
}

function byInode(inventory: Inventory, inode: number): SocketRecord {
  const found = inventory.sockets.find((socket) => socket.inode === inode);
  if (found === undefined) throw new Error(`socket inode ${inode} not collected`);
  return found;
}

const listen = (server: net.Server, ...args: unknown[]) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    (server.listen as (...a: unknown[]) => void)(...args, () => resolve());
  });

describe('collector on live sockets of this process', () => {
  const dir = makeTempDir('sockaudit-live-');
  const servers: net.Server[] = [];
  const clients: net.Socket[] = [];
  const udps: dgram.Socket[] = [];
  let inventory: Inventory;
  const inodes: Record<string, number> = {};
  let tcp4Port = 0;
  let clientLocalPort = 0;
  let child: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    const tcp4 = net.createServer();
    const tcp6 = net.createServer();
    const unixPath = net.createServer();
    const unixAbstract = net.createServer();
    servers.push(tcp4, tcp6, unixPath, unixAbstract);
    await listen(tcp4, 0, '127.0.0.1');
    await listen(tcp6, 0, '::1');
    await listen(unixPath, path.join(dir, 'with space.sock'));
    await listen(unixAbstract, `\0sockaudit-live-${process.pid}`);
    tcp4Port = (tcp4.address() as net.AddressInfo).port;
    const client = net.connect(tcp4Port, '127.0.0.1');
    clients.push(client);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    clientLocalPort = client.localPort!;
    const udp4 = dgram.createSocket('udp4');
    const udp6 = dgram.createSocket('udp6');
    udps.push(udp4, udp6);
    await new Promise<void>((resolve) => udp4.bind(0, '127.0.0.1', () => resolve()));
    await new Promise<void>((resolve) => udp6.bind(0, '::1', () => resolve()));
    // a child with piped stdio: libuv connects the pipes with socketpair(AF_UNIX)
    child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'pipe', 'inherit'] });
    Object.assign(inodes, {
      tcp4: inodeOf(tcp4),
      tcp6: inodeOf(tcp6),
      unixPath: inodeOf(unixPath),
      unixAbstract: inodeOf(unixAbstract),
      client: inodeOf(client),
      udp4: inodeOf(udp4),
      udp6: inodeOf(udp6),
      childStdin: inodeOf(child.stdin),
    });
    inventory = await collectInventory({ procRoot: '/proc' });
  });

  afterAll(async () => {
    child?.kill();
    for (const client of clients) client.destroy();
    for (const udp of udps) udp.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sees the TCP v4 and v6 listeners with this process as owner', () => {
    const tcp4 = byInode(inventory, inodes.tcp4!);
    expect(tcp4).toMatchObject({ family: 'tcp', ipVersion: 4, state: 'LISTEN', localAddress: '127.0.0.1', localPort: tcp4Port, remoteAddress: null, exposure: 'loopback', uid: process.getuid!() });
    expect(tcp4.owners.map((owner) => owner.pid)).toEqual([process.pid]);
    expect(tcp4.owners[0]).toMatchObject({ exe: fs.readlinkSync('/proc/self/exe'), comm: fs.readFileSync('/proc/self/comm', 'utf8').trim(), uid: process.getuid!(), user: os.userInfo().username });
    expect(byInode(inventory, inodes.tcp6!)).toMatchObject({ family: 'tcp', ipVersion: 6, state: 'LISTEN', localAddress: '::1', exposure: 'loopback' });
  });

  it('sees both ends of a loopback connection', () => {
    expect(byInode(inventory, inodes.client!)).toMatchObject({ state: 'ESTABLISHED', localAddress: '127.0.0.1', localPort: clientLocalPort, remoteAddress: '127.0.0.1', remotePort: tcp4Port });
    const accepted = inventory.sockets.find((socket) => socket.family === 'tcp' && socket.localPort === tcp4Port && socket.remotePort === clientLocalPort);
    expect(accepted?.state).toBe('ESTABLISHED');
  });

  it('sees UDP v4 and v6 bound sockets as UNCONN', () => {
    expect(byInode(inventory, inodes.udp4!)).toMatchObject({ family: 'udp', ipVersion: 4, state: 'UNCONN', localAddress: '127.0.0.1' });
    expect(byInode(inventory, inodes.udp6!)).toMatchObject({ family: 'udp', ipVersion: 6, state: 'UNCONN', localAddress: '::1' });
  });

  it('sees unix listeners with a path containing a space and with an abstract name', () => {
    expect(byInode(inventory, inodes.unixPath!)).toMatchObject({ family: 'unix', type: 'stream', state: 'LISTEN', path: path.join(dir, 'with space.sock') });
    expect(byInode(inventory, inodes.unixAbstract!)).toMatchObject({ family: 'unix', type: 'stream', state: 'LISTEN', path: `@sockaudit-live-${process.pid}` });
  });

  it('sees an unnamed socketpair end held by this process', () => {
    const pipe = byInode(inventory, inodes.childStdin!);
    expect(pipe).toMatchObject({ family: 'unix', type: 'stream', state: 'CONNECTED', path: null });
    expect(pipe.owners.map((owner) => owner.pid)).toContain(process.pid);
  });

  it('names every socket record with the namespace of this process', () => {
    const ownNetns = Number(/net:\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/net'))![1]);
    expect(byInode(inventory, inodes.tcp4!).netns).toBe(ownNetns);
    expect(inventory.meta.namespaces.some((namespace) => namespace.inode === ownNetns && namespace.readable)).toBe(true);
  });
});

describe.skipIf(!HAS_PYTHON)('collector on sockets Node cannot open (held by python3; skipped when python3 is absent)', () => {
  const dir = makeTempDir('sockaudit-live-py-');
  let held: HeldSockets;
  let inventory: Inventory;

  beforeAll(async () => {
    held = await holdSockets([
      { kind: 'unix', name: 'dgram', type: 'dgram', path: path.join(dir, 'd gram.sock') },
      { kind: 'unix', name: 'seqpacket', type: 'seqpacket', path: `@sockaudit-seq-${process.pid}` },
      { kind: 'socketpair', name: 'pairDgram', type: 'dgram' },
      { kind: 'socketpair', name: 'pairSeq', type: 'seqpacket' },
      { kind: 'tcp-listen', name: 'shared', host: '127.0.0.1' },
      { kind: 'fork' },
    ]);
    inventory = await collectInventory({ procRoot: '/proc' });
  });
  afterAll(async () => {
    await held?.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sees unix dgram and seqpacket sockets, named and unnamed', () => {
    expect(byInode(inventory, held.sockets.dgram!.inode!)).toMatchObject({ type: 'dgram', state: 'UNCONN', path: path.join(dir, 'd gram.sock') });
    expect(byInode(inventory, held.sockets.seqpacket!.inode!)).toMatchObject({ type: 'seqpacket', state: 'LISTEN', path: `@sockaudit-seq-${process.pid}` });
    for (const inode of held.sockets.pairDgram!.inodes!) expect(byInode(inventory, inode)).toMatchObject({ type: 'dgram', path: null });
    for (const inode of held.sockets.pairSeq!.inodes!) expect(byInode(inventory, inode)).toMatchObject({ type: 'seqpacket', state: 'CONNECTED', path: null });
  });

  it('keeps every owner of a listener shared after fork', () => {
    const shared = byInode(inventory, held.sockets.shared!.inode!);
    expect(held.children).toHaveLength(1);
    expect(shared.owners.map((owner) => owner.pid)).toEqual([held.pid, held.children[0]].sort((a, b) => a! - b!));
    expect(shared.owners.every((owner) => owner.fd === held.sockets.shared!.fd)).toBe(true);
    expect(shared.owners[0]!.cmdline).toContain('socket-holder.py');
  });
});

describe.skipIf(!HAS_PYTHON || !IS_ROOT)('collector on raw and packet sockets (skipped unless root with python3: raw and packet sockets need CAP_NET_RAW)', () => {
  let held: HeldSockets;
  let inventory: Inventory;
  beforeAll(async () => {
    // nothing is sent on these: they only receive, and the test never reads them
    held = await holdSockets([
      { kind: 'raw', name: 'raw', protocol: 1 },
      { kind: 'packet', name: 'packetAll', protocol: 3 },
      { kind: 'packet', name: 'packetLo', protocol: 0x0800, interface: 'lo' },
    ]);
    inventory = await collectInventory({ procRoot: '/proc' });
  });
  afterAll(async () => held?.release());

  it('sees a raw ICMP socket with its protocol', () => {
    const raw = byInode(inventory, held.sockets.raw!.inode!);
    expect(raw).toMatchObject({ family: 'raw', ipVersion: 4, protocol: 1, localPort: null, localAddress: '0.0.0.0', exposure: 'wildcard' });
    expect(raw.owners.map((owner) => owner.pid)).toEqual([held.pid]);
  });

  it('sees packet sockets, unbound (all interfaces) and bound to lo by name', () => {
    expect(byInode(inventory, held.sockets.packetAll!.inode!)).toMatchObject({ family: 'packet', type: 'raw', protocol: 3, interface: null });
    expect(byInode(inventory, held.sockets.packetLo!.inode!)).toMatchObject({ family: 'packet', protocol: 0x0800, interface: 'lo' });
  });
});

describe.skipIf(!HAS_PYTHON || !IS_ROOT || !HAS_IP)('collector across network namespaces (skipped unless root with python3 and ip: ip netns add needs CAP_SYS_ADMIN)', () => {
  const name = `sockaudit-test-${process.pid}`;
  let held: HeldSockets | undefined;
  let inventory: Inventory;
  beforeAll(async () => {
    expect(spawnSync('ip', ['netns', 'add', name]).status).toBe(0);
    expect(spawnSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
    held = await holdSockets([{ kind: 'tcp-listen', name: 'inside', host: '127.0.0.1', port: 8080 }], ['ip', 'netns', 'exec', name]);
    inventory = await collectInventory({ procRoot: '/proc' });
  });
  afterAll(async () => {
    await held?.release();
    spawnSync('ip', ['netns', 'del', name]);
  });

  it('lists the listener inside the namespace, named from /run/netns, with its owner', () => {
    const inside = byInode(inventory, held!.sockets.inside!.inode!);
    expect(inside).toMatchObject({ netnsName: name, state: 'LISTEN', localAddress: '127.0.0.1', localPort: 8080 });
    expect(inside.owners.map((owner) => owner.pid)).toEqual([held!.pid]);
    const namespace = inventory.meta.namespaces.find((entry) => entry.name === name);
    expect(namespace).toMatchObject({ readable: true, readerPid: held!.pid });
    expect(inside.netns).toBe(namespace!.inode);
  });

  it('does not mix the namespace sockets into the host namespace', () => {
    const hostNetns = Number(/net:\[(\d+)\]/.exec(fs.readlinkSync('/proc/self/ns/net'))![1]);
    expect(inventory.sockets.filter((socket) => socket.inode === held!.sockets.inside!.inode)).toHaveLength(1);
    expect(byInode(inventory, held!.sockets.inside!.inode!).netns).not.toBe(hostNetns);
  });
});
