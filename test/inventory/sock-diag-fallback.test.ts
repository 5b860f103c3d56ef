/**
 * How the collector uses sock_diag dumps, on a captured tree with a stand-in dumper: the
 * dumps replace the TCP, UDP and unix tables only when they come from the namespace asked for;
 * a refused dump (EPERM: no right to enter the namespace) or one from another namespace
 * (its pid exited and the number was reused) falls back to the /proc file, with the same
 * inventory as reading the files alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectFromProc, type SockDiagDumper } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import type { Inventory } from '../../src/model/socket-record.js';
import type { SockDiagRequest, SockDiagResult } from '../../src/native/native-addon.js';
import { parseNetnsLink } from '../../src/proc/parse-process-files.js';
import { createProcFs } from '../../src/proc/proc-fs.js';
import { REPO_ROOT } from '../helpers/live.js';

const ROOT = path.relative(process.cwd(), path.join(REPO_ROOT, 'fixtures/proc/netns-pair'));
const DUMPED_FAMILIES = new Set(['tcp', 'udp', 'udplite', 'unix']);

function collectWith(dumper: SockDiagDumper | null): Promise<Inventory> {
  return collectFromProc(createProcFs(ROOT), readHostContext(ROOT), 'fixture-host', dumper);
}

/** A dumper that records what it was asked and answers with `answer`. */
function standIn(answer: (request: SockDiagRequest) => SockDiagResult): SockDiagDumper & { asked: SockDiagRequest[] } {
  const asked: SockDiagRequest[] = [];
  return {
    asked,
    dumpSockets: async (requests) => {
      asked.push(...requests);
      return requests.map(answer);
    },
  };
}

/** The namespace a request asks for: by path, or (null) the collector's own, the tree's self/ns/net. */
const netnsOf = (request: SockDiagRequest) => parseNetnsLink(fs.readlinkSync(request.netnsPath ?? path.join(ROOT, 'self/ns/net')));

describe('collector with sock_diag dumps (stand-in dumper on a captured tree)', () => {
  it('asks for unix, then TCP, UDP and UDP-Lite, v4 and v6, of every namespace, through a pid inside it', async () => {
    const dumper = standIn(() => ({ code: 'EPERM' }));
    const inventory = await collectWith(dumper);
    expect(dumper.asked.map((request) => `${request.protocol}/${request.family}`).slice(0, 7)).toEqual(['0/unix', '6/4', '6/6', '17/4', '17/6', '136/4', '136/6']);
    expect(dumper.asked).toHaveLength(7 * inventory.meta.namespaces.length);
    const asked = new Set(dumper.asked.map(netnsOf));
    expect([...asked].sort()).toEqual(inventory.meta.namespaces.map((namespace) => namespace.inode).sort());
    // the collector's own namespace directly (null), the other one through a pid's ns/net
    expect(new Set(dumper.asked.map((request) => request.netnsPath === null))).toEqual(new Set([true, false]));
  });

  it('falls back to the files when every dump is refused: the same sockets as without dumps', async () => {
    const fromFiles = await collectWith(null);
    const refused = await collectWith(standIn(() => ({ code: 'EPERM' })));
    expect(fromFiles.sockets.some((socket) => DUMPED_FAMILIES.has(socket.family))).toBe(true);
    expect(refused.sockets).toEqual(fromFiles.sockets);
    expect(refused.warnings).toEqual(fromFiles.warnings);
  });

  it('falls back to the files when a dump comes from another namespace than asked', async () => {
    const fromFiles = await collectWith(null);
    const elsewhere = await collectWith(standIn(() => ({ netns: 1, records: new Uint8Array(0) })));
    expect(elsewhere.sockets).toEqual(fromFiles.sockets);
  });

  it('uses a dump from the right namespace in place of the file', async () => {
    const fromFiles = await collectWith(null);
    // empty dumps, from the namespaces asked for: no TCP, UDP or unix socket is left
    const emptyDumps = await collectWith(standIn((request) => ({ netns: netnsOf(request), records: new Uint8Array(0) })));
    expect(emptyDumps.sockets.filter((socket) => DUMPED_FAMILIES.has(socket.family))).toEqual([]);
    expect(emptyDumps.sockets).toEqual(fromFiles.sockets.filter((socket) => !DUMPED_FAMILIES.has(socket.family)));
  });
});
