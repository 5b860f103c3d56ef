import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import { renderText } from '../../src/diff/render-text.js';
import type { DiffChange, DiffResult } from '../../src/diff/diff-result.js';
import type { Inventory } from '../../src/model/socket-record.js';
import { connection, inventory, owner, socket } from './socket-builders.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures/diff');
function loadCase(name: string): { before: Inventory; after: Inventory } {
  const read = (side: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name, `${side}.json`), 'utf8')) as Inventory;
  return { before: read('before'), after: read('after') };
}

function byKey(result: DiffResult): Map<string, DiffChange> {
  return new Map(result.changes.map((change) => [change.key, change]));
}

const NODE = '/usr/bin/node';

describe('diffInventories on the deployment fixture', () => {
  const { before, after } = loadCase('deployment');
  const result = diffInventories(before, after, { sockets: false });
  const changes = byKey(result);

  it('reports a listener moved from 127.0.0.1 to 0.0.0.0 as one rebound change that widens exposure', () => {
    const change = changes.get('tcp 0.0.0.0:8080 host');
    expect(change?.kind).toBe('rebound');
    expect(change?.tags).toEqual(['exposure-widened', 'restarted']);
    expect(change?.before?.localAddress).toBe('127.0.0.1');
    expect(change?.fields).toContainEqual({ field: 'exposure', before: 'loopback', after: 'wildcard' });
    // neither half is reported again on its own
    expect(result.changes.filter((c) => c.kind !== 'flow' && (c.before?.localPort === 8080 || c.after?.localPort === 8080) && c.section === 'bound')).toHaveLength(1);
  });

  it('reports a move from the wildcard to a specific address as exposure-narrowed', () => {
    expect(changes.get('tcp 10.0.0.5:9100 host')).toMatchObject({ kind: 'rebound', tags: ['exposure-narrowed'] });
  });

  it('tags a listener held by a new pid of the same exe with a new inode restarted and reopened', () => {
    const change = changes.get('tcp 127.0.0.1:6379 host');
    expect(change).toMatchObject({ kind: 'changed', tags: ['restarted', 'reopened'] });
    expect(change?.fields).toContainEqual({ field: 'pids', before: [920], after: [1920] });
  });

  it('shows an owner change by exe and comm, and a uid change, with before and after', () => {
    const change = changes.get('tcp 127.0.0.1:11211 host');
    expect(change?.kind).toBe('changed');
    expect(change?.tags).toEqual([]);
    expect(change?.fields).toEqual([
      { field: 'owners', before: [{ exe: '/usr/bin/memcached', comm: 'memcached' }], after: [{ exe: '/usr/local/bin/memcache-ng', comm: 'memcache-ng' }] },
      { field: 'uid', before: 998, after: 997 },
    ]);
  });

  it('reports closed and opened listeners', () => {
    expect(changes.get('tcp 0.0.0.0:8081 host')?.kind).toBe('closed');
    expect(changes.get('tcp 0.0.0.0:9229 host')?.kind).toBe('opened');
    expect(changes.get('unix stream /run/app/admin.sock (listener) host')?.kind).toBe('opened');
    expect(changes.get('packet raw proto 0x0003 inode 2502 host')?.kind).toBe('opened');
  });

  it('counts client connections in flows and reports only count changes', () => {
    expect(changes.get('tcp /usr/bin/curl -> 93.184.216.34:443 host')?.flow).toMatchObject({ direction: 'outbound', countBefore: 3, countAfter: 5 });
    // psql-like connections: 2 before and 2 after on other ports: absorbed
    expect(result.changes.some((c) => c.key.includes(':5432'))).toBe(false);
    // the accepted ssh session is an inbound flow, not a closed socket
    expect(changes.get('tcp /usr/sbin/sshd :22 <- 10.0.0.9 host')?.flow).toMatchObject({ direction: 'inbound', countBefore: 1, countAfter: 0 });
    // the TIME_WAIT left behind is not a flow member
    expect(result.changes.some((c) => c.key.includes('(no owner)'))).toBe(false);
    // unnamed unix sockets counted per owner
    expect(changes.get('unix stream /usr/bin/node unnamed host')?.flow).toMatchObject({ countBefore: 2, countAfter: 3 });
  });

  it('never reports queue sizes, and leaves unchanged sockets out', () => {
    expect(result.changes.some((c) => c.key === 'tcp 0.0.0.0:22 host' || c.key.includes('system_bus_socket'))).toBe(false);
  });

  it('summarises by kind', () => {
    expect(result.summary).toEqual({ widened: 1, opened: 4, closed: 2, changed: 3, rebound: 2, flows: 5 });
  });

  it('with sockets: true lists every connection instead of flows', () => {
    const every = diffInventories(before, after, { sockets: true });
    expect(every.summary.flows).toBe(0);
    const closing = every.changes.find((c) => c.key === 'tcp 10.0.0.5:40001 -> 93.184.216.34:443 host');
    // ESTABLISHED -> TIME_WAIT is the same connection closing, not a reopened socket
    expect(closing?.kind).toBe('changed');
    expect(closing?.tags).toEqual([]);
    expect(closing?.fields.map((field) => field.field)).toEqual(['state', 'owners', 'uid']);
    expect(every.changes.filter((c) => c.kind === 'opened' && c.key.includes('93.184.216.34:443'))).toHaveLength(5);
  });
});

