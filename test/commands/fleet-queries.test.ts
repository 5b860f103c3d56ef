/**
 * Questions across hosts (`hosts`, `listening --all-hosts`) on one store holding several
 * hosts: an SQLite file written with --host, and the fleet's PostgreSQL, from the same tests.
 */
import { expect, it } from 'vitest';
import { hostsCommand } from '../../src/commands/hosts.js';
import { listeningAllHostsCommand } from '../../src/commands/listening-all-hosts.js';
import { UsageError } from '../../src/errors.js';
import { checkOptions, diffOptions, historyOptions, hostsOptions, listeningAllHostsOptions, parseStale, reviewOptions } from '../../src/options/command-options.js';
import { memoryIo } from '../../src/io.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { makeInventory, makeOwner, makeRecord } from '../store/make-record.js';
import { describeEachBackend, tempStore } from '../store/temp-store.js';

const nginx = makeOwner({ pid: 50, exe: '/usr/sbin/nginx', comm: 'nginx' });
const redis = makeOwner({ pid: 60, exe: '/usr/bin/redis-server', comm: 'redis-server' });

describeEachBackend('hosts and listening --all-hosts', (backend) => {
  it('lists every host with counts and times, marks stale ones, and groups listeners by port and exposure naming hosts', async () => {
    const { store, file, cleanup } = await tempStore(backend);
    try {
      const recent = new Date(Date.now() - 60_000).toISOString();
      const old = new Date(Date.now() - 3 * 3_600_000).toISOString();
      const web = (inode: number) => [
        makeRecord({ inode, localPort: 443, owners: [nginx] }),
        makeRecord({ inode: inode + 1, localPort: 22 }),
        // an established connection is not a listener
        makeRecord({ inode: inode + 2, localPort: 443, state: 'ESTABLISHED', localAddress: '10.0.0.1', remoteAddress: '10.0.0.9', remotePort: 50000, exposure: 'specific' }),
      ];
      await writeSnapshot(store, makeInventory(web(100), { takenAt: old, host: 'web-1' }), { host: 'web-1' });
      await writeSnapshot(store, makeInventory(web(100), { takenAt: recent, host: 'web-1' }), { host: 'web-1' });
      await writeSnapshot(store, makeInventory(web(200), { takenAt: old, host: 'web-2' }), { host: 'web-2' });
      await writeSnapshot(
        store,
        makeInventory([...web(300), makeRecord({ inode: 400, localPort: 6379, owners: [redis] }), makeRecord({ inode: 401, localPort: 443, localAddress: '127.0.0.1', exposure: 'loopback' })], { takenAt: recent, host: 'cache-1' }),
        { host: 'cache-1' },
      );

      const io = memoryIo();
      expect(await hostsCommand(hostsOptions({ db: file, json: true, stale: '15m' }), io)).toBe(1);
      const hosts = JSON.parse(io.out) as { host: string; snapshots: number; firstTakenAt: string; lastTakenAt: string; socketCount: number; stale: boolean }[];
      expect(hosts.map((host) => [host.host, host.snapshots, host.socketCount, host.stale])).toEqual([
        ['cache-1', 1, 5, false],
        ['web-1', 2, 3, false],
        ['web-2', 1, 3, true],
      ]);
      expect(hosts[1]).toMatchObject({ firstTakenAt: old, lastTakenAt: recent });
      const text = memoryIo();
      expect(await hostsCommand(hostsOptions({ db: file }), text)).toBe(0);
      expect(text.out).toMatch(/^HOST +SNAPSHOTS +FIRST +LAST +SOCKETS\n/);
      expect(text.out).not.toMatch(/STALE/);

      const port = memoryIo();
      expect(await listeningAllHostsCommand(listeningAllHostsOptions({ db: file, port: '443', json: true }), port)).toBe(0);
      expect(JSON.parse(port.out)).toEqual([
        { port: 443, family: 'tcp', group: 'wildcard', hosts: ['cache-1', 'web-1', 'web-2'], exes: ['/usr/sbin/nginx'] },
        { port: 443, family: 'tcp', group: 'loopback', hosts: ['cache-1'], exes: [] },
      ]);
      const wide = memoryIo();
      await listeningAllHostsCommand(listeningAllHostsOptions({ db: file, exposure: 'wildcard' }), wide);
      expect(wide.out.split('\n').filter(Boolean)).toEqual([
        '22/tcp       wildcard   3 hosts: cache-1, web-1, web-2',
        '443/tcp      wildcard   3 hosts: cache-1, web-1, web-2  (/usr/sbin/nginx)',
        '6379/tcp     wildcard   1 host: cache-1  (/usr/bin/redis-server)',
      ]);
      expect(() => listeningAllHostsOptions({ db: file, exposure: 'everywhere' })).toThrow(UsageError);
      expect(() => listeningAllHostsOptions({ db: file, port: '70000' })).toThrow(UsageError);
    } finally {
      await cleanup();
    }
  });
});

it('parses --stale durations and refuses others', () => {
  expect(parseStale('15m')).toBe(900_000);
  expect(parseStale('2d')).toBe(172_800_000);
  for (const bad of ['15', 'm', '1.5h', '-1m', '15 m']) expect(() => parseStale(bad)).toThrow(UsageError);
});

