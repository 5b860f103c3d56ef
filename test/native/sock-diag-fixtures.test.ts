/**
 * native/sock-diag.c's decoding against the /proc text parsers, on dumps recorded as
 * fixtures (scripts/capture-proc.mjs --sock-diag): no live host, no root, none of the
 * sockets needed. Each namespace of a tree that has PID/net/sock_diag/ holds the kernel's
 * netlink messages as received, captured right after the namespace's /proc text in a
 * namespace where nothing else ran (fixtures/proc/make-sock-diag-netns.sh); the C packing
 * (packSockDiagMessages, the code dumpSockets runs on each recv()) then the JavaScript
 * decoders (parse-inet-diag.ts, parse-unix-diag.ts) must give exactly the records the
 * text parsers give, with known differences: v6only, a listener's backlog and a unix
 * socket's peer (the text has none of them: they are checked on their own), and unix
 * connections not yet accepted (inode 0), which /proc/net/unix lists and the kernel's
 * unix_diag leaves out (net/unix/diag.c, sk_diag_dump: `if (!sk_ino) return 0;`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOCKET_SOURCES } from '../../src/inventory/socket-sources.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { nativeAddon } from '../../src/native/native-addon.js';

const PROC_DIR = path.resolve(import.meta.dirname, '../../fixtures/proc');

/** Every namespace recorded with its dumps: the tree and the pid its tables sit under. */
const DUMPED = fs
  .readdirSync(PROC_DIR, { withFileTypes: true })
  .filter((tree) => tree.isDirectory())
  .flatMap((tree) =>
    fs
      .readdirSync(path.join(PROC_DIR, tree.name))
      .filter((pid) => /^\d+$/.test(pid) && fs.existsSync(path.join(PROC_DIR, tree.name, pid, 'net/sock_diag')))
      .map((pid) => ({ tree: tree.name, directory: path.join(PROC_DIR, tree.name, pid, 'net') })),
  );

const DUMPED_SOURCES = SOCKET_SOURCES.filter((source) => source.diag !== undefined);

/** A record as text without what only the dump knows (v6only, backlog, peer), for sorting and comparing. */
function comparable(record: SocketRecord): string {
  return JSON.stringify({ ...record, v6only: null, v6onlySource: null, backlog: null, peerInode: null });
}

/** A unix connection not yet accepted: in /proc/net/unix, never in a unix_diag dump (see the top). */
function isUnaccepted(record: SocketRecord): boolean {
  return record.family === 'unix' && record.inode === 0;
}

/** One dump file packed by the addon; the file name is the /proc file's, under sock_diag/. */
function packed(directory: string, file: string, family: 4 | 6 | 'unix'): Uint8Array {
  const result = nativeAddon!.packSockDiagMessages(family, fs.readFileSync(path.join(directory, 'sock_diag', path.basename(file))));
  if ('code' in result) throw new Error(`${directory}/sock_diag/${path.basename(file)}: ${result.code}`);
  return result.records;
}

function bothWays(directory: string): { dumped: SocketRecord[]; text: SocketRecord[] } {
  const dumped: SocketRecord[] = [];
  const text: SocketRecord[] = [];
  for (const source of DUMPED_SOURCES) {
    const file = path.join(directory, path.basename(source.file));
    if (!fs.existsSync(path.join(directory, 'sock_diag', path.basename(source.file)))) continue;
    dumped.push(...source.diag!.parse(packed(directory, source.file, source.diag!.family)));
    const parse = source.parse(fs.readFileSync(file, 'utf8'));
    expect(parse.problems).toEqual([]);
    text.push(...parse.rows);
  }
  return { dumped, text };
}

it('has at least one namespace recorded with its sock_diag dumps (fixtures/proc/sock-diag-netns)', () => {
  expect(DUMPED.map((entry) => entry.tree)).toContain('sock-diag-netns');
});

