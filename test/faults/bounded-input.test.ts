/**
 * Fault injection: hostile captured /proc trees (--proc-root) must not take this machine
 * down. Each case plants one fault in a copy of fixtures/proc/edge-cases, runs the built
 * CLI with a time limit (a hang fails) and measures its peak memory; it must finish with
 * exit 0, one warning line naming the file, and every other socket still listed.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { collectFromProc } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import { startFdLinkScan } from '../../src/proc/fd-links.js';
import { createProcFs } from '../../src/proc/proc-fs.js';
import { copyProcTree } from '../commands/proc-tree.js';
import { makeTempDir, runCli } from '../helpers/live.js';
import { runCliMeasured } from '../helpers/measured-run.js';

/** Generous: the whole collection of the fixture takes about 0.1 s. */
const TIME_LIMIT_MS = 30_000;
/** Node itself is some 50 MB; the fixture adds little. A run that read a fault whole would be far above. */
const PEAK_LIMIT_KIB = 160 * 1024;

const scratch = makeTempDir('sockaudit-bounded-');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

let tree = '';
let run = 0;
beforeEach(() => {
  tree = copyProcTree('edge-cases', path.join(scratch, String(run++)));
});

/** Replaces `file` of the tree by a symbolic link to `target`. */
function linkFile(file: string, target: string): void {
  fs.rmSync(path.join(tree, file), { recursive: true, force: true });
  fs.symlinkSync(target, path.join(tree, file));
}

function fifoFile(file: string): void {
  fs.rmSync(path.join(tree, file), { force: true });
  execFileSync('mkfifo', [path.join(tree, file)]);
}

/** Writes `head`, then `size` bytes of 'a' with no newline, then `tail`, in 8 MiB writes (never one big string). */
function writeLongLine(file: string, head: string, size: number, tail: string): void {
  const fd = fs.openSync(path.join(tree, file), 'w');
  fs.writeSync(fd, head);
  const block = Buffer.alloc(8 << 20, 'a');
  for (let left = size; left > 0; left -= block.length) fs.writeSync(fd, block, 0, Math.min(left, block.length));
  fs.writeSync(fd, tail);
  fs.closeSync(fd);
}

async function collectTree() {
  const result = await runCliMeasured(['collect', '--json', '--proc-root', tree], TIME_LIMIT_MS);
  expect(result.timedOut, `hung: killed after ${TIME_LIMIT_MS} ms`).toBe(false);
  expect(result.signal).toBeNull();
  expect(result.peakKiB, `peak memory ${result.peakKiB} KiB`).toBeGreaterThan(0);
  expect(result.peakKiB, `peak memory ${result.peakKiB} KiB`).toBeLessThan(PEAK_LIMIT_KIB);
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(result.status, result.stderr).toBe(0);
  const inventory = JSON.parse(result.stdout) as {
    sockets: { inode: number; owners: { pid: number; comm: string | null; cmdline: string | null; uid: number | null }[] }[];
    warnings: { message: string }[];
  };
  // as the text output prints them on stderr, one line each
  return { ...result, inventory, warnings: inventory.warnings.map((warning) => `warning: ${warning.message}`) };
}

/** The inodes the intact fixture lists, for "every other socket is still there". */
const intactInodes = (() => {
  const result = runCli(['collect', '--json', '--proc-root', 'fixtures/proc/edge-cases']);
  return new Set((JSON.parse(result.stdout) as { sockets: { inode: number }[] }).sockets.map((socket) => socket.inode));
})();

