import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, StorageError } from '../errors.js';

/**
 * The witness: the head of each host's chain (its newest snapshot's id and hash), kept in a
 * small file beside the database (`sockaudit.db.witness`) and rewritten after every
 * snapshot. A database that loses committed snapshots (its WAL deleted by hand, the main
 * file restored from a backup alone) rolls back everything inside it, AUTOINCREMENT's
 * sqlite_sequence included, so only something outside the file can tell; see the README,
 * "Integrity", for what it catches and what it cannot.
 */
export interface WitnessHead {
  host: string;
  id: number;
  hash: string;
}

export interface Witness {
  /** when it was written (ISO), for messages */
  writtenAt: string;
  heads: WitnessHead[];
}

const FORMAT = 'sockaudit-witness-1';
/** a witness names one head per host: even 10,000 hosts fit in well under this */
const MAX_WITNESS_BYTES = 4 * 1024 * 1024;
const MAX_HOSTS = 100_000;
const MAX_HOST_NAME = 4096;
const HASH = /^[0-9a-f]{64}$/;

export function witnessPath(databasePath: string): string {
  return `${databasePath}.witness`;
}

/** The witness file is unreadable or not a witness: it is reported, never trusted. */
export class WitnessError extends StorageError {}

/**
 * Reads the witness beside a database: null when there is none. The file is hostile input
 * (anyone who could write the directory could have put it there): only a regular file of at
 * most 4 MiB is read, and every field is checked.
 */
export function readWitness(databasePath: string): Witness | null {
  const file = witnessPath(databasePath);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    if (errnoCode(error) === 'ELOOP') throw new WitnessError(`the witness ${file} is a symbolic link; it is not read`);
    throw new WitnessError(`cannot read the witness ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let text: string;
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new WitnessError(`the witness ${file} is not a regular file; it is not read`);
    if (stat.size > MAX_WITNESS_BYTES) throw new WitnessError(`the witness ${file} is ${stat.size} bytes, more than a witness can be (${MAX_WITNESS_BYTES})`);
    const buffer = Buffer.alloc(MAX_WITNESS_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_WITNESS_BYTES) throw new WitnessError(`the witness ${file} grew past ${MAX_WITNESS_BYTES} bytes while read`);
    }
    text = buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  return parseWitness(text, file);
}

/**
 * @example parseWitness('{"format":"sockaudit-witness-1","writtenAt":"2026-11-28T05:00:00.000Z","heads":[{"host":"web1","id":23,"hash":"<64 hex>"}]}', f)
 *   -> { writtenAt: '2026-11-28T05:00:00.000Z', heads: [{ host: 'web1', id: 23, hash: '<64 hex>' }] }
 */
export function parseWitness(text: string, file: string): Witness {
  const bad = (why: string) => new WitnessError(`the witness ${file} is not a valid witness (${why})`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not an object');
  const object = value as Record<string, unknown>;
  if (object.format !== FORMAT) throw bad(`format is not ${FORMAT}`);
  if (typeof object.writtenAt !== 'string' || object.writtenAt.length > 64 || Number.isNaN(Date.parse(object.writtenAt))) throw bad('writtenAt is not a time');
  if (!Array.isArray(object.heads) || object.heads.length > MAX_HOSTS) throw bad('heads is not a list');
  const heads: WitnessHead[] = [];
  const hosts = new Set<string>();
  for (const [index, head] of object.heads.entries()) {
    if (typeof head !== 'object' || head === null) throw bad(`heads[${index}] is not an object`);
    const { host, id, hash } = head as Record<string, unknown>;
    if (typeof host !== 'string' || host.length === 0 || host.length > MAX_HOST_NAME) throw bad(`heads[${index}].host is not a host name`);
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw bad(`heads[${index}].id is not a snapshot id`);
    if (typeof hash !== 'string' || !HASH.test(hash)) throw bad(`heads[${index}].hash is not a SHA-256 in hex`);
    if (hosts.has(host)) throw bad(`host ${JSON.stringify(host)} appears twice`);
    hosts.add(host);
    heads.push({ host, id, hash });
  }
  return { writtenAt: object.writtenAt, heads };
}

/**
 * Replaces the witness with these heads: written to a temporary file (0600) in the same
 * directory, fsynced, then renamed over the old one, so that a reader sees the old witness
 * or the new one, never a part. The directory is not fsynced: after a power loss the
 * witness may be the previous one, which is older than the database and not an error.
 */
export function writeWitness(databasePath: string, heads: WitnessHead[], now = new Date()): void {
  const file = witnessPath(databasePath);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const text = JSON.stringify({ format: FORMAT, writtenAt: now.toISOString(), heads }) + '\n';
  try {
    const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new StorageError(`the snapshot is stored, but its witness ${file} could not be written: ${error instanceof Error ? error.message : String(error)}`);
  }
}
