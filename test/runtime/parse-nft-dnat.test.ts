import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectFromProc } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import { createProcFs } from '../../src/proc/proc-fs.js';
import { parseNftDnat } from '../../src/runtime/parse-nft-dnat.js';
import { createRuntimeMetadata } from '../../src/runtime/runtime-metadata.js';
import { listeningEntries } from '../../src/review/listening-report.js';
import { REPO_ROOT } from '../helpers/live.js';

const match = (left: object, right: unknown, op = '==') => ({ match: { op, left, right } });
const dport = (protocol: string, port: unknown, op = '==') => match({ payload: { protocol, field: 'dport' } }, port, op);
const rule = (family: string, expr: object[]) => ({ rule: { family, table: 'nat', chain: 'DOCKER', handle: 7, expr } });
const ruleset = (...rules: object[]) => JSON.stringify({ nftables: [{ metainfo: { version: '1.0.9', json_schema_version: 1 } }, { table: { family: 'ip', name: 'nat', handle: 1 } }, ...rules] });

describe('parseNftDnat', () => {
  it("reads docker's DOCKER chain as iptables-nft writes it: any address, or the published host address", () => {
    const text = ruleset(
      rule('ip', [match({ meta: { key: 'iifname' } }, 'docker0', '!='), dport('tcp', 8080), { counter: { packets: 0, bytes: 0 } }, { dnat: { addr: '172.17.0.2', port: 80 } }]),
      rule('ip', [match({ payload: { protocol: 'ip', field: 'daddr' } }, '127.0.0.1'), dport('tcp', 6379), { dnat: { addr: '172.17.0.3', port: 6379 } }]),
      rule('ip6', [dport('udp', 53), { dnat: { addr: 'fd00::2', port: 5353 } }]),
      rule('inet', [match({ meta: { key: 'l4proto' } }, 'sctp'), dport('th', 9000), { dnat: { addr: '10.88.0.5' } }]),
    );
    expect(parseNftDnat(text)).toEqual([
      { protocol: 'tcp', hostAddress: '0.0.0.0', hostPort: 8080, targetAddress: '172.17.0.2', targetPort: 80 },
      { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 6379, targetAddress: '172.17.0.3', targetPort: 6379 },
      { protocol: 'udp', hostAddress: '::', hostPort: 53, targetAddress: 'fd00::2', targetPort: 5353 },
      { protocol: 'sctp', hostAddress: '0.0.0.0', hostPort: 9000, targetAddress: '10.88.0.5', targetPort: 9000 },
    ]);
  });

  it('skips what it cannot state exactly: port sets and negations, address maps, redirect, no port', () => {
    const text = ruleset(
      rule('ip', [dport('tcp', { set: [80, 443] }), { dnat: { addr: '10.0.0.1' } }]),
      rule('ip', [dport('tcp', 80, '!='), { dnat: { addr: '10.0.0.1' } }]),
      rule('ip', [dport('tcp', 80), { dnat: { addr: { map: { key: {}, data: '@m' } } } }]),
      rule('ip', [dport('tcp', 80), { redirect: { port: 8080 } }]),
      rule('ip', [{ dnat: { addr: '10.0.0.1', port: 80 } }]),
      rule('ip', [match({ payload: { protocol: 'ip', field: 'daddr' } }, '10.0.0.0/8'), dport('tcp', 80), { dnat: { addr: '10.0.0.1' } }]),
    );
    expect(parseNftDnat(text)).toEqual([]);
  });

  it('gives nothing for text that is not a ruleset', () => {
    for (const text of ['', 'not json', '[]', '{"nftables": "x"}', '{"nftables": [{"rule": 5}, {"rule": {"expr": "x"}}]}']) expect(parseNftDnat(text)).toEqual([]);
  });
});

describe('DNAT rules in a collection', () => {
  const root = path.join(REPO_ROOT, 'fixtures/containers/docker-host');
  const collect = (reader: () => { text: string } | { problem: string } | null) =>
    collectFromProc(createProcFs(path.join(root, 'proc')), readHostContext(path.join(root, 'proc')), undefined, null, null, null, undefined, createRuntimeMetadata(path.join(root, 'runtime')), reader);

  it('a port forwarded only by an nftables rule is listed as published, with the container that has the address', async () => {
    const text = ruleset(
      rule('ip', [dport('tcp', 8080), { dnat: { addr: '172.17.0.2', port: 80 } }]), // docker-proxy listens: not DNAT-only
      rule('ip', [match({ payload: { protocol: 'ip', field: 'daddr' } }, '127.0.0.1'), dport('tcp', 6379), { dnat: { addr: '172.17.0.3', port: 6379 } }]), // docker's metadata said so already
      rule('ip', [dport('tcp', 9443), { dnat: { addr: '172.17.0.2', port: 443 } }]),
      rule('ip', [dport('udp', 5000), { dnat: { addr: '10.1.2.3', port: 5000 } }]),
    );
    const inventory = await collect(() => ({ text }));
    expect(inventory.meta.publishedOnly).toEqual([
      { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5000, target: { container: null, address: '10.1.2.3', port: 5000 }, source: 'nftables' },
      { protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 6379, target: { container: 'redis-1', address: '172.17.0.3', port: 6379 }, source: 'docker' },
      { protocol: 'tcp', hostAddress: '0.0.0.0', hostPort: 9443, target: { container: 'web', address: '172.17.0.2', port: 443 }, source: 'nftables' },
    ]);
    expect(listeningEntries(inventory).filter((entry) => entry.published).map((entry) => [entry.group, entry.localPort])).toEqual([
      ['wildcard', 5000],
      ['wildcard', 9443],
      ['loopback', 6379],
    ]);
  });

  it('an nft that fails is one warning, and the collection goes on', async () => {
    const inventory = await collect(() => ({ problem: '/usr/sbin/nft -j list ruleset failed: Operation not permitted' }));
    expect(inventory.warnings).toEqual([expect.objectContaining({ code: 'nft-unreadable' })]);
    expect(inventory.sockets.length).toBeGreaterThan(0);
  });
});
