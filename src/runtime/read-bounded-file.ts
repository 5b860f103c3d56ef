import fs from 'node:fs';
import { errnoCode } from '../errors.js';

/** A file read whole, or why it was not. */
export type BoundedRead = { text: string } | { problem: string };

/**
 * Reads a runtime metadata file whole, refusing what a hostile or broken host could use
 * against the reader: a symbolic link as the last component (O_NOFOLLOW: a config.json
 * pointing at another file), anything but a regular file (a FIFO would block the open
 * without O_NONBLOCK; a device could be endless), and more than `maxBytes`.
 *
 * @example readBoundedFile('/var/lib/docker/containers/ID/config.v2.json', 1 << 20) -> { text: '{"ID":...}' }
 * @example readBoundedFile('/run/fifo', 1024) -> { problem: 'not a regular file' }
 */
export function readBoundedFile(file: string, maxBytes: number): BoundedRead {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    return { problem: code === 'ELOOP' ? 'a symbolic link (not followed)' : code === 'ENOENT' ? 'missing' : (code ?? String(error)) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { problem: 'not a regular file' };
    if (stat.size > maxBytes) return { problem: `larger than ${maxBytes} bytes` };
    // the size may grow between fstat and read: read at most one byte more than allowed
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) break;
    }
    if (length > maxBytes) return { problem: `larger than ${maxBytes} bytes` };
    return { text: buffer.toString('utf8', 0, length) };
  } catch (error) {
    return { problem: errnoCode(error) ?? String(error) };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Names in a directory, at most `max` of them (readdir of a runtime's state directory);
 * null when it cannot be listed. A hostile host's million entries cost one bounded read.
 */
export function listBoundedDir(dir: string, max: number): string[] | null {
  let handle: fs.Dir;
  try {
    handle = fs.opendirSync(dir);
  } catch {
    return null;
  }
  const names: string[] = [];
  try {
    for (let entry = handle.readSync(); entry !== null && names.length < max; entry = handle.readSync()) names.push(entry.name);
  } catch {
    // a directory that vanished while read: what was read is what there is
  } finally {
    handle.closeSync();
  }
  return names;
}