describe('diffInventories honesty', () => {
  const { before, after } = loadCase('honesty');
  const result = diffInventories(before, after, { sockets: false });

  it('leaves out namespaces one snapshot could not read or may have missed, and says so', () => {
    expect(result.uncompared.map((n) => [n.name, n.reason, n.socketsBefore, n.socketsAfter])).toEqual([
      ['web', 'unreadable-after', 1, 0],
      ['cache', 'absent-after', 1, 0],
    ]);
    // 'worker' is new, and the earlier snapshot saw every namespace: its listener is opened
    expect(result.changes.map((c) => `${c.kind} ${c.key}`)).toEqual(['opened tcp 0.0.0.0:8000 worker', 'closed tcp 127.0.0.1:631 host']);
  });

  it('leaves out a namespace new in the later snapshot when the earlier one may have missed it', () => {
    const blind = { ...before, warnings: [{ code: 'netns-permission-denied', message: 'not root', count: 1 }] };
    const uncompared = diffInventories(blind, after, { sockets: false }).uncompared;
    expect(uncompared.map((n) => [n.name, n.reason])).toContainEqual(['worker', 'absent-before']);
  });

  it('carries both snapshots’ warnings', () => {
    expect(result.warnings.before).toEqual([]);
    expect(result.warnings.after.map((w) => w.code)).toEqual(['pid-vanished', 'permission-denied', 'netns-permission-denied']);
  });

  it('compares everything when neither snapshot recorded namespaces', () => {
    const a = inventory([socket({ netns: 7, inode: 1 })]);
    const b = inventory([]);
    expect(diffInventories(a, b, { sockets: false }).changes.map((c) => c.kind)).toEqual(['closed']);
  });
});

