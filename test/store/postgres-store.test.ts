/**
 * The PostgreSQL store itself: migrations through the dialect seam, types that come back
 * as they went in, and the connection's failures as one line.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeRecord } from './make-record.js';
import { STORE_BACKENDS, tempStore } from './temp-store.js';

const postgres = STORE_BACKENDS.find((backend) => backend.name === 'postgres')!;

describe.skipIf(postgres.skip !== null)(`PostgreSQL store (skipped: ${postgres.skip ?? ''})`, () => {
  it('migrates, writes, reads back and verifies a snapshot', async () => {
    const { store, cleanup } = await tempStore('postgres');
    try {
      const inventory = makeInventory([makeRecord({ inode: 1 }), makeRecord({ inode: 2, localPort: 443 })]);
      const first = await writeSnapshot(store, inventory, { host: 'web-1' });
      const second = await writeSnapshot(store, inventory, { host: 'web-1' });
      expect(second.written).toEqual({ opened: 0, closed: 0 });
      const read = await readSnapshot(store, second.id);
      expect(read?.sockets.length).toBe(2);
      expect((await verifyStore(store)).problems).toEqual([]);
      expect(first.id).toBeLessThan(second.id);
    } finally {
      await cleanup();
    }
  });
});
