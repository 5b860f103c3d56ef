import { describe, expect, it } from 'vitest';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { readOpenState, writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { describeEachBackend, tempStore } from './temp-store.js';

const sshd = makeOwner();
const listener = makeRecord({ inode: 1, owners: [sshd] });
const web = makeRecord({ inode: 2, localPort: 80, owners: [makeOwner({ pid: 200, fd: 4, comm: 'nginx', exe: '/usr/sbin/nginx', cmdline: 'nginx' })] });

async function count(store: Awaited<ReturnType<typeof tempStore>>['store'], table: 'socket_versions' | 'processes' | 'socket_owners'): Promise<number> {
  const row = await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describeEachBackend('writeSnapshot', (backend) => {
  it('writes nothing for an unchanged inventory, even when its queues moved', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const first = await writeSnapshot(store, makeInventory([listener, web]), { host: 'h' });
      expect(first.written).toEqual({ opened: 2, closed: 0 });
      const again = makeInventory([{ ...web, recvQueue: 9, sendQueue: 100 }, listener]);
      const second = await writeSnapshot(store, again, { host: 'h' });
      expect(second.written).toEqual({ opened: 0, closed: 0 });
      expect(await count(store, 'socket_versions')).toBe(2);
      expect(second.id).toBeGreaterThan(first.id);
    } finally {
      await cleanup();
    }
  });

  it('uses open versions read ahead when they are still current, and reads them again when not', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      expect(await readOpenState(store, 'h')).toBeNull(); // no snapshot of this host yet
      await writeSnapshot(store, makeInventory([listener, web]), { host: 'h' });
      const ahead = await readOpenState(store, 'h');
      expect(ahead?.openVersions).toHaveLength(2);
      // still current: the same result as reading under the lock
      const unchanged = await writeSnapshot(store, makeInventory([listener, web]), { host: 'h', openState: ahead });
      expect(unchanged.written).toEqual({ opened: 0, closed: 0 });
      // another run wrote a snapshot since (web gone): the read ahead is stale, and ignored
      const stale = await readOpenState(store, 'h');
      await writeSnapshot(store, makeInventory([listener]), { host: 'h' });
      const summary = await writeSnapshot(store, makeInventory([listener, web]), { host: 'h', openState: stale });
      expect(summary.written).toEqual({ opened: 1, closed: 0 }); // web opened again, nothing closed twice
      expect(await count(store, 'socket_versions')).toBe(3);
      // a read ahead of another host is ignored too
      const other = await writeSnapshot(store, makeInventory([listener]), { host: 'h', openState: { ...ahead!, host: 'other' } });
      expect(other.written).toEqual({ opened: 0, closed: 1 });
    } finally {
      await cleanup();
    }
  });

  it('closes a vanished socket and writes a new version for a changed one', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      await writeSnapshot(store, makeInventory([listener, web]), { host: 'h' });
      const closedState = { ...listener, state: 'CLOSE' };
      const summary = await writeSnapshot(store, makeInventory([closedState]), { host: 'h' });
      // listener changed (one closed, one opened), web vanished (closed)
      expect(summary.written).toEqual({ opened: 1, closed: 2 });
      expect((await readSnapshot(store, summary.id)).sockets.map((s) => s.state)).toEqual(['CLOSE']);
    } finally {
      await cleanup();
    }
  });

  it('treats an owner change as a change and stores each process description once', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const shared = makeRecord({ inode: 3, localPort: 443, owners: [sshd, { ...sshd, fd: 9 }] });
      await writeSnapshot(store, makeInventory([listener, shared]), { host: 'h' });
      expect(await count(store, 'processes')).toBe(1);
      expect(await count(store, 'socket_owners')).toBe(3);
      const forked = { ...shared, owners: [...shared.owners, makeOwner({ pid: 101, fd: 9 })] };
      const summary = await writeSnapshot(store, makeInventory([listener, forked]), { host: 'h' });
      expect(summary.written).toEqual({ opened: 1, closed: 1 });
      expect(await count(store, 'processes')).toBe(2);
    } finally {
      await cleanup();
    }
  });

  it('closes every open version when the boot id changes, since inodes are reused across boots', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      await writeSnapshot(store, makeInventory([listener, web], { bootId: 'boot-1' }), { host: 'h' });
      const summary = await writeSnapshot(store, makeInventory([listener, web], { bootId: 'boot-2' }), { host: 'h' });
      expect(summary.written).toEqual({ opened: 2, closed: 2 });
      const same = await writeSnapshot(store, makeInventory([listener, web], { bootId: 'boot-2' }), { host: 'h' });
      expect(same.written).toEqual({ opened: 0, closed: 0 });
    } finally {
      await cleanup();
    }
  });

  it('chains content hashes per host', async () => {
    const { store, cleanup } = await tempStore(backend);
    try {
      const a = await writeSnapshot(store, makeInventory([listener]), { host: 'h' });
      await writeSnapshot(store, makeInventory([web]), { host: 'other' });
      const b = await writeSnapshot(store, makeInventory([listener]), { host: 'h', label: 'x' });
      const rows = await store.db.selectFrom('snapshots').select(['id', 'content_hash', 'prev_hash']).orderBy('id').execute();
      expect(rows[0]!.prev_hash).toBeNull();
      expect(rows[1]!.prev_hash).toBeNull();
      expect(rows[2]!.prev_hash).toBe(a.contentHash);
      expect(b.contentHash).toMatch(/^[0-9a-f]{64}$/);
      // same sockets, but another label and predecessor: another hash
      expect(b.contentHash).not.toBe(a.contentHash);
    } finally {
      await cleanup();
    }
  });
});