describeEachBackend('diff --host A --to-host B', (backend) => {
  it('compares two hosts by what the sockets are, not by inodes, pids or namespace inodes', async () => {
    const { diffCommand } = await import('../../src/commands/diff.js');
    const { store, file, cleanup } = await tempStore(backend);
    try {
      const common = (inodeBase: number, pid: number, netns: number) => [
        makeRecord({ inode: inodeBase, localPort: 443, netns, owners: [{ ...nginx, pid, fd: 6 }] }),
        makeRecord({ inode: inodeBase + 1, localPort: 22, netns }),
      ];
      await writeSnapshot(store, makeInventory(common(100, 812, 4026531840), { host: 'web-1' }), { host: 'web-1' });
      await writeSnapshot(
        store,
        makeInventory([...common(900, 1234, 4026531999), makeRecord({ inode: 950, localPort: 6379, netns: 4026531999, owners: [redis] })], {
          host: 'web-7',
          namespaces: [{ inode: 4026531999, name: 'host', readerPid: 1, readable: true }],
        }),
        { host: 'web-7' },
      );
      const same = memoryIo();
      expect(await diffCommand(diffOptions([], { db: file, host: 'web-1', toHost: 'web-1', format: 'json' }), same)).toBe(0);
      const io = memoryIo();
      expect(await diffCommand(diffOptions([], { db: file, host: 'web-1', toHost: 'web-7', format: 'json' }), io)).toBe(1);
      const report = JSON.parse(io.out) as { from: { host: string }; to: { host: string }; changes: { kind: string; socket?: { localPort: number } }[] };
      expect(report.from.host).toBe('web-1');
      expect(report.to.host).toBe('web-7');
      // only redis is new: nginx on 443 and sshd on 22 match despite other inodes, pids and netns inodes
      expect(report.changes).toHaveLength(1);
      expect(JSON.stringify(report.changes[0])).toMatch(/6379/);
      expect(report.changes[0]!.kind).toBe('opened');
    } finally {
      await cleanup();
    }
  });
});

describeEachBackend('check --baseline --all-hosts', (backend) => {
  it('holds every host\'s latest snapshot against one baseline and names each host that violates it', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { baselineCreateCommand } = await import('../../src/commands/baseline.js');
    const { checkCommand } = await import('../../src/commands/check.js');
    const { store, file, cleanup } = await tempStore(backend);
    const { tempDir } = await import('../store/temp-store.js');
    const dir = tempDir();
    try {
      const web = (inode: number) => [makeRecord({ inode, localPort: 443, owners: [nginx] }), makeRecord({ inode: inode + 1, localPort: 22 })];
      await writeSnapshot(store, makeInventory(web(100), { host: 'web-1' }), { host: 'web-1' });
      await writeSnapshot(store, makeInventory(web(200), { host: 'web-2' }), { host: 'web-2' });
      await writeSnapshot(store, makeInventory([...web(300), makeRecord({ inode: 400, localPort: 6379, owners: [redis] })], { host: 'cache-1' }), { host: 'cache-1' });
      const created = memoryIo();
      expect(await baselineCreateCommand(reviewOptions(['latest'], { db: file, host: 'web-1' }), created)).toBe(0);
      const baselineFile = path.join(dir.dir, 'web.json');
      fs.writeFileSync(baselineFile, created.out);

      const io = memoryIo();
      expect(await checkCommand(checkOptions([], { db: file, baseline: baselineFile, allHosts: true }), io)).toBe(1);
      expect(io.out).toMatch(/^VIOLATES: cache-1 \(snapshot #3, [^)]+\): 1 violation\n  unexpected-listener: .*6379/m);
      expect(io.out).toMatch(/^ok: web-1 /m);
      expect(io.out).toMatch(/^ok: web-2 /m);
      expect(io.out).toMatch(/1 of 3 hosts violate .*web\.json: cache-1\n$/);
      const json = memoryIo();
      await checkCommand(checkOptions([], { db: file, baseline: baselineFile, allHosts: true, json: true }), json);
      const report = JSON.parse(json.out) as { ok: boolean; hosts: { host: string; ok: boolean }[] };
      expect(report.ok).toBe(false);
      expect(report.hosts.map((host) => [host.host, host.ok])).toEqual([['cache-1', false], ['web-1', true], ['web-2', true]]);
    } finally {
      dir.cleanup();
      await cleanup();
    }
  });
});

describeEachBackend('history --all-hosts', (backend) => {
  it('answers for every host of the store in turn', async () => {
    const { historyCommand } = await import('../../src/commands/history.js');
    const { store, file, cleanup } = await tempStore(backend);
    try {
      await writeSnapshot(store, makeInventory([makeRecord({ inode: 1, localPort: 22 })], { host: 'web-1' }), { host: 'web-1' });
      await writeSnapshot(store, makeInventory([makeRecord({ inode: 2, localPort: 22 }), makeRecord({ inode: 3, localPort: 80 })], { host: 'web-2' }), { host: 'web-2' });
      await writeSnapshot(store, makeInventory([makeRecord({ inode: 4, localPort: 80 })], { host: 'web-3' }), { host: 'web-3' });
      const io = memoryIo();
      expect(await historyCommand(historyOptions({ db: file, port: '22', allHosts: true, json: true }), io)).toBe(0);
      const report = JSON.parse(io.out) as { hosts: { host: string; periods: unknown[] }[] };
      expect(report.hosts.map((host) => [host.host, host.periods.length])).toEqual([['web-1', 1], ['web-2', 1], ['web-3', 0]]);
      const single = memoryIo();
      await historyCommand(historyOptions({ db: file, port: '80', host: 'web-2', json: true }), single);
      expect(JSON.parse(single.out)).toMatchObject({ host: 'web-2', periods: [expect.anything()] });
      const text = memoryIo();
      await historyCommand(historyOptions({ db: file, port: '22', allHosts: true }), text);
      expect(text.out).toMatch(/web-1/);
      expect(text.out).toMatch(/web-2/);
    } finally {
      await cleanup();
    }
  });
});