describe('diffInventories rules', () => {
  it('finds no differences in the quiet fixture (churn and queues only)', () => {
    const { before, after } = loadCase('quiet');
    expect(diffInventories(before, after, { sockets: false }).changes).toEqual([]);
    expect(diffInventories(before, after, { sockets: true }).changes.length).toBeGreaterThan(0);
  });

  it('does not rebind listeners of different executables', () => {
    const a = inventory([socket({ localAddress: '127.0.0.1', owners: [owner(1, NODE)] })]);
    const b = inventory([socket({ localAddress: '0.0.0.0', inode: 101, owners: [owner(2, '/usr/bin/python3')] })]);
    expect(diffInventories(a, b, { sockets: false }).changes.map((c) => c.kind).sort()).toEqual(['closed', 'opened']);
  });

  it('does not rebind ownerless listeners', () => {
    const a = inventory([socket({ localAddress: '127.0.0.1' })]);
    const b = inventory([socket({ localAddress: '0.0.0.0', inode: 101 })]);
    expect(diffInventories(a, b, { sockets: false }).summary.rebound).toBe(0);
  });

  it('rebinds IPv4 loopback to the IPv6 wildcard as a widening', () => {
    const a = inventory([socket({ localAddress: '127.0.0.1', owners: [owner(1, NODE)] })]);
    const b = inventory([socket({ ipVersion: 6, localAddress: '::', inode: 101, owners: [owner(1, NODE)] })]);
    const [change] = diffInventories(a, b, { sockets: false }).changes;
    expect(change).toMatchObject({ kind: 'rebound', key: 'tcp6 [::]:8080 host', tags: ['exposure-widened'] });
    expect(change?.fields).toContainEqual({ field: 'ipVersion', before: 4, after: 6 });
  });

  it('pairs SO_REUSEPORT listeners sharing a key by inode, then by owner', () => {
    const a = inventory([
      socket({ inode: 1, owners: [owner(10, NODE)] }),
      socket({ inode: 2, owners: [owner(11, NODE)] }),
    ]);
    const b = inventory([
      socket({ inode: 2, owners: [owner(11, NODE)] }),
      socket({ inode: 3, owners: [owner(12, NODE)] }),
      socket({ inode: 4, owners: [owner(13, NODE)] }),
    ]);
    const result = diffInventories(a, b, { sockets: false });
    // a new listener reachable from outside comes before a restart (severityOf)
    expect(result.changes.map((c) => [c.kind, c.tags, c.before?.inode ?? null, c.after?.inode ?? null])).toEqual([
      ['opened', [], null, 4],
      ['changed', ['restarted', 'reopened'], 1, 3],
    ]);
  });

  it('finds nothing between a snapshot and itself when a connection is listed twice (a dump that met it twice)', () => {
    const client = connection(['127.0.0.1', 41000], ['127.0.0.1', 5000], { inode: 77, owners: [owner(1, NODE)] });
    const listener = socket({ inode: 78, owners: [owner(2, NODE)] });
    const twice = inventory([client, listener, { ...client }]);
    for (const sockets of [false, true]) expect(diffInventories(twice, twice, { sockets }).changes).toEqual([]);
  });

  it('uses the ephemeral range of the snapshots, defaulting to 32768-60999', () => {
    const client = (port: number, inode: number) => connection(['10.0.0.1', port], ['10.0.0.2', 443], { inode, owners: [owner(1, NODE)] });
    const a = inventory([client(20000, 1)]);
    const b = inventory([client(20001, 2)]);
    // 20000 is not ephemeral by default: two separate sockets
    expect(diffInventories(a, b, { sockets: false }).summary).toMatchObject({ opened: 1, closed: 1, flows: 0 });
    const range: [number, number] = [10000, 30000];
    const a2 = inventory(a.sockets, { ephemeralPorts: range });
    const b2 = inventory(b.sockets, { ephemeralPorts: range });
    expect(diffInventories(a2, b2, { sockets: false }).changes).toEqual([]);
  });

  it('counts connections accepted by a listener as an inbound flow by peer address', () => {
    const listener = socket({ localAddress: '0.0.0.0', localPort: 5432, inode: 1, owners: [owner(1, '/usr/bin/postgres')] });
    const accepted = (peer: string, port: number, inode: number) =>
      connection(['10.0.0.1', 5432], [peer, port], { inode, owners: [owner(1, '/usr/bin/postgres')] });
    const a = inventory([listener, accepted('10.0.0.7', 40000, 2)]);
    const b = inventory([listener, accepted('10.0.0.7', 40001, 3), accepted('10.0.0.8', 40002, 4)]);
    const result = diffInventories(a, b, { sockets: false });
    expect(result.changes.map((c) => [c.key, c.flow?.countBefore, c.flow?.countAfter])).toEqual([
      ['tcp /usr/bin/postgres :5432 <- 10.0.0.8 host', 0, 1],
    ]);
  });

  it('treats connections of a listener that closed consistently on both sides', () => {
    const listener = socket({ localAddress: '0.0.0.0', localPort: 7000, inode: 1, owners: [owner(1, NODE)] });
    const accepted = connection(['10.0.0.1', 7000], ['10.0.0.7', 40000], { inode: 2, owners: [owner(1, NODE)] });
    const result = diffInventories(inventory([listener, accepted]), inventory([accepted]), { sockets: false });
    expect(result.changes.map((c) => c.kind)).toEqual(['closed']);
  });

  it('ignores queue sizes, fds and command lines', () => {
    const a = socket({ owners: [owner(1, NODE)], recvQueue: 0, sendQueue: 0 });
    const b = { ...a, recvQueue: 99, sendQueue: 12, owners: [{ ...owner(1, NODE), fd: 9, cmdline: 'node other.js' }] };
    expect(diffInventories(inventory([a]), inventory([b]), { sockets: false }).changes).toEqual([]);
  });

  it('reports a state change of the same socket', () => {
    const a = socket({ family: 'udp', state: 'UNCONN', localAddress: '0.0.0.0', localPort: 53, owners: [owner(1, NODE)] });
    const b = { ...a, state: 'ESTABLISHED' };
    const [change] = diffInventories(inventory([a]), inventory([b]), { sockets: false }).changes;
    expect(change?.fields).toEqual([{ field: 'state', before: 'UNCONN', after: 'ESTABLISHED' }]);
  });
});

