import { reachedIpVersions } from '../inventory/exposure.js';
import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import type { ChangeTag, FieldChange } from './diff-result.js';

/** Owners as a diff sees them: who (exe and comm), not which process instance. */
export interface OwnerIdentity {
  exe: string | null;
  comm: string | null;
}

function ownerIdentities(owners: readonly SocketOwner[]): OwnerIdentity[] {
  const seen = new Map<string, OwnerIdentity>();
  for (const owner of owners) seen.set(JSON.stringify([owner.exe, owner.comm]), { exe: owner.exe, comm: owner.comm });
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, identity]) => identity);
}

function distinctPids(owners: readonly SocketOwner[]): number[] {
  return [...new Set(owners.map((owner) => owner.pid))].sort((a, b) => a - b);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fast answer for the common case, an untouched socket: every compared field equal. */
function sameInstance(before: SocketRecord, after: SocketRecord): boolean {
  if (before.state !== after.state || before.uid !== after.uid || before.inode !== after.inode || before.interface !== after.interface) return false;
  if (!sameBacklog(before, after)) return false;
  if (before.owners.length !== after.owners.length) return false;
  for (let index = 0; index < before.owners.length; index += 1) {
    const left = before.owners[index]!;
    const right = after.owners[index]!;
    if (left.pid !== right.pid || left.exe !== right.exe || left.comm !== right.comm) return false;
  }
  return true;
}

export interface RecordComparison {
  fields: FieldChange[];
  tags: ChangeTag[];
}

/**
 * What changed between two instances of one key, or null when nothing that counts did.
 * Compared: state, owners by exe and comm, uid, inode, packet interface, listen backlog, v6only (see
 * compareV6only: tagged as an exposure change when it changes the IP versions). Receive and send
 * queues, fds and command lines never count. A pid change with the same owners is the tag
 * `restarted` (with a `pids` field), or `workers-replaced` when some process held the
 * socket in both snapshots (a reload: the master stayed, its workers are new); a new inode
 * is the tag `reopened`.
 *
 * @example
 *   sshd LISTEN pid 100 inode 5 -> sshd LISTEN pid 200 inode 9
 *     -> { tags: ['restarted', 'reopened'],
 *          fields: [{ field: 'pids', before: [100], after: [200] }, { field: 'inode', before: 5, after: 9 }] }
 *   nginx LISTEN pids 100,101,102 -> 100,201,202 (nginx -s reload)
 *     -> { tags: ['workers-replaced'], fields: [{ field: 'pids', before: [100,101,102], after: [100,201,202] }] }
 */
export function compareRecords(before: SocketRecord, after: SocketRecord): RecordComparison | null {
  if (sameInstance(before, after)) return null;
  const fields: FieldChange[] = [];
  const tags: ChangeTag[] = [];
  if (before.state !== after.state) fields.push({ field: 'state', before: before.state, after: after.state });
  const ownersBefore = ownerIdentities(before.owners);
  const ownersAfter = ownerIdentities(after.owners);
  if (!sameJson(ownersBefore, ownersAfter)) {
    fields.push({ field: 'owners', before: ownersBefore, after: ownersAfter });
  } else {
    const pidsBefore = distinctPids(before.owners);
    const pidsAfter = distinctPids(after.owners);
    if (!sameJson(pidsBefore, pidsAfter)) {
      tags.push(pidsBefore.some((pid) => pidsAfter.includes(pid)) ? 'workers-replaced' : 'restarted');
      fields.push({ field: 'pids', before: pidsBefore, after: pidsAfter });
    }
  }
  if (before.uid !== after.uid) fields.push({ field: 'uid', before: before.uid, after: after.uid });
  // inode 0 (TIME_WAIT) is no socket instance at all: a connection closing is not a reopening
  if (before.inode !== after.inode && before.inode !== 0 && after.inode !== 0) {
    tags.push('reopened');
    fields.push({ field: 'inode', before: before.inode, after: after.inode });
  }
  if (before.interface !== after.interface) fields.push({ field: 'interface', before: before.interface, after: after.interface });
  if (!sameBacklog(before, after)) fields.push({ field: 'backlog', before: before.backlog, after: after.backlog });
  const v6only = compareV6only(before, after);
  if (v6only !== null) {
    fields.push(v6only.field);
    if (v6only.tag !== null) tags.push(v6only.tag);
  }
  return fields.length === 0 ? null : { fields, tags };
}

/**
 * Whether two instances have the same listen backlog, or one of them does not know it (read
 * from /proc text, or stored before sockaudit recorded it: the first snapshot after the
 * upgrade must not make every listener look changed). A listener's backlog is
 * configuration (nginx `backlog=`, a daemon's listen(511)): a change of it is a change,
 * even on the same socket (listen() may be called again).
 */
function sameBacklog(before: SocketRecord, after: SocketRecord): boolean {
  return typeof before.backlog !== 'number' || typeof after.backlog !== 'number' || before.backlog === after.backlog;
}

/**
 * A change of IPV6_V6ONLY between two instances of one key (a restart with another
 * setting, or after net.ipv6.bindv6only was changed), as the field `v6only`; when it
 * changes the IP versions the socket answers (bound to `::`), tagged as an exposure change:
 * `[::]:9101` v6only true -> false is `exposure-widened` (it now answers IPv4 too).
 *
 * Not a change: unknown on either side (a snapshot stored before sockaudit recorded
 * v6only: the first snapshot after the upgrade must not make every IPv6 listener look
 * changed), or one inode on both sides (IPV6_V6ONLY cannot be set once a socket is bound,
 * so a difference there comes from inferring it from the namespace default one time and
 * reading it from the socket the other).
 */
export function compareV6only(before: SocketRecord, after: SocketRecord): { field: FieldChange; tag: ChangeTag | null } | null {
  if (typeof before.v6only !== 'boolean' || typeof after.v6only !== 'boolean' || before.v6only === after.v6only || before.inode === after.inode) return null;
  const field: FieldChange = { field: 'v6only', before: before.v6only, after: after.v6only };
  const versionsBefore = reachedIpVersions(before).length;
  const versionsAfter = reachedIpVersions(after).length;
  if (versionsBefore === versionsAfter) return { field, tag: null };
  return { field, tag: versionsAfter > versionsBefore ? 'exposure-widened' : 'exposure-narrowed' };
}
