import BetterSqlite3 from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectCommand } from '../../src/commands/collect.js';
import { listCommand } from '../../src/commands/list.js';
import { pruneCommand } from '../../src/commands/prune.js';
import { showCommand } from '../../src/commands/show.js';
import { snapshotCommand } from '../../src/commands/snapshot.js';
import { verifyCommand } from '../../src/commands/verify.js';
import { NotFoundError, StorageError, UsageError } from '../../src/errors.js';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { memoryIo } from '../../src/io.js';
import { parseCount } from '../../src/option-values.js';
import { collectOptions, listOptions, pruneOptions, showOptions, snapshotOptions, verifyOptions } from '../../src/options/command-options.js';
import { orderSockets } from '../../src/store/read-snapshot.js';
import { tempDir } from '../store/temp-store.js';
import { copyProcTree, setCmdline } from './proc-tree.js';

let dir: string;
let cleanup: () => void;
let db: string;
let procRoot: string;

beforeEach(() => {
  ({ dir, cleanup } = tempDir('sockaudit-cmd-'));
  db = path.join(dir, 'test.db');
  procRoot = copyProcTree('edge-cases', dir);
});
afterEach(() => cleanup());

async function snapshot(extra: Record<string, unknown> = {}) {
  const io = memoryIo();
  const code = await snapshotCommand(snapshotOptions({ db, procRoot, json: true, ...extra }), io);
  expect(code).toBe(0);
  return JSON.parse(io.out) as { id: number; host: string; label: string | null; socketCount: number; written: { opened: number; closed: number }; durationMs: number; warnings: unknown[] };
}

const comparable = (sockets: SocketRecord[]) =>
  sockets.map((socket) => ({ ...socket, recvQueue: null, sendQueue: null })).sort(orderSockets);

describe('sockaudit snapshot', () => {
  it('prints the summary JSON of docs/design.md and writes only changes the second time', async () => {
    const first = await snapshot({ label: 'first' });
    expect(Object.keys(first)).toEqual(['id', 'takenAt', 'host', 'label', 'socketCount', 'written', 'durationMs', 'warnings']);
    expect(first).toMatchObject({ id: 1, host: 'edge-host', label: 'first', written: { opened: first.socketCount, closed: 0 } });
    expect(first.socketCount).toBeGreaterThan(10);
    expect(first.warnings.length).toBeGreaterThan(0);
    const second = await snapshot();
    expect(second).toMatchObject({ id: 2, label: null, socketCount: first.socketCount, written: { opened: 0, closed: 0 } });
  });

  it('prints nothing with --quiet, and one line of text without --json', async () => {
    const quiet = memoryIo();
    expect(await snapshotCommand(snapshotOptions({ db, procRoot, quiet: true }), quiet)).toBe(0);
    expect(quiet.out + quiet.err).toBe('');
    const text = memoryIo();
    expect(await snapshotCommand(snapshotOptions({ db, procRoot }), text)).toBe(0);
    expect(text.out).toMatch(/^snapshot 2 of edge-host at \S+: \d+ sockets; 0 opened or changed, 0 closed or replaced \(\d+ ms\)\n$/);
  });

  it('stores command lines redacted by default, in full, or not at all', async () => {
    setCmdline(procRoot, 120, ['nginx', '--password=hunter2', '-g', 'daemon off;']);
    const stored = async (mode: string | undefined) => {
      const io = memoryIo();
      await snapshotCommand(snapshotOptions({ db, procRoot, quiet: true, cmdline: mode }), io);
      const show = memoryIo();
      await showCommand(showOptions([], { db, procRoot, json: true, pid: '120' }), show);
      const inventory = JSON.parse(show.out) as Inventory;
      return new Set(inventory.sockets.flatMap((socket) => socket.owners.filter((owner) => owner.pid === 120).map((owner) => owner.cmdline)));
    };
    expect(await stored(undefined)).toEqual(new Set(['nginx --password=<redacted> -g daemon off;']));
    expect(await stored('none')).toEqual(new Set([null]));
    expect(await stored('full')).toEqual(new Set(['nginx --password=hunter2 -g daemon off;']));
    // the secret is in the database only from the run that asked for it in full
    const raw = new BetterSqlite3(db, { readonly: true });
    const withSecret = raw.prepare("select count(*) as n from processes where cmdline like '%hunter2%'").get() as { n: number };
    raw.close();
    expect(withSecret.n).toBe(1);
    expect(() => snapshotOptions({ db, procRoot, cmdline: 'some' })).toThrow(UsageError);
  });

  it('fails with an InputError-like message for an unreadable proc root and stores nothing', async () => {
    await expect(snapshotCommand(snapshotOptions({ db, procRoot: path.join(dir, 'nope') }), memoryIo())).rejects.toThrow(/cannot read proc root/);
    // nothing to store: no database is created (issue 11)
    expect(fs.existsSync(db)).toBe(false);
    await snapshot();
    await expect(snapshotCommand(snapshotOptions({ db, procRoot: path.join(dir, 'nope') }), memoryIo())).rejects.toThrow(/cannot read proc root/);
    const io = memoryIo();
    await listCommand(listOptions({ db, procRoot, json: true }), io);
    expect(JSON.parse(io.out)).toHaveLength(1);
  });
});