describe.skipIf(nativeAddon === null || os.endianness() !== 'LE')('sock_diag dumps recorded as fixtures (skipped unless the addon is built, npm run build:native, and the machine little-endian as the one that recorded them)', () => {
  describe.each(DUMPED)('$tree, $directory', ({ directory }) => {
    it('gives, through the C packing and the dump decoders, exactly the records the /proc text gives', () => {
      const { dumped, text } = bothWays(directory);
      expect(dumped.length).toBeGreaterThan(0);
      const embryos = text.filter(isUnaccepted);
      expect(dumped.map(comparable).sort()).toEqual(text.filter((record) => !isUnaccepted(record)).map(comparable).sort());
      // what the dump cannot show: connections in a unix listener's queue, no file yet, no owner
      expect(embryos.every((record) => record.state === 'CONNECTING' && record.owners.length === 0)).toBe(true);
    });
  });

  describe('sock-diag-netns covers what the decoders must get right', () => {
    const entry = DUMPED.find((candidate) => candidate.tree === 'sock-diag-netns')!;
    const { dumped } = bothWays(entry.directory);
    const find = (predicate: (record: SocketRecord) => boolean): SocketRecord[] => dumped.filter(predicate);

    it('every family and IP version sock_diag dumps, TCP states beyond LISTEN and ESTABLISHED', () => {
      const kinds = new Set(dumped.map((record) => `${record.family}${record.ipVersion ?? ''}`));
      expect([...kinds].sort()).toEqual(['tcp4', 'tcp6', 'udp4', 'udp6', 'udplite4', 'udplite6', 'unix']);
      expect(find((r) => r.family === 'tcp' && r.state === 'TIME_WAIT')).toHaveLength(1);
      expect(find((r) => r.family === 'tcp' && r.state === 'TIME_WAIT')[0]!.inode).toBe(0);
    });

    it("a listener's own IPV6_V6ONLY from the dump: on for [::1]:8443, off for [::]:9101", () => {
      expect(find((r) => r.localPort === 8443 && r.state === 'LISTEN')[0]).toMatchObject({ v6only: true, v6onlySource: 'socket' });
      expect(find((r) => r.localPort === 9101 && r.state === 'LISTEN')[0]).toMatchObject({ v6only: false, v6onlySource: 'socket' });
      expect(find((r) => r.family === 'tcp' && r.state === 'ESTABLISHED').every((r) => r.v6only === null)).toBe(true);
    });

    it('a listener with a connection in its accept queue: send queue 0, as /proc shows it, and its backlog (listen(8))', () => {
      const listener = find((r) => r.localPort === 8081 && r.state === 'LISTEN')[0]!;
      expect(listener).toMatchObject({ recvQueue: 1, sendQueue: 0, backlog: 8 });
      expect(find((r) => r.family === 'tcp' && r.state === 'LISTEN').every((r) => r.backlog === 8)).toBe(true);
      expect(find((r) => r.state !== 'LISTEN').every((r) => r.backlog === null)).toBe(true);
    });

    it("unix peers: each end of a connection names the other's inode", () => {
      const unix = find((r) => r.family === 'unix' && r.state === 'CONNECTED' && r.inode !== 0);
      const byInode = new Map(unix.map((r) => [r.inode, r]));
      const paired = unix.filter((r) => r.peerInode !== null && byInode.has(r.peerInode));
      // two socketpairs and the accepted stream connection by path: six ends, each the other's peer
      expect(paired.length).toBeGreaterThanOrEqual(6);
      for (const end of paired) expect(byInode.get(end.peerInode!)!.peerInode).toBe(end.inode);
      expect(find((r) => r.state === 'LISTEN').every((r) => r.peerInode === null)).toBe(true);
    });

    it('unix names: a path with a space, a path in UTF-8, an abstract name with a NUL inside, unnamed pairs', () => {
      const paths = new Set(find((r) => r.family === 'unix').map((r) => r.path));
      expect([...paths].some((p) => p?.endsWith('/with space.sock'))).toBe(true);
      expect([...paths].some((p) => p?.endsWith('/café.sock'))).toBe(true);
      expect(paths).toContain('@sockaudit-fx@inner');
      expect(paths).toContain(null);
      expect(new Set(find((r) => r.family === 'unix').map((r) => r.type))).toEqual(new Set(['stream', 'dgram', 'seqpacket']));
      // connections not yet accepted: in the text (inode 0, CONNECTING), left out of the dump
      const unaccepted = bothWays(entry.directory).text.filter(isUnaccepted).map((r) => r.path!).sort();
      expect(unaccepted).toHaveLength(2);
      expect(unaccepted[0]).toMatch(/^\/tmp\/sockaudit-fx-\d+\/café\.sock$/);
      expect(unaccepted[1]).toBe('@sockaudit-fx@inner');
      expect(find(isUnaccepted)).toEqual([]);
    });
  });

  describe('packSockDiagMessages on damaged captures', () => {
    const entry = DUMPED.find((candidate) => candidate.tree === 'sock-diag-netns')!;
    const messages = fs.readFileSync(path.join(entry.directory, 'sock_diag/tcp'));

    it('refuses a dump cut before its end message (EPROTO), and a cut inside a message', () => {
      // NLMSG_DONE is the last message: 20 bytes (16 of header, the int the dump ended with)
      expect(nativeAddon!.packSockDiagMessages(4, messages.subarray(0, messages.length - 20))).toEqual({ code: 'EPROTO' });
      expect(nativeAddon!.packSockDiagMessages(4, messages.subarray(0, 100))).toEqual({ code: 'EPROTO' });
      expect(nativeAddon!.packSockDiagMessages(4, new Uint8Array(0))).toEqual({ code: 'EPROTO' });
    });

    it('gives the error a dump ended with (NLMSG_DONE carrying -ENOENT)', () => {
      const done = Buffer.alloc(20);
      done.writeUInt32LE(20, 0); // nlmsg_len
      done.writeUInt16LE(3, 4); // NLMSG_DONE
      done.writeInt32LE(-2, 16); // -ENOENT
      expect(nativeAddon!.packSockDiagMessages(4, done)).toEqual({ code: 'ENOENT' });
    });

    it('refuses what is not a family and a Uint8Array', () => {
      expect(() => nativeAddon!.packSockDiagMessages(5 as 4, messages)).toThrow(/family must be 4, 6 or 'unix'/);
      expect(() => nativeAddon!.packSockDiagMessages(4, 'text' as unknown as Uint8Array)).toThrow(/Uint8Array expected/);
    });
  });
});
