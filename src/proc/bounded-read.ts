import fs from 'node:fs';

/**
 * Reading a file of a proc root without trusting it. A captured tree (--proc-root) comes
 * from another machine: its net/tcp may be a link to /dev/zero, its comm a FIFO that never
 * ends, its net/unix one line of 200 MB. So every read here:
 * - opens with O_NONBLOCK (a FIFO or a device cannot block the open) and refuses anything
 *   fstat does not call a regular file (FIFO, device, socket, directory): NotRegularFileError;
 * - reads at most `maxBytes` (what lies beyond is not read; the text is cut after its last
 *   whole line);
 * - drops every line longer than `maxLine` while reading, keeping an empty line in its
 *   place so that line numbers stay true: a line of 200 MB never becomes a string.
 * What was cut or dropped is reported as a ReadNote, for the collector to warn about.
 *
 * The live /proc gains the same bounds at no cost: procfs files are regular files, and
 * readFileSync made the same open, fstat and read calls. native/fd-scan.c applies the same
 * rules to the per-process files it reads (its twin; keep the two equal).
 */

export interface ReadLimits {
  /** most bytes read from the file. */
  maxBytes: number;
  /** longest line kept (bytes, newline excluded); null: not a line-oriented file (cmdline). */
  maxLine: number | null;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Longest line kept of any text file: no /proc line is anywhere near it. */
export const MAX_LINE = 64 * KiB;

/**
 * A socket table (net/tcp, net/unix...): 256 MiB holds some 1.7 million unix sockets
 * (150 bytes a line), far beyond any host we know of, and is still a bounded amount.
 */
export const NET_TABLE_LIMITS: ReadLimits = { maxBytes: 256 * MiB, maxLine: MAX_LINE };

/**
 * A per-process text file (comm, stat, status) and small single-value files (hostname,
 * boot_id). Must equal MAX_PROCESS_FILE in native/fd-scan.c.
 */
export const PROCESS_FILE_LIMITS: ReadLimits = { maxBytes: 1 * MiB, maxLine: MAX_LINE };

/** /proc/PID/cmdline: NUL-separated, so no line limit; 1 MiB like the other process files. */
export const CMDLINE_LIMITS: ReadLimits = { maxBytes: 1 * MiB, maxLine: null };

/** A user database (etc/passwd of a captured tree, /etc/passwd). */
export const PASSWD_LIMITS: ReadLimits = { maxBytes: 64 * MiB, maxLine: MAX_LINE };

/** Something cut from a file while reading it, for a warning that names the file. */
export interface ReadNote {
  file: string;
  kind: 'file-capped' | 'line-too-long';
  message: string;
}

/** The file is a FIFO, device, socket or directory: never read. `code` is 'NOT_REGULAR'. */
export class NotRegularFileError extends Error {
  readonly code = 'NOT_REGULAR';
  constructor(
    readonly file: string,
    readonly fileType: string,
  ) {
    super(`${file}: not a regular file (${fileType}); not read`);
  }
}

/** What fstat says a non-regular file is, for messages. */
function fileTypeOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isDirectory()) return 'a directory';
  return 'not a regular file';
}

/** 1 MiB -> "1 MiB"; 65536 -> "64 KiB". */
export function formatSize(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : bytes >= KiB && bytes % KiB === 0 ? `${bytes / KiB} KiB` : `${bytes} bytes`;
}

/** Chunk read at a time; procfs fills whatever buffer it is given, a seq_file record at a time. */
const CHUNK = 256 * KiB;

const O_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/**
 * Reads `file` within `limits`; pushes onto `notes` what was cut. Throws Node's errors
 * (ENOENT, EACCES, ELOOP, ENXIO for a socket file...) and NotRegularFileError.
 *
 * @example
 *   readBoundedFile('t/1/net/tcp', NET_TABLE_LIMITS, notes)  // t/1/net/tcp -> /dev/zero
 *   // throws NotRegularFileError "t/1/net/tcp: not a regular file (a character device); not read"
 *   readBoundedFile('t/1/net/unix', NET_TABLE_LIMITS, notes)  // header + one 200 MB line + 3 lines
 *   // -> header, "", 3 lines; notes: "t/1/net/unix: 1 line longer than 64 KiB skipped (line 2)"
 */
