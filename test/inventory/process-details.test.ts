import { describe, expect, it } from 'vitest';
import { joinArgv, processDetailsFromFiles, processFilesFromDump } from '../../src/inventory/process-details.js';
import { redactArgv } from '../../src/inventory/redact-cmdline.js';
import type { ProcessFileDump } from '../../src/model/fd-link-scan.js';

const NOT_READ = -2147483648;
const NOT_REGULAR = -2147483647;
const ENOENT = 2;
const EIO = 5;
const EACCES = 13;

/**
 * A dump as native/fd-scan.c lays it out: per pid six files (comm, stat, exe, cmdline, status,
 * cgroup), each text or -errno; a pid given five has no cgroup file (ENOENT, a captured tree).
 */
function dumpOf(processes: { pid: number; files: (string | number)[] }[]): ProcessFileDump {
  const chunks: Buffer[] = [];
  const spans: number[] = [];
  let offset = 0;
  for (const { files } of processes) {
    for (const file of files.length === 5 ? [...files, ENOENT] : files) {
      if (typeof file === 'number') {
        spans.push(offset, file === NOT_READ || file === NOT_REGULAR ? file : -file);
        continue;
      }
      const bytes = Buffer.from(file, 'utf8');
      chunks.push(bytes);
      spans.push(offset, bytes.length);
      offset += bytes.length;
    }
  }
  return { pids: Int32Array.from(processes.map((entry) => entry.pid)), spans: Int32Array.from(spans), bytes: new Uint8Array(Buffer.concat(chunks)) };
}

const STATUS = 'Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t33\t33\t33\nGid:\t0\t33\t33\t33\n';
const USERS = new Map([
  [0, 'root'],
  [33, 'www-data'],
]);

describe('processFilesFromDump and processDetailsFromFiles', () => {
  const dump = dumpOf([
    { pid: 100, files: ['nginx\n', NOT_READ, '/usr/sbin/nginx', 'nginx: worker process\0\0', STATUS] },
    // no comm file (a kernel before 2.6.33): the name comes from stat, up to its last ')'
    { pid: 200, files: [ENOENT, '200 (a) b) S 1 200 200 0 -1', '/opt/a) b (deleted)', 'a) b\0--flag\0', 'Uid:\t1000\t1000\t1000\t1000\n'] },
    // another user's process, not root: exe unreadable, the rest readable
    { pid: 300, files: ['sshd\n', NOT_READ, EACCES, '', STATUS] },
    // gone before its files could be read
    { pid: 400, files: [ENOENT, ENOENT, ENOENT, ENOENT, ENOENT] },
  ]);
  const details = (position: number) => processDetailsFromFiles(processFilesFromDump(dump, position), USERS);

  it('reads comm, exe, cmdline and the effective uid of a process', () => {
    expect(details(0)).toEqual({ comm: 'nginx', exe: '/usr/sbin/nginx', cmdline: 'nginx: worker process', uid: 33, user: 'www-data' });
  });

  it('falls back to stat for the name, and keeps a deleted binary as the kernel shows it', () => {
    expect(details(1)).toEqual({ comm: 'a) b', exe: '/opt/a) b (deleted)', cmdline: 'a) b --flag', uid: 1000, user: null });
  });

  it('makes a field null where its file could not be read (permission, a vanished process)', () => {
    expect(details(2)).toEqual({ comm: 'sshd', exe: null, cmdline: null, uid: 33, user: 'www-data' });
    expect(details(3)).toEqual({ comm: null, exe: null, cmdline: null, uid: null, user: null });
  });

  it('hands the arguments, still apart, and the exe to the command line renderer (snapshot redacts there)', () => {
    const spaced = dumpOf([{ pid: 600, files: ['app\n', NOT_READ, '/usr/bin/mysql', 'mysql\0--password\0a b c\0-pX\0', STATUS] }]);
    const seen: [readonly string[], string | null][] = [];
    const rendered = processDetailsFromFiles(processFilesFromDump(spaced, 0), USERS, (argv, exe) => {
      seen.push([argv, exe]);
      return redactArgv(argv, exe).join(' ');
    });
    expect(seen).toEqual([[['mysql', '--password', 'a b c', '-pX'], '/usr/bin/mysql']]);
    expect(rendered.cmdline).toBe('mysql --password <redacted> -p<redacted>');
    expect(processDetailsFromFiles(processFilesFromDump(spaced, 0), USERS).cmdline).toBe('mysql --password a b c -pX');
  });

  it('gives the cgroup file as read (which container the process runs in), or its errno', () => {
    const cgroup = '0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n';
    const inContainer = dumpOf([{ pid: 800, files: ['nginx\n', NOT_READ, '/usr/sbin/nginx', 'nginx\0', STATUS, cgroup] }]);
    expect(processFilesFromDump(inContainer, 0).cgroup).toBe(cgroup);
    expect(processFilesFromDump(dump, 0).cgroup).toEqual({ code: 'ENOENT' });
  });

  it('names the errno of a file that could not be read', () => {
    expect(processFilesFromDump(dump, 2).exe).toEqual({ code: 'EACCES' });
    expect(processFilesFromDump(dump, 0).stat).toBeNull();
  });

  it('does not hide an unexpected read error, nor stop for it: the field is null and the file is reported', () => {
    const broken = dumpOf([{ pid: 500, files: ['x\n', NOT_READ, EIO, '', STATUS] }]);
    const reported: string[] = [];
    const details = processDetailsFromFiles(processFilesFromDump(broken, 0), USERS, joinArgv, (file, code) => reported.push(`${file} ${code}`));
    expect(details.exe).toBeNull();
    expect(reported).toEqual(['exe EIO']);
  });

  it('reports a file the C scan refused as not regular (a FIFO in a captured tree)', () => {
    const fifo = dumpOf([{ pid: 600, files: [NOT_REGULAR, NOT_READ, '/bin/x', '', STATUS] }]);
    const reported: string[] = [];
    const details = processDetailsFromFiles(processFilesFromDump(fifo, 0), USERS, joinArgv, (file, code) => reported.push(`${file} ${code}`));
    expect(details.comm).toBeNull();
    expect(reported).toEqual(['comm NOT_REGULAR']);
  });

  it('cuts a file the C scan read past the 1 MiB cap, and a line over 64 KiB, with a note naming the file', () => {
    const long = dumpOf([{ pid: 700, files: ['x\n', NOT_READ, '/bin/x', 'a'.repeat(1024 * 1024 + 1), `Name:\t${'n'.repeat(70_000)}\nUid:\t0\t5\t5\t5\n`] }]);
    const notes: { message: string }[] = [];
    const files = processFilesFromDump(long, 0, 'tree/700', notes as never);
    expect((files.cmdline as Uint8Array).length).toBe(1024 * 1024);
    expect(processDetailsFromFiles(files, USERS).uid).toBe(5);
    expect(notes.map((note) => note.message)).toEqual([
      'tree/700/cmdline: larger than 1 MiB; only the first 1 MiB was read',
      'tree/700/status: 1 line longer than 64 KiB skipped (line 1)',
    ]);
  });
});
