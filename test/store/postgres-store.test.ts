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

  it('keeps what PostgreSQL types would bend: 8-byte integers, 8-byte reals, NUL inside an abstract name', async () => {
    const { store, cleanup } = await tempStore('postgres');
    try {
      const unix = makeRecord({ family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: '@ab\u0000cd', exposure: null, inode: 2 ** 40, uid: 4294967294 });
      const inventory = makeInventory([unix, makeRecord({ inode: 3, uid: 4294967295 })], { durationMs: 12.345678901234 });
      const written = await writeSnapshot(store, inventory, { host: 'h' });
      const read = await readSnapshot(store, written.id);
      expect(read.meta.durationMs).toBe(12.345678901234);
      expect(read.sockets.map((socket) => [socket.path, socket.inode, socket.uid])).toEqual(
        expect.arrayContaining([['@ab\u0000cd', 2 ** 40, 4294967294], [null, 3, 4294967295]]),
      );
      expect((await verifyStore(store)).problems).toEqual([]);
      // the search column holds it without the NUL PostgreSQL's text cannot hold
      const paths = await store.db.selectFrom('socket_versions').select('path').where('path', 'is not', null).execute();
      expect(paths).toEqual([{ path: '@ab\ufffdcd' }]);
    } finally {
      await cleanup();
    }
  });
});