export function readBoundedFile(file: string, limits: ReadLimits, notes: ReadNote[]): Buffer {
  const fd = fs.openSync(file, O_FLAGS);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFileError(file, fileTypeOf(stat));
    const { maxBytes, maxLine } = limits;
    // one byte past the cap tells a file of exactly maxBytes from a longer one
    let buffer = Buffer.allocUnsafe(stat.size > 0 ? Math.min(stat.size, maxBytes) + 1 : Math.min(maxBytes + 1, maxLine === null ? 4 * KiB : 16 * KiB));
    let length = 0;
    let consumed = 0;
    let lineStart = 0; // where the line not yet known to be short begins
    let skipping = false; // inside a dropped long line, discarding up to its newline
    const longLines: number[] = [];
    let longLineCount = 0;
    let countedTo = 0; // line numbers are counted only when a long line needs one
    let lineNumber = 1;
    const noteLongLine = () => {
      for (let at = buffer.indexOf(10, countedTo); at >= 0 && at < lineStart; at = buffer.indexOf(10, at + 1)) lineNumber++;
      countedTo = lineStart;
      longLineCount++;
      if (longLines.length < 3) longLines.push(lineNumber);
    };
    for (;;) {
      if (consumed > maxBytes) break;
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(Math.max(buffer.length * 2, 16 * KiB), maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const want = Math.min(buffer.length - length, CHUNK, maxBytes + 1 - consumed);
      let got: number;
      try {
        got = fs.readSync(fd, buffer, length, want, null);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break; // O_NONBLOCK on a file that has no more now
        throw error;
      }
      if (got === 0) break;
      const readFrom = length;
      length += got;
      consumed += got;
      if (consumed > maxBytes) length -= consumed - maxBytes; // the byte past the cap only says there is more
      if (maxLine === null) continue;
      if (skipping) {
        const newline = buffer.indexOf(10, readFrom);
        if (newline < 0 || newline >= length) {
          length = lineStart; // still inside the long line: nothing of it is kept
          continue;
        }
        buffer.copy(buffer, lineStart, newline, length); // keeps its newline: an empty line
        length = lineStart + (length - newline);
        countedTo = lineStart + 1;
        lineNumber++;
        lineStart++;
        skipping = false;
      }
      // move lineStart over whole lines, up to maxLine + 1 bytes a step
      for (;;) {
        const from = Math.min(lineStart + maxLine, length - 1);
        const newline = from >= lineStart ? buffer.lastIndexOf(10, from) : -1;
        if (newline >= lineStart) {
          lineStart = newline + 1;
          continue;
        }
        if (length - lineStart <= maxLine) break; // the open line is short so far
        noteLongLine();
        const end = buffer.indexOf(10, lineStart + maxLine);
        if (end < 0 || end >= length) {
          length = lineStart;
          skipping = true;
          break;
        }
        buffer.copy(buffer, lineStart, end, length);
        length = lineStart + (length - end);
        countedTo = lineStart + 1;
        lineNumber++;
        lineStart++;
      }
    }
    if (consumed > maxBytes) {
      // the cap cut the file: for text, the cut last line goes too
      if (maxLine !== null) length = skipping || length === 0 ? Math.min(lineStart, length) : buffer.lastIndexOf(10, length - 1) + 1;
      notes.push({ file, kind: 'file-capped', message: `${file}: larger than ${formatSize(maxBytes)}; only the first ${formatSize(maxBytes)} was read` });
    } else if (skipping) {
      length = lineStart; // the file ended inside a long line
    }
    if (longLineCount > 0) {
      const lines = longLines.map((line) => `line ${line}`).join(', ') + (longLineCount > longLines.length ? ', ...' : '');
      notes.push({ file, kind: 'line-too-long', message: `${file}: ${longLineCount} line${longLineCount === 1 ? '' : 's'} longer than ${formatSize(maxLine!)} skipped (${lines})` });
    }
    return buffer.subarray(0, length);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Applies `limits` to bytes read elsewhere (the C scan's process files, read up to
 * maxBytes + 1): the same cut and the same long-line rule as readBoundedFile.
 */
export function limitBytes(file: string, bytes: Uint8Array, limits: ReadLimits, notes: ReadNote[]): Uint8Array {
  const capped = bytes.length > limits.maxBytes;
  let kept = capped ? bytes.subarray(0, limits.maxBytes) : bytes;
  if (capped) notes.push({ file, kind: 'file-capped', message: `${file}: larger than ${formatSize(limits.maxBytes)}; only the first ${formatSize(limits.maxBytes)} was read` });
  if (limits.maxLine === null) return kept;
  kept = dropLongLines(file, kept, limits.maxLine, notes);
  // as readBoundedFile: a last line cut by the cap is dropped (counted above if too long)
  return capped ? kept.subarray(0, kept.length === 0 ? 0 : kept.lastIndexOf(10, kept.length - 1) + 1) : kept;
}

/** Lines over `maxLine` become empty lines, with a note; `bytes` itself when there are none. */
function dropLongLines(file: string, bytes: Uint8Array, maxLine: number, notes: ReadNote[]): Uint8Array {
  // fast path: no line longer than maxLine (every window of maxLine + 1 bytes holds a newline)
  let start = 0;
  for (;;) {
    if (bytes.length - start <= maxLine) return bytes;
    const newline = bytes.lastIndexOf(10, start + maxLine);
    if (newline < start) break;
    start = newline + 1;
  }
  const lines: Uint8Array[] = [];
  const longLines: number[] = [];
  let count = 0;
  let lineNumber = 1;
  for (let at = 0; at < bytes.length; lineNumber++) {
    let end = bytes.indexOf(10, at);
    if (end < 0) end = bytes.length;
    if (end - at > maxLine) {
      count++;
      if (longLines.length < 3) longLines.push(lineNumber);
    } else {
      lines.push(bytes.subarray(at, end));
    }
    if (end < bytes.length) lines.push(NEWLINE);
    at = end + 1;
  }
  const shown = longLines.map((line) => `line ${line}`).join(', ') + (count > longLines.length ? ', ...' : '');
  notes.push({ file, kind: 'line-too-long', message: `${file}: ${count} line${count === 1 ? '' : 's'} longer than ${formatSize(maxLine)} skipped (${shown})` });
  return Buffer.concat(lines);
}

const NEWLINE = Buffer.from('\n');