describe('sockaudit list and show', () => {
  it('lists snapshots newest first, as JSON or text, limited', async () => {
    await snapshot({ label: 'a' });
    await snapshot();
    await snapshot({ label: 'c' });
    const json = memoryIo();
    expect(await listCommand(listOptions({ db, procRoot, json: true }), json)).toBe(0);
    const items = JSON.parse(json.out) as { id: number; label: string | null }[];
    expect(items.map((item) => [item.id, item.label])).toEqual([[3, 'c'], [2, null], [1, 'a']]);
    expect(Object.keys(items[0]!)).toEqual(['id', 'takenAt', 'host', 'label', 'socketCount']);
    const text = memoryIo();
    await listCommand(listOptions({ db, procRoot, limit: '2' }), text);
    const lines = text.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TAKEN AT\s+SOCKETS\s+LABEL$/);
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual(['3', '2']);
    expect(() => parseCount('--limit', '0')).toThrow(UsageError);
    const otherHost = memoryIo();
    expect(await listCommand(listOptions({ db, procRoot, host: 'elsewhere' }), otherHost)).toBe(0);
    expect(otherHost.out).toBe('');
    expect(otherHost.err).toMatch(/^no snapshots of host elsewhere in .*\(it has snapshots of edge-host: select one with --host\)\n$/);
  });

  it('shows a stored snapshot with the same JSON and table as collect (queues aside)', async () => {
    await snapshot({ cmdline: 'full' });
    const collected = memoryIo();
    await collectCommand(collectOptions({ procRoot, json: true }), collected);
    const live = JSON.parse(collected.out) as Inventory;
    const shown = memoryIo();
    expect(await showCommand(showOptions([], { db, procRoot, json: true }), shown)).toBe(0);
    const stored = JSON.parse(shown.out) as Inventory;
    expect(Object.keys(stored)).toEqual(['meta', 'sockets', 'warnings']);
    expect(comparable(stored.sockets)).toEqual(comparable(live.sockets));
    expect(stored.warnings).toEqual(live.warnings);
    expect(stored.meta.host).toBe('edge-host');

    const table = memoryIo();
    await showCommand(showOptions(['latest'], { db, procRoot, listening: true }), table);
    const liveTable = memoryIo();
    await collectCommand(collectOptions({ procRoot, listening: true }), liveTable);
    // same header and the same set of rows (queue columns differ: not stored)
    expect(table.out.split('\n')[0]).toBe(liveTable.out.split('\n')[0]);
    expect(table.out.split('\n').length).toBe(liveTable.out.split('\n').length);
    expect(table.err).toMatch(/^snapshot 1 of edge-host at /);
  });

  it('selects by label and rejects a selector that matches nothing', async () => {
    await snapshot({ label: 'before' });
    setCmdline(procRoot, 120, ['nginx', 'changed']);
    await snapshot({ cmdline: 'full' });
    const io = memoryIo();
    await showCommand(showOptions(['@before'], { db, procRoot, json: true, pid: '120' }), io);
    const owners = (JSON.parse(io.out) as Inventory).sockets.flatMap((socket) => socket.owners);
    expect(owners.every((owner) => owner.cmdline !== 'nginx changed')).toBe(true);
    await expect(showCommand(showOptions(['@after'], { db, procRoot }), memoryIo())).rejects.toThrow(NotFoundError);
    await expect(showCommand(showOptions(['@after'], { db, procRoot }), memoryIo())).rejects.toThrow(/"@after" matches no snapshot/);
    expect(() => showOptions(['1', '2'], { db, procRoot })).toThrow(UsageError);
  });

  it('says there is no database rather than creating one', async () => {
    await expect(listCommand(listOptions({ db, procRoot }), memoryIo())).rejects.toThrow(StorageError);
    await expect(showCommand(showOptions([], { db, procRoot }), memoryIo())).rejects.toThrow(/no database at/);
    await expect(verifyCommand(verifyOptions({ db }), memoryIo())).rejects.toThrow(/no database at/);
  });
});

