import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { limitBytes, NotRegularFileError, readBoundedFile, type ReadLimits, type ReadNote } from '../../src/proc/bounded-read.js';
import { makeTempDir } from '../helpers/live.js';

const dir = makeTempDir('sockaudit-bounded-read-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * What the limits promise, written the slow way: lines over maxLine become empty lines; the
 * cap cuts after the last whole line. The lines counted as too long are those of the
 * bytes under the cap (a last line cut by the cap counts when what was read of it is too long).
 */
function expected(text: string, limits: ReadLimits): { text: string; longLines: number } {
  let kept = text;
  if (Buffer.byteLength(kept) > limits.maxBytes) kept = Buffer.from(kept).subarray(0, limits.maxBytes).toString('latin1');
  if (limits.maxLine === null) return { text: kept, longLines: 0 };
  const longLines = kept.split('\n').filter((line) => line.length > limits.maxLine!).length;
  if (kept.length < text.length) kept = kept.slice(0, kept.lastIndexOf('\n') + 1);
  const lines = kept.split('\n').map((line) => (line.length <= limits.maxLine! ? line : ''));
  return { text: lines.join('\n'), longLines };
}

function readBoth(text: string, limits: ReadLimits) {
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, text, 'latin1');
  const notes: ReadNote[] = [];
  const read = readBoundedFile(file, limits, notes).toString('latin1');
  const limitNotes: ReadNote[] = [];
  const limited = Buffer.from(limitBytes(file, Buffer.from(text, 'latin1'), limits, limitNotes)).toString('latin1');
  return { read, notes, limited, limitNotes };
}

describe('readBoundedFile', () => {
  it('refuses a FIFO without blocking, and a character device, naming the file', () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readBoundedFile(fifo, { maxBytes: 100, maxLine: 10 }, [])).toThrow(NotRegularFileError);
    expect(() => readBoundedFile(fifo, { maxBytes: 100, maxLine: 10 }, [])).toThrow(`${fifo}: not a regular file (a FIFO); not read`);
    const zero = path.join(dir, 'zero');
    fs.symlinkSync('/dev/zero', zero);
    expect(() => readBoundedFile(zero, { maxBytes: 100, maxLine: 10 }, [])).toThrow(`${zero}: not a regular file (a character device); not read`);
  });

  it('keeps short lines, empties long ones (line numbers stay true) and says which', () => {
    const text = `head\n${'x'.repeat(300_000)}\nshort\n${'y'.repeat(70_000)}`;
    const { read, notes } = readBoth(text, { maxBytes: 1 << 20, maxLine: 65_536 });
    expect(read).toBe('head\n\nshort\n');
    expect(notes.map((note) => note.message)).toEqual([`${dir}/file: 2 lines longer than 64 KiB skipped (line 2, line 4)`]);
  });

  it('stops at the cap, after the last whole line, and says so', () => {
    const text = 'abcdefghi\n'.repeat(100);
    const { read, notes } = readBoth(text, { maxBytes: 255, maxLine: 100 });
    expect(read).toBe('abcdefghi\n'.repeat(25));
    expect(notes.map((note) => note.message)).toEqual([`${dir}/file: larger than 255 bytes; only the first 255 bytes was read`]);
  });

  it('agrees with the slow reading, and with limitBytes (the C scan twin), across read chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 4000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1000, max: 700_000 }),
        fc.boolean(),
        (lengths, maxLine, maxBytes, lastNewline) => {
          const text = lengths.map((length, index) => String.fromCharCode(97 + (index % 26)).repeat(length)).join('\n') + (lastNewline ? '\n' : '');
          const limits = { maxBytes, maxLine };
          const want = expected(text, limits);
          const { read, notes, limited, limitNotes } = readBoth(text, limits);
          expect(read).toBe(want.text);
          expect(limited).toBe(want.text);
          expect(limitNotes).toEqual(notes);
          const long = notes.find((note) => note.kind === 'line-too-long');
          expect(long === undefined ? 0 : Number(/: (\d+) line/.exec(long.message)![1])).toBe(want.longLines);
        },
      ),
      { numRuns: 40 },
    );
  });
});
