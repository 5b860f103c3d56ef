/**
 * v6only was added to the socket record after databases had been written. A version
 * stored before it (16 content fields) must still decode, re-encode to the same text and
 * verify; the first snapshot after the upgrade, which knows v6only, must not show any
 * socket as changed in a diff for it; a known v6only must survive the store.
 */
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import { StorageError } from '../../src/errors.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { decodeVersionContent, encodeVersionContent } from '../../src/store/version-record.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { tempStore } from './temp-store.js';

const sshd = makeOwner();
/** The sockets as a sockaudit before v6only collected them: v6only unknown. */
const BEFORE: SocketRecord[] = [
  makeRecord({ inode: 1, owners: [sshd] }),
  makeRecord({ inode: 2, ipVersion: 6, localAddress: '::', remoteAddress: null, remotePort: null, localPort: 22, owners: [sshd] }),
  makeRecord({ inode: 3, ipVersion: 6, localAddress: '::', remoteAddress: null, remotePort: null, localPort: 9101, owners: [sshd] }),
];
/** The same sockets as this sockaudit collects them: [::]:22 IPv6-only, [::]:9101 dual-stack. */
const AFTER: SocketRecord[] = [
  BEFORE[0]!,
  { ...BEFORE[1]!, v6only: true, v6onlySource: 'socket' },
  { ...BEFORE[2]!, v6only: false, v6onlySource: 'socket' },
];

/** The content column, exactly as sockaudit wrote it before v6only existed (version-record.ts of that time). */
const OLD_CONTENT_9101 = '[4026531840,"host","tcp",6,null,null,"LISTEN","::",9101,null,null,null,null,3,0,"wildcard"]';

describe('v6only in the store', () => {
  it('a version stored before v6only decodes as unknown and re-encodes to the same text', () => {
    const decoded = decodeVersionContent(OLD_CONTENT_9101, []);
    expect(decoded).toMatchObject({ localAddress: '::', localPort: 9101, v6only: null, v6onlySource: null });
    expect(encodeVersionContent(decoded)).toBe(OLD_CONTENT_9101);
  });

  it('appends v6only and its source only when known', () => {
    expect(encodeVersionContent(AFTER[2]!)).toBe(OLD_CONTENT_9101.replace(/]$/, ',false,"socket"]'));
    expect(decodeVersionContent(encodeVersionContent(AFTER[1]!), [])).toMatchObject({ v6only: true, v6onlySource: 'socket' });
    expect(decodeVersionContent(encodeVersionContent({ ...AFTER[2]!, v6onlySource: 'inferred' }), [])).toMatchObject({ v6only: false, v6onlySource: 'inferred' });
  });

  it('refuses a damaged v6only', () => {
    for (const bad of [',"no","socket"]', ',false,"guessed"]', ',false]']) {
      expect(() => decodeVersionContent(OLD_CONTENT_9101.replace(/]$/, bad), [])).toThrow(StorageError);
    }
  });

  it('a database written before v6only verifies, and the first snapshot after the upgrade changes nothing in a diff', async () => {
    const { store, file, cleanup } = await tempStore();
    try {
      const old = await writeSnapshot(store, makeInventory(BEFORE), { host: 'h' });
      // what is in the file is what the old encoding wrote: 16 fields, no v6only
      const raw = new BetterSqlite3(file, { readonly: true });
      const contents = raw.prepare('SELECT content FROM socket_versions ORDER BY id').pluck().all() as string[];
      raw.close();
      expect(contents.map((content) => (JSON.parse(content) as unknown[]).length)).toEqual([16, 16, 16]);
      expect(contents).toContain(OLD_CONTENT_9101);
      expect(await verifyStore(store)).toMatchObject({ hosts: 1, snapshots: 1, problems: [] });

      const upgraded = await writeSnapshot(store, makeInventory(AFTER, { takenAt: '2026-11-25T12:05:00.000Z' }), { host: 'h' });
      // the two IPv6 listeners are stored again, now with what is known of them
      expect(upgraded.written).toEqual({ opened: 2, closed: 2 });
      expect(await verifyStore(store)).toMatchObject({ hosts: 1, snapshots: 2, problems: [] });
      const [before, after] = [await readSnapshot(store, old.id), await readSnapshot(store, upgraded.id)];
      expect(after.sockets.map((socket) => [socket.localPort, socket.v6only, socket.v6onlySource])).toEqual(
        expect.arrayContaining([[22, true, 'socket'], [9101, false, 'socket'], [22, null, null]]),
      );
      // unknown -> known is not a change: the diff across the upgrade is empty
      const result = diffInventories(before, after, { sockets: true });
      expect(result.changes).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