describe('sockaudit prune and verify', () => {
  it('verifies, prunes, and still verifies; a tampered row fails naming the snapshot', async () => {
    for (let step = 0; step < 4; step++) {
      setCmdline(procRoot, 120, ['nginx', `step-${step}`]);
      await snapshot({ cmdline: 'full' });
    }
    const ok = memoryIo();
    expect(await verifyCommand(verifyOptions({ db }), ok)).toBe(0);
    expect(ok.out).toMatch(/^ok: 4 snapshots of 1 host verified/);

    const pruned = memoryIo();
    expect(await pruneCommand(pruneOptions({ db, procRoot, keep: '2' }), pruned)).toBe(0);
    expect(pruned.out).toMatch(/^pruned 2 snapshots of edge-host \(\d+ socket versions, \d+ watch events\); 2 kept, the oldest now 3\ndatabase file: [\d.]+ MB; the freed space is reused by later snapshots \(--vacuum shrinks the file\)\n$/);
    expect(await verifyCommand(verifyOptions({ db }), memoryIo())).toBe(0);
    const vacuumed = memoryIo();
    expect(await pruneCommand(pruneOptions({ db, procRoot, keep: '1', vacuum: true, json: true }), vacuumed)).toBe(0);
    const result = JSON.parse(vacuumed.out) as { removedSnapshots: number; fileBytes: { before: number; after: number } };
    expect(result.removedSnapshots).toBe(1);
    expect(result.fileBytes.after).toBeLessThan(result.fileBytes.before);
    expect(await verifyCommand(verifyOptions({ db }), memoryIo())).toBe(0);

    const raw = new BetterSqlite3(db);
    raw.prepare("update processes set cmdline = 'nginx step-x' where cmdline = 'nginx step-3'").run();
    raw.close();
    const bad = memoryIo();
    expect(await verifyCommand(verifyOptions({ db }), bad)).toBe(1);
    expect(bad.out.split('\n')[0]).toMatch(/^verify failed: \d+ problems? \(1 snapshot of 1 host checked\); first bad: snapshot 4 of host edge-host$/);
    expect(bad.out).toMatch(/snapshot 4 does not match its content hash/);
  });

  it('requires exactly one of --keep and --older-than, with sane values', async () => {
    await snapshot();
    for (const bad of ['0', 'x', '99999999999999999999']) expect(() => parseCount('--keep', bad), bad).toThrow(UsageError);
    for (const options of [{}, { keep: '1', olderThan: '1d' }, { olderThan: 'latest' }, { olderThan: 'soon' }, { olderThan: '99999999999d' }]) {
      expect(() => pruneOptions({ db, procRoot, ...options }), JSON.stringify(options)).toThrow(UsageError);
    }
    const io = memoryIo();
    expect(await pruneCommand(pruneOptions({ db, procRoot, olderThan: '30d' }), io)).toBe(0);
    expect(io.out).toBe('nothing to prune for host edge-host (1 snapshots)\n');
    await snapshot();
    const quiet = memoryIo();
    expect(await pruneCommand(pruneOptions({ db, procRoot, keep: '1', quiet: true }), quiet)).toBe(0);
    expect(quiet.out + quiet.err).toBe('');
    const left = memoryIo();
    await listCommand(listOptions({ db, procRoot, json: true }), left);
    expect((JSON.parse(left.out) as unknown[]).length).toBe(1);
  });
});