describe('diffInventories properties', () => {
  const arbitrarySocket = fc
    .record({
      kind: fc.constantFrom('listen', 'client', 'unix'),
      address: fc.constantFrom('127.0.0.1', '0.0.0.0', '10.0.0.5'),
      port: fc.constantFrom(22, 80, 8080, 40000, 40001),
      pid: fc.integer({ min: 1, max: 4 }),
      exe: fc.constantFrom('/usr/bin/node', '/usr/sbin/sshd'),
      inode: fc.integer({ min: 1, max: 50 }),
      queue: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ kind, address, port, pid, exe, inode, queue }) => {
      const owners = [owner(pid, exe)];
      if (kind === 'listen') return socket({ localAddress: address, localPort: port, inode, owners, recvQueue: queue });
      if (kind === 'client') return connection([address, port], ['10.0.0.9', 443], { inode, owners, sendQueue: queue });
      return socket({ family: 'unix', ipVersion: null, type: 'stream', state: 'CONNECTED', localAddress: null, localPort: null, inode, owners });
    });
  // one inode is one socket: a snapshot never holds two records with the same inode
  const side = fc.uniqueArray(arbitrarySocket, { maxLength: 12, selector: (s) => s.inode }).map((sockets) => inventory(sockets));

  // a snapshot may still list an inode twice: an SCTP socket in eps and assocs, or a socket
  // a dump met twice (relisted-sockets.ts drops that one, but stores written before did not)
  const sideRepeatingInodes = fc.array(arbitrarySocket, { maxLength: 12 }).map((sockets) => inventory(sockets));

  it('finds nothing between a snapshot and itself', () => {
    fc.assert(fc.property(side, fc.boolean(), (a, sockets) => diffInventories(a, a, { sockets }).changes.length === 0));
  });

  it('finds nothing between a snapshot and itself when it lists an inode more than once', () => {
    fc.assert(fc.property(sideRepeatingInodes, fc.boolean(), (a, sockets) => diffInventories(a, a, { sockets }).changes.length === 0));
  });

  it('finds nothing between a snapshot and a copy of it when it lists an inode more than once', () => {
    fc.assert(
      fc.property(sideRepeatingInodes, fc.boolean(), (a, sockets) => {
        const copy = inventory(a.sockets.map((record) => ({ ...record, owners: record.owners.map((held) => ({ ...held })) })));
        return diffInventories(a, copy, { sockets }).changes.length === 0;
      }),
    );
  });

  it('is symmetric: swapping the snapshots swaps opened and closed', () => {
    fc.assert(
      fc.property(side, side, fc.boolean(), (a, b, sockets) => {
        const forwardResult = diffInventories(a, b, { sockets });
        const forward = forwardResult.summary;
        const backward = diffInventories(b, a, { sockets }).summary;
        // what widened one way narrowed the other
        const narrowed = forwardResult.changes.filter((change) => change.tags.includes('exposure-narrowed')).length;
        expect(backward).toEqual({ ...forward, widened: narrowed, opened: forward.closed, closed: forward.opened });
      }),
    );
  });

  it('accounts for every socket: opened + closed + changed + rebound pairs cover the key counts', () => {
    fc.assert(
      fc.property(side, side, (a, b) => {
        const result = diffInventories(a, b, { sockets: true });
        // with every socket listed, |after| - |before| = opened - closed
        expect(result.summary.opened - result.summary.closed).toBe(b.sockets.length - a.sockets.length);
      }),
    );
  });
});


