import { describe, expect, it } from 'vitest';
import { socketHistory } from '../../src/store/socket-history.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, tempStore } from './temp-store.js';

describeEachBackend('socketHistory', (backend) => {
  it('lists the stored versions of matching sockets with the snapshots that opened and closed them', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const nginx = makeOwner({ pid: 7, comm: 'nginx', exe: '/usr/sbin/nginx', cmdline: 'nginx' });
      const ssh = makeRecord({ inode: 1, owners: [makeOwner()] });
      const web = makeRecord({ inode: 2, localPort: 80, owners: [nginx] });
      const unix = makeRecord({ inode: 3, family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, remoteAddress: null, remotePort: null, path: '/run/app.sock', exposure: null });
      const at = (minute: number) => ({ takenAt: `2026-11-25T10:0${minute}:00.000Z` });
      const first = await writeSnapshot(store, makeInventory([ssh, web, unix], at(1)), { host: 'h' });
      const second = await writeSnapshot(store, makeInventory([ssh, { ...web, state: 'CLOSE' }], at(2)), { host: 'h' });
      await writeSnapshot(store, makeInventory([ssh], at(3)), { host: 'other' });

      const port80 = await socketHistory(store, 'h', { port: 80 });
      expect(port80.map((entry) => [entry.record.state, entry.openedIn.id, entry.closedIn?.id ?? null])).toEqual([
        ['LISTEN', first.id, second.id],
        ['CLOSE', second.id, null],
      ]);
      expect(port80[0]!.openedIn.takenAt).toBe('2026-11-25T10:01:00.000Z');
      expect(port80[0]!.record.owners).toEqual([nginx]);

      expect((await socketHistory(store, 'h', { exe: '/usr/sbin/nginx' })).map((entry) => entry.record.localPort)).toEqual([80, 80]);
      expect((await socketHistory(store, 'h', { path: '/run/app.sock' })).map((entry) => entry.closedIn?.id)).toEqual([second.id]);
      expect(await socketHistory(store, 'h', { family: 'udp' })).toEqual([]);
      expect((await socketHistory(store, 'h', { port: 22, family: 'tcp' })).map((entry) => entry.record.inode)).toEqual([1]);
      expect((await socketHistory(store, 'other', { port: 22 })).map((entry) => entry.openedIn.takenAt)).toEqual(['2026-11-25T10:03:00.000Z']);
      expect(await socketHistory(store, 'nobody', {})).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
