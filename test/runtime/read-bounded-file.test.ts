import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { listBoundedDir, readBoundedFile } from '../../src/runtime/read-bounded-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockaudit-bounded-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readBoundedFile', () => {
  it('reads a regular file whole', () => {
    fs.writeFileSync(path.join(dir, 'a.json'), '{"a":1}');
    expect(readBoundedFile(path.join(dir, 'a.json'), 100)).toEqual({ text: '{"a":1}' });
  });

  it('refuses a file over the cap, a symbolic link, a directory, a FIFO (without blocking) and a missing file', () => {
    fs.writeFileSync(path.join(dir, 'big'), 'x'.repeat(101));
    expect(readBoundedFile(path.join(dir, 'big'), 100)).toEqual({ problem: 'larger than 100 bytes' });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'link'));
    expect(readBoundedFile(path.join(dir, 'link'), 1 << 20)).toEqual({ problem: 'a symbolic link (not followed)' });
    expect(readBoundedFile(dir, 100)).toEqual({ problem: 'not a regular file' });
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    expect(readBoundedFile(path.join(dir, 'fifo'), 100)).toEqual({ problem: 'not a regular file' });
    expect(readBoundedFile(path.join(dir, 'none'), 100)).toEqual({ problem: 'missing' });
  });
});

describe('listBoundedDir', () => {
  it('lists at most the given number of names; null for what cannot be listed', () => {
    const sub = path.join(dir, 'many');
    fs.mkdirSync(sub);
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(sub, String(i)), '');
    expect(listBoundedDir(sub, 4)).toHaveLength(4);
    expect(listBoundedDir(sub, 100)).toHaveLength(10);
    expect(listBoundedDir(path.join(dir, 'none'), 4)).toBeNull();
  });
});