describe('bounded input from a captured /proc tree', () => {
  it('net/tcp linked to /dev/zero: refused (a device), not read forever', async () => {
    linkFile('1/net/tcp', '/dev/zero');
    const { warnings, inventory } = await collectTree();
    expect(warnings).toContainEqual(expect.stringMatching(/^warning: 1 required socket table\(s\) could not be read \(net\/tcp of pid 1, namespace host: not a regular file \(a FIFO, device or socket\), not read\)$/));
    // the unix sockets of the same namespace are all there
    expect(inventory.sockets.length).toBeGreaterThan(10);
  });

  it('a FIFO as net/tcp and as an optional table: refused at once, with a warning for each', async () => {
    fifoFile('1/net/tcp');
    fifoFile('1/net/raw');
    const { warnings } = await collectTree();
    expect(warnings).toContainEqual(expect.stringMatching(/^warning: 1 required socket table\(s\) could not be read \(net\/tcp of pid 1, namespace host: not a regular file/));
    expect(warnings).toContainEqual(expect.stringMatching(/^warning: 1 optional socket table\(s\) could not be read \(net\/raw of pid 1, namespace host: not a regular file/));
  });

  it('a FIFO as comm of a socket owner: refused at once, the owner named from its stat instead', async () => {
    fifoFile('120/comm');
    const { warnings, inventory } = await collectTree();
    expect(warnings).toContain(`warning: ${tree}/120/comm: not a regular file (a FIFO, device or socket), not read; the owner's comm is unknown`);
    const owners = inventory.sockets.flatMap((socket) => socket.owners).filter((owner) => owner.pid === 120);
    expect(owners.length).toBeGreaterThan(0);
    for (const owner of owners) expect(owner.comm).toBe('nginx');
    expect(new Set(inventory.sockets.map((socket) => socket.inode))).toEqual(intactInodes);
  });

  it('an fd directory linked to itself: a warning for that pid, the collection goes on', async () => {
    linkFile('120/fd', 'fd');
    const { warnings, inventory } = await collectTree();
    expect(warnings).toContain(`warning: ${tree}/120/fd: ELOOP (a loop of symbolic links); its sockets are listed without this process as owner`);
    expect(inventory.sockets.flatMap((socket) => socket.owners).some((owner) => owner.pid === 120)).toBe(false);
    expect(new Set(inventory.sockets.map((socket) => socket.inode))).toEqual(intactInodes);
  });

  it('a whole pid directory linked to itself: ELOOP for that pid, not for the collection', async () => {
    linkFile('120', '120');
    const { warnings } = await collectTree();
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^warning: ${tree}/120/(fd|ns/net): ELOOP`)));
  });

  it('a 200 MB single line in net/unix: skipped as too long, never held in memory', async () => {
    const header = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
    const good = fs.readFileSync(path.join(tree, '1/net/unix'), 'utf8').split('\n').slice(1).join('\n');
    writeLongLine('1/net/unix', header, 200_000_000, '\n' + good);
    const { warnings, inventory } = await collectTree();
    expect(warnings).toContain(`warning: ${tree}/1/net/unix: 1 line longer than 64 KiB skipped (line 2)`);
    expect(new Set(inventory.sockets.map((socket) => socket.inode))).toEqual(intactInodes);
  });

  it('a 200 MB cmdline is cut at 1 MiB; a 500 KB status line is skipped and the uid after it still read', async () => {
    writeLongLine('120/cmdline', 'nginx\0', 200_000_000, '\0');
    writeLongLine('120/status', 'Name:\t', 500_000, '\nUid:\t0\t33\t33\t33\n');
    const { warnings, inventory } = await collectTree();
    expect(warnings).toContain(`warning: ${tree}/120/cmdline: larger than 1 MiB; only the first 1 MiB was read`);
    expect(warnings).toContain(`warning: ${tree}/120/status: 1 line longer than 64 KiB skipped (line 1)`);
    const owner = inventory.sockets.flatMap((socket) => socket.owners).find((candidate) => candidate.pid === 120)!;
    expect(owner.uid).toBe(33);
    expect(owner.cmdline!.length).toBeLessThanOrEqual(1024 * 1024);
  });

  it('a FIFO as etc/passwd and as sys/kernel/hostname: refused with a warning each', async () => {
    fifoFile('etc/passwd');
    fs.mkdirSync(path.join(tree, 'sys/kernel'), { recursive: true });
    fifoFile('sys/kernel/hostname');
    const { warnings } = await collectTree();
    expect(warnings).toContain(`warning: ${tree}/etc/passwd: not a regular file (a FIFO); not read`);
    expect(warnings).toContain(`warning: ${tree}/sys/kernel/hostname: not a regular file (a FIFO, device or socket), not read; not used`);
  });

  it('a snapshot of a hostile tree is stored, and the snapshots before it still verify', async () => {
    const db = path.join(scratch, `faults-${run}.db`);
    expect(runCli(['snapshot', '--quiet', '--db', db, '--proc-root', 'fixtures/proc/edge-cases']).status).toBe(0);
    linkFile('1/net/tcp', '/dev/zero');
    fifoFile('120/comm');
    linkFile('130/fd', 'fd');
    const result = await runCliMeasured(['snapshot', '--quiet', '--db', db, '--proc-root', tree], TIME_LIMIT_MS);
    expect(result.timedOut).toBe(false);
    expect(result.status, result.stderr).toBe(0);
    expect(result.peakKiB).toBeLessThan(PEAK_LIMIT_KIB);
    const verify = runCli(['verify', '--db', db]);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/2 snapshots/);
  });
});

describe('the JavaScript fd scan (the C scan\'s twin) on the same hostile tree', () => {
  it('gives the same sockets, owners and warnings as the C scan', async () => {
    fifoFile('120/comm');
    linkFile('130/fd', 'fd');
    writeLongLine('1/status', 'Name:\t', 2_000_000, '\nUid:\t0\t0\t0\t0\n');
    writeLongLine('1/cmdline', 'init\0', 3_000_000, '\0');
    const context = readHostContext(tree);
    const native = await collectFromProc(createProcFs(tree), context, 'fixture');
    const javascriptFs = createProcFs(tree);
    const prefix = `${tree}/`;
    const javascript = await collectFromProc({ ...javascriptFs, startSocketFdScan: (pids, hint) => startFdLinkScan(prefix, pids, hint, null) }, context, 'fixture');
    expect(javascript.sockets).toEqual(native.sockets);
    expect(javascript.warnings).toEqual(native.warnings);
    expect(native.warnings.map((warning) => warning.code)).toEqual(expect.arrayContaining(['process-file-unreadable', 'process-unreadable', 'line-too-long', 'file-capped']));
  });
});
