import { dualStackMark } from '../inventory/exposure.js';
import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import type { DiffChange, FieldChange } from './diff-result.js';
import type { OwnerIdentity } from './compare-records.js';
import { endpoint } from './readable-key.js';

const MAX_PIDS = 4;

/**
 * Owners in a line: one entry per (comm, exe), pids listed up to a few.
 *
 * @example
 *   nginx master 100 and workers 101..104 -> 'nginx[100,101,102,103,+1] /usr/sbin/nginx'
 *   no owners                            -> 'none'
 */
export function describeOwners(owners: readonly SocketOwner[]): string {
  if (owners.length === 0) return 'none';
  const groups = new Map<string, { comm: string | null; exe: string | null; pids: number[] }>();
  for (const owner of owners) {
    const key = JSON.stringify([owner.comm, owner.exe]);
    const group = groups.get(key) ?? { comm: owner.comm, exe: owner.exe, pids: [] };
    if (!group.pids.includes(owner.pid)) group.pids.push(owner.pid);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ comm, exe, pids }) => {
      const shown = pids.slice(0, MAX_PIDS).join(',') + (pids.length > MAX_PIDS ? `,+${pids.length - MAX_PIDS}` : '');
      return `${comm ?? '?'}[${shown}]${exe === null ? '' : ` ${exe}`}`;
    })
    .join(', ');
}

function describeIdentities(identities: readonly OwnerIdentity[]): string {
  if (identities.length === 0) return 'none';
  return identities.map(({ comm, exe }) => `${comm ?? '?'}${exe === null ? '' : ` ${exe}`}`).join(', ');
}

function describeValue(field: FieldChange, value: unknown): string {
  if (field.field === 'owners') return describeIdentities(value as OwnerIdentity[]);
  if (field.field === 'v6only') return value === true ? 'on' : value === false ? 'off' : 'unknown';
  if (Array.isArray(value)) return value.join(',');
  return value === null ? 'none' : String(value);
}

/** `state LISTEN -> CLOSE`, `owners sshd /usr/sbin/sshd -> none`, `pids 100 -> 200`, `v6only on -> off`. */
export function describeField(field: FieldChange): string {
  return `${field.field} ${describeValue(field, field.before)} -> ${describeValue(field, field.after)}`;
}

/** The state, owners and uid of one socket, its exposure, and `v4+v6` when dual-stack. */
export function describeSocket(socket: SocketRecord): string {
  const parts = [socket.state, socket.owners.length === 0 ? 'no owner' : describeOwners(socket.owners)];
  if (socket.uid !== null) parts.push(`uid ${socket.uid}`);
  if (socket.exposure !== null && socket.exposure !== 'specific') parts.push(socket.exposure);
  const dualStack = dualStackMark(socket);
  if (dualStack !== null) parts.push(dualStack);
  if (socket.interface !== null) parts.push(`on ${socket.interface}`);
  return parts.join('  ');
}

function signed(delta: number): string {
  return delta > 0 ? `+${delta}` : String(delta);
}

/**
 * The details of one change, after its key, in the text and markdown reports.
 *
 * @example
 *   opened listener   -> 'LISTEN  node[4242] /usr/bin/node  uid 1000  wildcard'
 *   restarted sshd    -> 'restarted, reopened: pids 100 -> 200; inode 5 -> 9'
 *   127.0.0.1 -> 0.0.0.0 -> 'rebound, exposure-widened: from 127.0.0.1:8080; exposure loopback -> wildcard'
 *   a flow from 3 to 10 -> '3 -> 10 connections (+7)'
 */
export function describeChange(change: DiffChange, options: { tags: boolean } = { tags: true }): string {
  if (change.kind === 'flow' && change.flow !== null) {
    const { countBefore, countAfter, direction } = change.flow;
    const noun = direction === 'local' ? 'socket' : direction === 'listening' ? 'listener' : 'connection';
    return `${countBefore} -> ${countAfter} ${noun}${countAfter === 1 ? '' : 's'} (${signed(countAfter - countBefore)})`;
  }
  if (change.kind === 'opened' && change.after !== null) return describeSocket(change.after);
  if (change.kind === 'closed' && change.before !== null) return describeSocket(change.before);
  const tags = change.kind === 'rebound' ? ['rebound', ...change.tags] : change.tags;
  const fields = change.fields
    .filter((field) => !(change.kind === 'rebound' && field.field === 'localAddress'))
    .map(describeField);
  if (change.kind === 'rebound' && change.before !== null) {
    fields.unshift(`from ${endpoint(change.before.localAddress, change.before.localPort)}`);
  }
  const text = fields.join('; ');
  return tags.length === 0 || !options.tags ? text : `${tags.join(', ')}: ${text}`;
}

/**
 * `!` exposure widened (what must be seen first, marked without colour too), `+` opened (or
 * a flow that appeared), `-` closed (or a flow that ended), `~` anything else.
 */
export function changeMarker(change: DiffChange): '!' | '+' | '-' | '~' {
  if (change.tags.includes('exposure-widened')) return '!';
  if (change.kind === 'opened' || (change.kind === 'flow' && change.flow?.countBefore === 0)) return '+';
  if (change.kind === 'closed' || (change.kind === 'flow' && change.flow?.countAfter === 0)) return '-';
  return '~';
}
