import { createHash, hash } from 'node:crypto';
import type { SocketOwner, SocketRecord } from '../model/socket-record.js';
import { contentFields } from './version-record.js';

/**
 * Owners in the contract's order: by pid, then fd. (pid, fd) names one socket, so ties do
 * not occur in a collection; the remaining fields break them anyway, so that the order
 * (and with it the stored digest) is total.
 *
 * @example sortOwners([{ pid: 9, fd: 1 }, { pid: 3, fd: 7 }, { pid: 3, fd: 4 }]) -> pids/fds 3/4, 3/7, 9/1
 */
export function sortOwners(owners: readonly SocketOwner[]): SocketOwner[] {
  return owners.slice().sort((a, b) => a.pid - b.pid || a.fd - b.fd || compareText(ownerText(a), ownerText(b)));
}

function ownerText(owner: SocketOwner): string {
  return JSON.stringify([owner.comm, owner.exe, owner.cmdline, owner.uid, owner.user]);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Everything stored about a socket version, as one string: two records with the same
 * string are the same instance (inode) with the same content (state, uid, owners...), so a
 * snapshot needs no write for it. Queues are left out (docs/design.md: never part of identity
 * or change). Owners must already be sorted (sortOwners). It is the version's content
 * (encodeVersionContent) with the owners appended as one more element.
 *
 * @example
 *   canonicalSocket(tcp LISTEN 0.0.0.0:22 inode 1000 owned by sshd pid 100 fd 3)
 *     -> '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",22,"0.0.0.0",0,null,null,1000,0,"wildcard",
 *         [[100,3,"sshd","/usr/sbin/sshd","/usr/sbin/sshd -D",0,"root"]]]'
 */
export function canonicalSocket(socket: SocketRecord): string {
  return JSON.stringify(canonicalFields(socket));
}

/**
 * What canonicalSocket writes, before it is written: JSON.stringify of this is the string
 * (versionDigests writes many at once). The version's content, then its owners.
 */
export function canonicalFields(socket: SocketRecord): unknown[] {
  const fields = contentFields(socket);
  fields.push(socket.owners.map((owner) => [owner.pid, owner.fd, owner.comm, owner.exe, owner.cmdline, owner.uid, owner.user]));
  return fields;
}

/**
 * A version's digest: 96 bits of SHA-256 over its canonical string, base64url. Stored in
 * each version row so that a snapshot compares with the open versions by reading one short
 * indexed column instead of whole records.
 *
 * @example versionDigest('[1,"host"]') -> 16 characters of [A-Za-z0-9_-]
 */
export function versionDigest(canonical: string): string {
  // the one-shot hash() is about twice as fast as createHash() for short inputs, which
  // matters for 50,000 sockets per snapshot
  return hash('sha256', canonical, 'base64url').slice(0, 16);
}

/** What an owner says about its process, without the fd: stored once per host. */
export type ProcessDescription = Omit<SocketOwner, 'fd'>;

/**
 * A short, fixed-length name for a process description, unique per host in the processes
 * table (a plain unique index cannot dedupe rows with NULL columns).
 *
 * @example processFingerprint({ pid: 1, comm: 'init', exe: null, cmdline: null, uid: 0, user: 'root' })
 *   -> 32 hex digits, the same for every equal description
 */
export function processFingerprint(process: ProcessDescription): string {
  const text = JSON.stringify([process.pid, process.comm, process.exe, process.cmdline, process.uid, process.user]);
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