describe('a reload is not a restart', () => {
  const nginx = (pids: number[]) => pids.map((pid) => owner(pid, '/usr/sbin/nginx'));
  const listener = (pids: number[]) => socket({ localAddress: '0.0.0.0', localPort: 80, exposure: 'wildcard', owners: nginx(pids) });

  it('the master kept and its workers replaced (nginx -s reload) is workers-replaced', () => {
    const result = diffInventories(inventory([listener([20795, 20796, 20797])]), inventory([listener([11553, 11554, 20795])]), { sockets: false });
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ kind: 'changed', tags: ['workers-replaced'] });
    expect(result.changes[0]!.fields).toEqual([{ field: 'pids', before: [20795, 20796, 20797], after: [11553, 11554, 20795] }]);
  });

  it('every process new is restarted', () => {
    const result = diffInventories(inventory([listener([100, 101])]), inventory([listener([200, 201])]), { sockets: false });
    expect(result.changes[0]).toMatchObject({ kind: 'changed', tags: ['restarted'] });
  });
});

describe('flows are named by one program', () => {
  it('a connection shared down a process tree is attributed to its oldest owner, not to every exe joined', () => {
    const tree = [owner(900, '/usr/lib/gcc/x86_64-linux-gnu/12/cc1'), owner(700, '/usr/bin/make'), owner(800, '/usr/bin/dash')];
    const flow = (count: number) =>
      Array.from({ length: count }, (_, index) =>
        connection(['10.0.0.5', 40000 + index], ['10.0.0.9', 443], { exposure: 'specific', inode: 500 + index, owners: tree }),
      );
    const meta = { ephemeralPorts: [32768, 60999] as [number, number] };
    const result = diffInventories(inventory(flow(1), meta), inventory(flow(3), meta), { sockets: false });
    const flows = result.changes.filter((change) => change.kind === 'flow');
    expect(flows).toHaveLength(1);
    expect(flows[0]!.flow).toMatchObject({ exe: '/usr/bin/make', countBefore: 1, countAfter: 3 });
  });
});

