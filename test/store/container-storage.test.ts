/**
 * container and publishedTo were added to the socket record after databases had been
 * written. Versions stored before them (16 fields, 18 with v6only) must decode and
 * re-encode to the same text; a socket with a container stores 20 fields and survives
 * the store, verify and show as collected; damaged container fields are refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import type { Inventory } from '../../src/model/socket-record.js';
import { readSnapshot } from '../../src/store/read-snapshot.js';
import { decodeVersionContent, encodeVersionContent } from '../../src/store/version-record.js';
import { verifyStore } from '../../src/store/verify-store.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeTempDir, REPO_ROOT, runCli } from '../helpers/live.js';
import { makeInventory, makeOwner, makeRecord } from './make-record.js';
import { tempStore } from './temp-store.js';

const OLD_16 = '[4026531840,"host","tcp",4,null,null,"LISTEN","0.0.0.0",22,"0.0.0.0",0,null,null,1000,0,"wildcard"]';
const OLD_18 = '[4026531840,"host","tcp",6,null,null,"LISTEN","::",9101,null,null,null,null,3,0,"wildcard",false,"socket"]';
const REDIS = { runtime: 'docker' as const, id: 'a'.repeat(64), name: 'redis-1', image: 'redis:7', podName: null, podNamespace: null };

describe('container fields in the store', () => {
  it('versions stored before them decode with container null and re-encode to the same text', () => {
    for (const old of [OLD_16, OLD_18]) {
      const decoded = decodeVersionContent(old, []);
      expect(decoded).toMatchObject({ container: null, publishedTo: null });
      expect(encodeVersionContent(decoded)).toBe(old);
    }
  });

  it('appends v6only (null where unknown), the container and the target only when one is known', () => {
    const inContainer = makeRecord({ netnsName: 'container redis-1', localPort: 6379, container: REDIS });
    expect(encodeVersionContent(inContainer)).toBe(
      `[4026531840,"container redis-1","tcp",4,null,null,"LISTEN","0.0.0.0",6379,"0.0.0.0",0,null,null,1000,0,"wildcard",null,null,["docker","${'a'.repeat(64)}","redis-1","redis:7",null,null],null]`,
    );
    expect(decodeVersionContent(encodeVersionContent(inContainer), [])).toEqual({ ...inContainer, recvQueue: null, sendQueue: null });
    const proxy = makeRecord({ localPort: 8080, v6only: false, v6onlySource: 'socket', publishedTo: { container: null, address: '172.17.0.9', port: 80 } });
    expect(decodeVersionContent(encodeVersionContent(proxy), [])).toEqual({ ...proxy, recvQueue: null, sendQueue: null });
  });

  it('refuses damaged container fields', () => {
    const base = OLD_16.slice(0, -1);
    for (const bad of [
      ',null,null,null,null]', // 20 fields that carry nothing
      ',null,null,["podman?","x","n",null,null,null],null]', // unknown runtime
      ',null,null,["docker","x","n",null,null],null]', // too short
      ',null,null,null,["web","1.2.3.4","80"]]', // port not a number
      ',"no",null,null,["web","1.2.3.4",80]]', // v6only damaged
    ]) {
      expect(() => decodeVersionContent(base + bad, []), bad).toThrow(StorageError);
    }
  });

  it('a snapshot with containers reads back as written and verifies', async () => {
    const { store, cleanup } = await tempStore();
    try {
      const inventory = makeInventory([
        makeRecord({ inode: 1, owners: [makeOwner()] }),
        makeRecord({ inode: 2, localPort: 6379, netns: 4026532300, netnsName: 'container redis-1', container: REDIS, owners: [makeOwner({ pid: 200, comm: 'redis-server', exe: '/usr/local/bin/redis-server' })] }),
        makeRecord({ inode: 3, localPort: 8080, publishedTo: { container: 'web', address: '172.17.0.2', port: 80 } }),
      ]);
      const { id } = await writeSnapshot(store, inventory, { host: 'h' });
      const read = await readSnapshot(store, id);
      expect(read.sockets.map((socket) => [socket.inode, socket.container, socket.publishedTo]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
        [1, null, null],
        [2, REDIS, null],
        [3, null, { container: 'web', address: '172.17.0.2', port: 80 }],
      ]);
      expect((await verifyStore(store)).problems).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('snapshot then show --json of the docker fixture gives the containers collect gave', () => {
    const dir = makeTempDir('sockaudit-ct-store-');
    try {
      const args = ['--proc-root', path.join(REPO_ROOT, 'fixtures/containers/docker-host/proc'), '--runtime-root', path.join(REPO_ROOT, 'fixtures/containers/docker-host/runtime')];
      const env = { SOCKAUDIT_DB: path.join(dir, 'db.sqlite') };
      expect(runCli(['snapshot', '--quiet', ...args], { env }).status).toBe(0);
      const collected = JSON.parse(runCli(['collect', '--json', ...args]).stdout) as Inventory;
      const shown = runCli(['show', '--json', '--host', 'docker-host'], { env });
      expect(shown.status).toBe(0);
      const stored = JSON.parse(shown.stdout) as Inventory;
      const view = (inventory: Inventory) => inventory.sockets.map((socket) => [socket.inode, socket.netnsName, socket.container, socket.publishedTo]).sort((a, b) => (a[0] as number) - (b[0] as number));
      expect(view(stored)).toEqual(view(collected));
      expect(runCli(['verify'], { env }).status).toBe(0);
      expect(runCli(['show', '--host', 'docker-host', '--container', 'web'], { env }).stdout).toContain('0.0.0.0:8080 -> container web:80');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
