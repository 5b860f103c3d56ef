import { isListening } from '../inventory/listening.js';
import type { SocketRecord } from '../model/socket-record.js';
import { compareRecords } from './compare-records.js';
import type { ChangeTag, DiffChange, FieldChange } from './diff-result.js';
import { exposureOf, exposureRank, reachedIpVersions } from '../inventory/exposure.js';
import { ownerExeSignature } from './owner-exe.js';
import { readableSocketKey } from './readable-key.js';
import { sectionOf } from './section.js';

const REBINDABLE_FAMILIES = new Set(['tcp', 'udp', 'udplite', 'sctp', 'raw', 'icmp']);

/**
 * What a listener that moves to another address keeps: netns, family, port (raw: protocol)
 * and owner exe. Null for sockets that cannot be rebound, including listeners with no
 * known owner (two ownerless listeners on one port are not evidence of one service).
 */
function reboundKey(socket: SocketRecord): string | null {
  if (!REBINDABLE_FAMILIES.has(socket.family) || !isListening(socket)) return null;
  const exe = ownerExeSignature(socket.owners);
  if (exe === null) return null;
  const port = socket.family === 'raw' ? (socket.protocol ?? socket.localPort) : socket.localPort;
  return JSON.stringify([socket.netns, socket.family, port, exe]);
}

function byAddress(a: SocketRecord, b: SocketRecord): number {
  const left = `${a.ipVersion} ${a.localAddress}`;
  const right = `${b.ipVersion} ${b.localAddress}`;
  return left < right ? -1 : left > right ? 1 : a.inode - b.inode;
}

/** One rebound change from the closed listener and the opened one that replaced it. */
export function reboundChange(before: SocketRecord, after: SocketRecord): DiffChange {
  // records from older inventories may lack the field; the collector's rule fills it in
  const exposureBefore = before.exposure ?? exposureOf(before.family, before.localAddress);
  const exposureAfter = after.exposure ?? exposureOf(after.family, after.localAddress);
  const tags: ChangeTag[] = [];
  const fields: FieldChange[] = [{ field: 'localAddress', before: before.localAddress, after: after.localAddress }];
  if (before.ipVersion !== after.ipVersion) fields.push({ field: 'ipVersion', before: before.ipVersion, after: after.ipVersion });
  if (exposureBefore !== exposureAfter) {
    fields.push({ field: 'exposure', before: exposureBefore, after: exposureAfter });
    const widened = exposureRank(exposureAfter) > exposureRank(exposureBefore);
    tags.push(widened ? 'exposure-widened' : 'exposure-narrowed');
  } else {
    // the same exposure over more IP versions: 0.0.0.0 -> [::] dual-stack widens it
    const versionsBefore = reachedIpVersions(before);
    const versionsAfter = reachedIpVersions(after);
    if (versionsAfter.length !== versionsBefore.length && versionsBefore.every((version) => versionsAfter.includes(version))) tags.push('exposure-widened');
    else if (versionsAfter.length !== versionsBefore.length && versionsAfter.every((version) => versionsBefore.includes(version))) tags.push('exposure-narrowed');
  }
  // a rebound socket is always a new instance, so `reopened` and the inode say nothing more;
  // v6only is reported here, but its exposure tag was decided above from both addresses
  const comparison = compareRecords(before, after);
  for (const field of comparison?.fields ?? []) if (field.field !== 'inode') fields.push(field);
  for (const tag of comparison?.tags ?? []) if (tag === 'restarted') tags.push(tag);
  return { kind: 'rebound', key: readableSocketKey(after), tags, before, after, fields, flow: null, section: sectionOf(after), severity: 0 };
}

export interface ReboundResult {
  rebound: DiffChange[];
  closed: SocketRecord[];
  opened: SocketRecord[];
}

/**
 * Pairs closed and opened listeners of the same netns, family, port and owner exe (but, by
 * construction, another address) into rebound changes (docs/design.md: 127.0.0.1 -> 0.0.0.0 is
 * an exposure widening). Several candidates on one port are paired in address order;
 * whatever is left stays closed or opened.
 */
export function findRebound(closed: readonly SocketRecord[], opened: readonly SocketRecord[]): ReboundResult {
  const openedByKey = new Map<string, SocketRecord[]>();
  for (const socket of opened) {
    const key = reboundKey(socket);
    if (key === null) continue;
    const list = openedByKey.get(key);
    if (list === undefined) openedByKey.set(key, [socket]);
    else list.push(socket);
  }
  if (openedByKey.size === 0) return { rebound: [], closed: closed.slice(), opened: opened.slice() };
  for (const list of openedByKey.values()) list.sort(byAddress);

  const rebound: DiffChange[] = [];
  const paired = new Set<SocketRecord>();
  const closedLeft: SocketRecord[] = [];
  for (const socket of [...closed].sort(byAddress)) {
    const key = reboundKey(socket);
    const candidate = key === null ? undefined : openedByKey.get(key)?.shift();
    if (candidate === undefined) {
      closedLeft.push(socket);
      continue;
    }
    paired.add(candidate);
    rebound.push(reboundChange(socket, candidate));
  }
  return { rebound, closed: closedLeft, opened: opened.filter((socket) => !paired.has(socket)) };
}