describe('issue 15 report rules', () => {
  it('a listen backlog change is a change; an unknown backlog on either side is not', () => {
    const before = socket({ inode: 1, owners: [owner(10, NODE)], backlog: 128 });
    const changed = diffInventories(inventory([before]), inventory([{ ...before, backlog: 511 }]), { sockets: false });
    expect(changed.changes.map((c) => [c.kind, c.fields])).toEqual([['changed', [{ field: 'backlog', before: 128, after: 511 }]]]);
    expect(diffInventories(inventory([before]), inventory([{ ...before, backlog: null }]), { sockets: false }).changes).toEqual([]);
  });

  it('orders a section by severity then port: widened, reachable openings, other changes, closed, restarts', () => {
    const a = inventory([
      socket({ localAddress: '127.0.0.1', localPort: 9000, exposure: 'loopback', inode: 1, owners: [owner(10, NODE)] }),
      socket({ localAddress: '0.0.0.0', localPort: 22, exposure: 'wildcard', inode: 2, owners: [owner(11, '/usr/sbin/sshd')] }),
      socket({ localAddress: '0.0.0.0', localPort: 25, exposure: 'wildcard', inode: 3, owners: [owner(12, '/usr/sbin/exim')] }),
    ]);
    const b = inventory([
      socket({ localAddress: '0.0.0.0', localPort: 9000, exposure: 'wildcard', inode: 1, owners: [owner(10, NODE)] }),
      socket({ localAddress: '0.0.0.0', localPort: 22, exposure: 'wildcard', inode: 4, owners: [owner(21, '/usr/sbin/sshd')] }),
      socket({ localAddress: '0.0.0.0', localPort: 8080, exposure: 'wildcard', inode: 5, owners: [owner(13, NODE)] }),
      socket({ localAddress: '127.0.0.1', localPort: 5432, exposure: 'loopback', inode: 6, owners: [owner(14, '/usr/bin/postgres')] }),
    ]);
    const result = diffInventories(a, b, { sockets: false });
    expect(result.changes.map((c) => [c.key, c.severity])).toEqual([
      ['tcp 0.0.0.0:9000 host', 0],
      ['tcp 0.0.0.0:8080 host', 1],
      ['tcp 127.0.0.1:5432 host', 2],
      ['tcp 0.0.0.0:25 host', 3],
      ['tcp 0.0.0.0:22 host', 4],
    ]);
    expect(result.summary.widened).toBe(1);
  });

  it('hides an inode-only change from the text unless --verbose', () => {
    const before = socket({ inode: 1, owners: [owner(10, NODE)] });
    const report = {
      from: { id: 1, takenAt: 't1', host: 'h', label: null },
      to: { id: 2, takenAt: 't2', host: 'h', label: null },
      result: diffInventories(inventory([before]), inventory([{ ...before, inode: 2 }]), { sockets: false }),
    };
    expect(report.result.changes.map((c) => c.tags)).toEqual([['reopened']]);
    const quiet = renderText(report, { color: false });
    expect(quiet).not.toContain('inode 1 -> 2');
    expect(quiet).toContain('(1 inode-only change not listed: --verbose lists it)');
    expect(renderText(report, { color: false, verbose: true })).toContain('~ tcp 127.0.0.1:8080 host  reopened: inode 1 -> 2');
  });
});

describe('ephemeral listeners', () => {
  const range: [number, number] = [32768, 60999];
  it('are counted by program and exposure, and a loopback one moving to 0.0.0.0 is still a widening rebound', () => {
    const loopback = (port: number, inode: number) => socket({ localAddress: '127.0.0.1', localPort: port, exposure: 'loopback', inode, owners: [owner(10, NODE)] });
    const a = inventory([loopback(40000, 1), loopback(40001, 2)], { ephemeralPorts: range });
    const b = inventory([socket({ localAddress: '0.0.0.0', localPort: 40000, exposure: 'wildcard', inode: 1, owners: [owner(10, NODE)] }), loopback(41001, 3), loopback(41002, 4)], { ephemeralPorts: range });
    const result = diffInventories(a, b, { sockets: false });
    expect(result.changes.map((c) => [c.kind, c.tags, c.key])).toEqual([
      ['rebound', ['exposure-widened'], 'tcp 0.0.0.0:40000 host'],
      ['flow', [], 'tcp /usr/bin/node ephemeral ports, loopback host'],
    ]);
    expect(result.changes[1]!.flow).toMatchObject({ direction: 'listening', exposure: 'loopback', countBefore: 1, countAfter: 2 });
  });
});
