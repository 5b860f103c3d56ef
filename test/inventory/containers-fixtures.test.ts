/**
 * Containers on the hand-made fixtures of fixtures/containers (build-fixtures.mjs): per
 * runtime, the names, pods, published-port targets and namespace names, against golden
 * JSON and text (fixtures/containers/golden), and the facts behind them asserted one by one.
 *
 * Regenerate the golden files after an intended change:
 *   UPDATE_GOLDEN=1 npx vitest run test/inventory/containers-fixtures.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import { collectInventory } from '../../src/inventory/collect.js';
import { filterSockets } from '../../src/inventory/socket-filter.js';
import { parseSocketFilter } from '../../src/options/parse-socket-filter.js';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { createBaseline } from '../../src/review/baseline.js';
import { checkAgainstBaseline } from '../../src/review/check.js';
import { listeningEntries } from '../../src/review/listening-report.js';
import { listeningJson, renderListening } from '../../src/review/render-listening.js';
import { renderSocketTable } from '../../src/render/socket-table.js';
import { makeTempDir, REPO_ROOT, runCli } from '../helpers/live.js';

const CASES_DIR = path.join(REPO_ROOT, 'fixtures/containers');
const GOLDEN_DIR = path.join(CASES_DIR, 'golden');
const CASES = ['docker-host', 'k8s-node', 'podman-host'];
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function rel(file: string): string {
  return path.relative(process.cwd(), file);
}
function collect(name: string, runtimeRoot: string | null = path.join(CASES_DIR, name, 'runtime')): Promise<Inventory> {
  return collectInventory({ procRoot: rel(path.join(CASES_DIR, name, 'proc')), runtimeRoot: runtimeRoot === null ? null : rel(runtimeRoot) });
}
function golden(file: string, actual: string): void {
  const target = path.join(GOLDEN_DIR, file);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(target, actual);
    return;
  }
  expect(fs.existsSync(target), `golden ${target} missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(fs.readFileSync(target, 'utf8'));
}
function stable(inventory: Inventory): unknown {
  const { takenAt: _takenAt, durationMs: _durationMs, toolVersion: _toolVersion, ...meta } = inventory.meta;
  return { ...inventory, meta };
}
function listener(inventory: Inventory, port: number, netnsName?: string): SocketRecord {
  const found = inventory.sockets.filter((socket) => socket.localPort === port && (netnsName === undefined || socket.netnsName === netnsName) && socket.family !== 'unix');
  expect(found, `one listener on port ${port}`).toHaveLength(1);
  return found[0]!;
}
const SOURCE = { kind: 'snapshot' as const, id: 1, host: 'fixture', takenAt: '2026-11-28T00:00:00.000Z' };

describe.each(CASES)('container fixture %s', (name) => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await collect(name);
  });

  it('matches its golden JSON inventory, listening report (JSON and text) and socket table', () => {
    golden(`${name}.json`, JSON.stringify(stable(inventory), null, 2) + '\n');
    const entries = listeningEntries(inventory);
    golden(`${name}.listening.txt`, renderListening(SOURCE, entries, [], false));
    golden(`${name}.listening.json`, listeningJson(SOURCE, entries, []));
    golden(`${name}.collect.txt`, renderSocketTable(inventory.sockets, { color: false }));
  });

  it('names every namespace differently', () => {
    const names = inventory.meta.namespaces.map((namespace) => namespace.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('a baseline made from it passes check, and names the containers', () => {
    const baseline = createBaseline(inventory, [], { snapshot: null, now: new Date('2026-11-28T00:00:00Z') });
    expect(checkAgainstBaseline(inventory, [], baseline, new Date('2026-11-28T00:00:00Z')).violations).toEqual([]);
    const named = baseline.listeners.filter((entry) => entry.container !== undefined);
    expect(named.length).toBeGreaterThan(0);
  });
});

describe('docker-host', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await collect('docker-host');
  });

  it("names each container's namespace and socket from config.v2.json: name, image, id", () => {
    const web = listener(inventory, 80);
    expect(web.netnsName).toBe('container web');
    expect(web.container).toMatchObject({ runtime: 'docker', name: 'web', image: 'nginx:1.27', podName: null });
    expect(web.container!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(listener(inventory, 6379).container).toMatchObject({ name: 'redis-1', image: 'redis:7' });
    expect(inventory.warnings).toEqual([]);
  });

  it("shows docker-proxy's host port with its target: 0.0.0.0:8080 -> container web:80", () => {
    const proxy = listener(inventory, 8080);
    expect(proxy.netnsName).toBe('host');
    expect(proxy.container).toBeNull();
    expect(proxy.publishedTo).toEqual({ container: 'web', address: '172.17.0.2', port: 80 });
    expect(renderSocketTable([proxy], { color: false })).toContain('0.0.0.0:8080 -> container web:80');
  });

  it('lists a port published only through DNAT (no host listener) in listening as published', () => {
    expect(inventory.meta.publishedOnly).toEqual([{ protocol: 'tcp', hostAddress: '127.0.0.1', hostPort: 6379, target: { container: 'redis-1', address: '172.17.0.3', port: 6379 }, source: 'docker' }]);
    const entry = listeningEntries(inventory).find((candidate) => candidate.published);
    expect(entry).toMatchObject({ state: 'PUBLISHED', group: 'loopback', localAddress: '127.0.0.1', localPort: 6379 });
    expect(renderListening(SOURCE, listeningEntries(inventory), [], false)).toMatch(/127\.0\.0\.1:6379 -> container redis-1:6379 +host +- +\(published: DNAT, no host listener\)/);
  });

  it('--container selects by name, id prefix, and the host port that forwards to it', () => {
    const of = (word: string) => filterSockets(inventory.sockets, parseSocketFilter({ container: word })).map((socket) => socket.localPort);
    expect(of('web').sort()).toEqual([80, 8080]);
    expect(of(listener(inventory, 6379).container!.id.slice(0, 12))).toEqual([6379]);
    expect(of('nope')).toEqual([]);
  });

  it('without --runtime-root, a captured tree names containers by short id, with one warning', async () => {
    const bare = await collect('docker-host', null);
    expect(listener(bare, 80).container).toMatchObject({ runtime: 'docker', name: listener(inventory, 80).container!.id.slice(0, 12), image: null });
    expect(listener(bare, 80).netnsName).toBe(`container ${listener(inventory, 80).container!.id.slice(0, 12)}`);
    expect(bare.warnings.map((warning) => warning.code)).toEqual(['container-metadata-unreadable']);
    expect(bare.warnings[0]!.message).toContain('--runtime-root');
  });

  it('a metadata file that is damaged, a symbolic link, a FIFO or too large falls back to the id with a warning', async () => {
    const webId = listener(inventory, 80).container!.id;
    const redisId = listener(inventory, 6379).container!.id;
    const root = makeTempDir('sockaudit-runtime-');
    try {
      fs.cpSync(path.join(CASES_DIR, 'docker-host/runtime'), root, { recursive: true });
      const config = (id: string) => path.join(root, 'var/lib/docker/containers', id, 'config.v2.json');
      fs.writeFileSync(config(webId), '{"Name": "/web", "Config": {'); // cut short
      fs.rmSync(config(redisId));
      fs.symlinkSync('/etc/passwd', config(redisId));
      let damaged = await collect('docker-host', root);
      expect(listener(damaged, 80).container!.name).toBe(webId.slice(0, 12));
      expect(listener(damaged, 6379).container!.name).toBe(redisId.slice(0, 12));
      expect(damaged.warnings).toEqual([expect.objectContaining({ code: 'container-metadata-unreadable', count: 2 })]);
      expect(damaged.warnings[0]!.message).toMatch(/not a JSON object|symbolic link/);
      fs.rmSync(config(webId));
      fs.writeFileSync(config(webId), 'x'.repeat((1 << 20) + 1));
      damaged = await collect('docker-host', root);
      expect(damaged.warnings[0]!.message).toMatch(/larger than|symbolic link/);
      expect(listener(damaged, 80).container!.name).toBe(webId.slice(0, 12));
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('a baseline entry naming a container allows its listener in whatever namespace it is in now, and only that container', () => {
    const now = new Date('2026-11-28T00:00:00Z');
    const baseline = createBaseline(inventory, [], { snapshot: null, now });
    expect(baseline.listeners.find((entry) => entry.port === 80)).toMatchObject({ container: 'web', netns: 'container web', exe: '/usr/sbin/nginx' });
    const recreated: Inventory = structuredClone(inventory);
    for (const socket of recreated.sockets) if (socket.container?.name === 'web') socket.netnsName = 'container web #4026539999';
    expect(checkAgainstBaseline(recreated, [], baseline, now).violations).toEqual([]);
    const renamed: Inventory = structuredClone(inventory);
    for (const socket of renamed.sockets) if (socket.container?.name === 'web') socket.container = { ...socket.container, name: 'web-2' };
    expect(checkAgainstBaseline(renamed, [], baseline, now).violations.map((violation) => [violation.kind, violation.port])).toEqual([['unexpected-listener', 80]]);
  });

  it('a hostile container name (control characters, from an nspawn machine name) is escaped in the table', () => {
    const hostile: Inventory = structuredClone(inventory);
    const web = hostile.sockets.find((socket) => socket.localPort === 80)!;
    web.container = { ...web.container!, name: 'web\u001b[2J\nFAKE 0.0.0.0:22' };
    const table = renderSocketTable([web], { color: false });
    expect(table).not.toContain('\u001b');
    expect(table.trim().split('\n')).toHaveLength(2);
    expect(table).toContain('web\\x1b[2J\\nFAKE');
  });

  it('a recreated container (new namespace, pid and inode, same name) makes its listener restarted, not closed and opened', async () => {
    const before = inventory;
    const after: Inventory = structuredClone(inventory);
    for (const socket of after.sockets) {
      if (socket.container?.name !== 'web') continue;
      socket.netns = 4026539999;
      socket.inode += 100000;
      socket.container = { ...socket.container, id: 'f'.repeat(64) };
      socket.owners = socket.owners.map((owner) => ({ ...owner, pid: owner.pid + 5000 }));
    }
    const result = diffInventories(before, after, { sockets: true });
    const web = result.changes.filter((change) => (change.before ?? change.after)?.localPort === 80);
    expect(web).toHaveLength(1);
    expect(web[0]).toMatchObject({ kind: 'changed', tags: ['restarted', 'reopened'] });
  });
});

describe('k8s-node', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await collect('k8s-node');
  });

  it("names pods' namespaces after the pod, never after `pause`, and two pause pods differently", () => {
    const names = inventory.meta.namespaces.map((namespace) => namespace.name);
    expect(names).toEqual(['host', 'pod default/web-7d9f', 'pod kube-system/coredns-5d78', 'pod a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d']);
    expect(names.some((name) => name.includes('pause') || name.startsWith('cni-'))).toBe(false);
  });

  it('reads both annotation forms: io.kubernetes.cri.* and io.kubernetes.pod.*', () => {
    expect(listener(inventory, 80).container).toMatchObject({ runtime: 'containerd', name: 'nginx', image: 'docker.io/library/nginx:1.27', podName: 'web-7d9f', podNamespace: 'default' });
    expect(listener(inventory, 53).container).toMatchObject({ runtime: 'containerd', name: 'coredns', image: null, podName: 'coredns-5d78', podNamespace: 'kube-system' });
  });

  it('a pod whose task config.json is missing is named by the pod uid from its cgroup, its container by short id, with a warning', () => {
    const db = listener(inventory, 5432);
    expect(db.netnsName).toBe('pod a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
    expect(db.container).toMatchObject({ runtime: 'containerd', podName: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', podNamespace: null });
    expect(db.container!.name).toBe(db.container!.id.slice(0, 12));
    expect(inventory.warnings).toEqual([expect.objectContaining({ code: 'container-metadata-unreadable', count: 2 })]);
  });

  it('--container selects a pod by namespace/name', () => {
    expect(filterSockets(inventory.sockets, parseSocketFilter({ container: 'default/web-7d9f' })).map((socket) => socket.localPort)).toEqual([80]);
  });
});

describe('podman-host', () => {
  let inventory: Inventory;
  beforeAll(async () => {
    inventory = await collect('podman-host');
  });

  it("names podman's container from containers.json, never its conmon (outside the container)", () => {
    expect(listener(inventory, 6379).container).toMatchObject({ runtime: 'podman', name: 'redis-1', image: 'docker.io/library/redis:7' });
    const conmon = inventory.sockets.find((socket) => socket.owners.some((owner) => owner.comm === 'conmon'));
    expect(conmon?.container).toBeNull();
    expect(conmon?.netnsName).toBe('host');
  });

  it('names an nspawn machine (unescaping \\x2d) and an LXC container from their cgroup paths', () => {
    expect(listener(inventory, 22)).toMatchObject({ netnsName: 'container web-front', container: { runtime: 'nspawn', name: 'web-front' } });
    expect(listener(inventory, 1234)).toMatchObject({ netnsName: 'container build1', container: { runtime: 'lxc', name: 'build1' } });
    expect(inventory.warnings).toEqual([]);
  });
});

describe('the CLI on the container fixtures', () => {
  it('collect --container and listening --runtime-root, as a user types them', () => {
    const proc = path.join(CASES_DIR, 'docker-host/proc');
    const runtime = path.join(CASES_DIR, 'docker-host/runtime');
    const collected = runCli(['collect', '--proc-root', proc, '--runtime-root', runtime, '--container', 'redis-1']);
    expect(collected.status).toBe(0);
    expect(collected.stdout).toMatch(/0\.0\.0\.0:6379 .*redis-1/);
    expect(collected.stdout).not.toContain(':8080');
    const listening = runCli(['listening', '--proc-root', proc, '--runtime-root', runtime]);
    expect(listening.status).toBe(0);
    expect(listening.stdout).toContain('0.0.0.0:8080 -> container web:80');
  });

  it('a --runtime-root that is not a directory is one line and exit 2', () => {
    const result = runCli(['collect', '--proc-root', path.join(CASES_DIR, 'docker-host/proc'), '--runtime-root', '/nonexistent/runtime']);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('sockaudit: cannot read runtime root /nonexistent/runtime: not a directory\n');
  });
});
