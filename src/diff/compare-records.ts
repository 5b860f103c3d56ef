import { reachedIpVersions } from '../inventory/exposure.js';
import { COMPARED_FIELDS } from '../model/record-fields.js';
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

/** The fast answer for the common case, an untouched socket: every compared field equal (v6only counts only across instances: a new inode). */
function sameInstance(before: SocketRecord, after: SocketRecord): boolean {
  for (const { name, rule } of COMPARED_FIELDS) {
    if (rule === 'change' || rule === 'instance' ? before[name] !== after[name] : rule === 'change-when-known' ? !sameWhenKnown(before[name], after[name]) : rule === 'owners' ? !sameOwners(before.owners, after.owners) : false) return false;
  }
  return true;
}

function sameOwners(before: readonly SocketOwner[], after: readonly SocketOwner[]): boolean {
  if (before.length !== after.length) return false;
  for (let index = 0; index < before.length; index += 1) {
    const left = before[index]!;
    const right = after[index]!;
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
 * Compared: the table's COMPARED_FIELDS (record-fields.ts), in their report order: state,
 * owners by exe and comm, uid, inode, packet interface, listen backlog, v6only (see
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
  for (const { name, rule } of COMPARED_FIELDS) {
    const was = before[name];
    const is = after[name];
    switch (rule) {
      case 'change':
        if (was !== is) fields.push({ field: name, before: was, after: is });
        break;
      case 'change-when-known':
        if (!sameWhenKnown(was, is)) fields.push({ field: name, before: was, after: is });
        break;
      case 'instance':
        // inode 0 (TIME_WAIT) is no socket instance at all: a connection closing is not a reopening
        if (was !== is && was !== 0 && is !== 0) {
          tags.push('reopened');
          fields.push({ field: name, before: was, after: is });
        }
        break;
      case 'owners':
        compareOwners(before.owners, after.owners, fields, tags);
        break;
      case 'v6only': {
        const v6only = compareV6only(before, after);
        if (v6only !== null) {
          fields.push(v6only.field);
          if (v6only.tag !== null) tags.push(v6only.tag);
        }
        break;
      }
    }
  }
  return fields.length === 0 ? null : { fields, tags };
}

/** Owners by exe and comm (`owners`), else by pid (`pids`, tagged `restarted` or `workers-replaced`). */
function compareOwners(before: readonly SocketOwner[], after: readonly SocketOwner[], fields: FieldChange[], tags: ChangeTag[]): void {
  const ownersBefore = ownerIdentities(before);
  const ownersAfter = ownerIdentities(after);
  if (!sameJson(ownersBefore, ownersAfter)) {
    fields.push({ field: 'owners', before: ownersBefore, after: ownersAfter });
    return;
  }
  const pidsBefore = distinctPids(before);
  const pidsAfter = distinctPids(after);
  if (!sameJson(pidsBefore, pidsAfter)) {
    tags.push(pidsBefore.some((pid) => pidsAfter.includes(pid)) ? 'workers-replaced' : 'restarted');
    fields.push({ field: 'pids', before: pidsBefore, after: pidsAfter });
  }
}

/**
 * Whether two instances hold the same value of a `change-when-known` field, or one of them
 * does not know it (read from /proc text, or stored before sockaudit recorded it: the first
 * snapshot after the upgrade must not make every listener look changed). The listen backlog
 * is one: configuration (nginx `backlog=`, a daemon's listen(511)), so a change of it is a
 * change, even on the same socket (listen() may be called again).
 */
function sameWhenKnown(before: unknown, after: unknown): boolean {
  return before === null || before === undefined || after === null || after === undefined || before === after;
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
