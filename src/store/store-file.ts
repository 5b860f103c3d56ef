import fs from 'node:fs';
import path from 'node:path';
import { DamagedStoreError, errnoCode, StorageError } from '../errors.js';

/**
 * What is at the database's path before SQLite is let near it:
 * - `missing`: nothing (only this creates a new database);
 * - `empty`: a regular file of 0 bytes (`touch`ed by an installer, or a truncated database:
 *   the witness tells which);
 * - `sqlite`: a regular file that starts with SQLite's header (whether it is sockaudit's is
 *   for the schema to say).
 * Everything else is refused with a line saying what is true: not a regular file (SQLite
 * would otherwise put its journal beside /dev/null), not readable, not an SQLite file.
 */
export type StoreFileState = 'missing' | 'empty' | 'sqlite';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export function inspectStoreFile(location: string): StoreFileState {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(location);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return 'missing';
    if (code === 'EACCES') throw new StorageError(`cannot look for the database ${location}: permission denied on a directory above it (uid ${uid()})`);
    if (code === 'ENOTDIR') throw new StorageError(`cannot use ${location} as the database: a part of its path is not a directory`);
    throw new StorageError(`cannot look for the database ${location}: ${describe(error)}`);
  }
  if (!stat.isFile()) {
    throw new StorageError(`${location} is not a regular file (${fileKind(stat)}); the database must be a regular file`);
  }
  let fd: number;
  try {
    fd = fs.openSync(location, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    if (errnoCode(error) === 'EACCES') throw new StorageError(`the database ${location} exists but is not readable by this user (uid ${uid()})`);
    throw new StorageError(`cannot read the database ${location}: ${describe(error)}`);
  }
  try {
    if (stat.size === 0) return 'empty';
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, header, 0, header.length, 0);
    if (read < header.length || !header.equals(SQLITE_HEADER)) {
      throw new DamagedStoreError(`${location} is not an SQLite database (its first bytes are not SQLite's header); sockaudit will not use or overwrite it`);
    }
    return 'sqlite';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Why this process may not write the database, or null when it may: the file and its
 * directory (SQLite creates the -wal and -shm files beside it) must both be writable.
 */
export function whyNotWritable(location: string): string | null {
  const directory = path.dirname(location);
  for (const [target, what] of [
    [location, `the database ${location} exists but is not writable by this user (uid ${uid()})`],
    [directory, `the directory of the database, ${directory}, is not writable by this user (uid ${uid()}); SQLite creates its journal there`],
  ] as const) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (error) {
      if (errnoCode(error) === 'EROFS') return `the database ${location} is on a read-only file system`;
      return what;
    }
  }
  return null;
}

/** Whether SQLite's write-ahead log beside the database holds anything. */
export function hasWalContent(location: string): boolean {
  try {
    return fs.statSync(`${location}-wal`).size > 0;
  } catch {
    return false;
  }
}

function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

function uid(): number {
  return process.getuid?.() ?? -1;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
