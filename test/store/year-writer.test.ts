import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { openStore } from '../../src/store/open-store.js';
import { pruneSnapshots } from '../../src/store/prune-snapshots.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
// @ts-expect-error: a benchmark helper in plain JavaScript
import { yearHistory } from '../../bench/lib/year-history.mjs';
// @ts-expect-error: a benchmark helper in plain JavaScript (it loads dist/: npm test builds first)
import { openYearWriter } from '../../bench/lib/year-writer.mjs';
import { tempDir } from './temp-store.js';

interface Step {
  meta: Inventory['meta'];
  opened: SocketRecord[];
  closed: number[];
}

/**
 * A small history with every kind of change of the year benchmark: clients replaced every
 * snapshot, the daily restart (steps 36 and 324) and the weekly deployment (step 408).
 */
const HISTORY = { snapshots: 420, sockets: 1200, clientsPerSnapshot: 3, appConnections: 5, apiConnections: 20, endMs: Date.parse('2026-11-01T00:00:00Z') };

function contentHashes(file: string): { id: number; content_hash: string; prev_hash: string | null; socket_count: number }[] {
  const raw = new BetterSqlite3(file, { readonly: true });
  try {
    return raw.prepare('select id, content_hash, prev_hash, socket_count from snapshots order by id').all() as never;
  } finally {
    raw.close();
  }
}

describe('the year benchmark writer (bench/lib/year-writer.mjs)', () => {
  it('writes the same snapshots, hash for hash, as writeSnapshot does for the same inventories; prune --vacuum shrinks it and it still verifies', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const bulkFile = path.join(dir, 'bulk.db');
      const bulk = await openStore({ db: bulkFile, env: {} });
      const writer = await openYearWriter(bulk, 'year-host');
      expect(await writer.write(yearHistory(HISTORY), { perTransaction: 100 })).toBe(HISTORY.snapshots);
      expect(await verifyStore(bulk)).toMatchObject({ hosts: 1, snapshots: HISTORY.snapshots, problems: [] });

      const oneByOneFile = path.join(dir, 'one-by-one.db');
      const oneByOne = await openStore({ db: oneByOneFile, env: {} });
      const alive = new Map<number, SocketRecord>();
      for (const step of yearHistory(HISTORY) as Iterable<Step>) {
        for (const inode of step.closed) alive.delete(inode);
        for (const record of step.opened) alive.set(record.inode, record);
        await writeSnapshot(oneByOne, { meta: step.meta, sockets: [...alive.values()], warnings: [] }, { host: 'year-host' });
      }
      await oneByOne.close();
      const expected = contentHashes(oneByOneFile);
      expect(expected.length).toBe(HISTORY.snapshots);
      expect(contentHashes(bulkFile)).toEqual(expected);

      const middle = new BetterSqlite3(bulkFile, { readonly: true }).prepare('select taken_at from snapshots where id = 300').pluck().get() as string;
      const pruned = await pruneSnapshots(bulk, 'year-host', { olderThan: middle }, { vacuum: true });
      expect(pruned).toMatchObject({ removedSnapshots: 299, keptSnapshots: 121, oldestKept: 300 });
      expect(pruned.fileBytes!.after).toBeLessThan(pruned.fileBytes!.before);
      expect(await verifyStore(bulk)).toMatchObject({ hosts: 1, snapshots: 121, problems: [] });
      await bulk.close();
      expect(fs.statSync(bulkFile).size).toBe(pruned.fileBytes!.after);
    } finally {
      cleanup();
    }
  }, 60_000);
});
