/**
 * Dual-stack listeners on the live machine (issue 10, part 2): a socket bound to [::] with
 * IPV6_V6ONLY off answers IPv4 too. Listeners on [::] with v6only 0 and 1 and on
 * ::ffff:127.0.0.1, read through sock_diag (the socket's own v6only) and through /proc text
 * (the namespace's net.ipv6.bindv6only, marked inferred); in a namespace made here with
 * bindv6only=1 (the host's sysctl is never changed); `check` against a "tcp6" baseline; and
 * a diff across a v6only flip. Loopback and test-made namespaces only.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFromProc } from '../../src/inventory/collect.js';
import { readHostContext } from '../../src/inventory/host-context.js';
import type { Inventory, SocketRecord } from '../../src/model/socket-record.js';
import { nativeAddon } from '../../src/native/native-addon.js';
import { createProcFs } from '../../src/proc/proc-fs.js';
import { CLI, hasCommand, holdSockets, IS_ROOT, makeTempDir, REPO_ROOT, runCli, type HeldSockets } from '../helpers/live.js';

const HOST_DEFAULT = fs.readFileSync('/proc/sys/net/ipv6/bindv6only', 'utf8').trim() === '1';

function byInode(inventory: Inventory | { sockets: SocketRecord[] }, inode: number | undefined): SocketRecord {
  const found = inventory.sockets.find((socket) => socket.inode === inode);
  expect(found, `socket with inode ${inode}`).toBeDefined();
  return found!;
}

/** Whether a TCP connection to 127.0.0.1:port is accepted: the proof that a listener answers IPv4. */
function acceptsIpv4(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const client = net.connect(port, '127.0.0.1');
    client.once('connect', () => {
      client.destroy();
      resolve(true);
    });
    client.once('error', () => resolve(false));
  });
}

/** A directory holding `proc`, a symlink to /proc: the live /proc read as a tree of text, without sock_diag. */
function procAsText(dir: string): string {
  const link = path.join(dir, 'proc');
  if (!fs.existsSync(link)) fs.symlinkSync('/proc', link);
  return link;
}

/**
 * A TCP port free in IPv4 and IPv6 a moment ago: a dual-stack listener's. The kernel gives
 * an IPv6-only listener a port an IPv4 socket may hold (another test's 127.0.0.1 listener,
 * a loopback connection's ephemeral port), which then answers IPv4 on it, or keeps a
 * dual-stack listener from binding it.
 */
async function freeInBothFamilies(): Promise<number> {
  const probe = await holdSockets([{ kind: 'tcp-listen', name: 'probe', host: '::', v6only: false, reuse: true }]);
  const port = probe.sockets.probe!.port!;
  await probe.release();
  return port;
}

const SPEC = [
  { kind: 'tcp-listen', name: 'dual', host: '::', v6only: false },
  { kind: 'tcp-listen', name: 'v6', host: '::', v6only: true },
  { kind: 'tcp-listen', name: 'mapped', host: '::ffff:127.0.0.1' },
  { kind: 'udp-bind', name: 'udpDual', host: '::', v6only: false },
  { kind: 'udp-bind', name: 'udpV6', host: '::', v6only: true },
];

describe.skipIf(nativeAddon === null || !hasCommand('python3'))('dual-stack listeners in this namespace (skipped without the native addon or python3)', () => {
  const dir = makeTempDir('sockaudit-dual-');
  let held: HeldSockets;
  let viaDiag: Inventory;
  let viaText: Inventory;

  beforeAll(async () => {
    // the IPv6-only listener on a port free for IPv4 too (see freeInBothFamilies), so that
    // no IPv4 listener of another test answers on its port
    const port = await freeInBothFamilies();
    held = await holdSockets(SPEC.map((spec) => (spec.name === 'v6' ? { ...spec, port } : spec)));
    const proc = createProcFs('/proc');
    viaDiag = await collectFromProc(proc, readHostContext('/proc'), undefined, nativeAddon);
    viaText = await collectFromProc(proc, readHostContext('/proc'), undefined, null);
  });
  afterAll(async () => {
    await held?.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('really is what it is set up to be: the dual-stack listener answers IPv4, the v6only one does not', async () => {
    expect(await acceptsIpv4(held.sockets.dual!.port!)).toBe(true);
    expect(await acceptsIpv4(held.sockets.v6!.port!)).toBe(false);
    expect(await acceptsIpv4(held.sockets.mapped!.port!)).toBe(true);
  });

  it('through sock_diag: each socket its own v6only', () => {
    const at = (name: string) => byInode(viaDiag, held.sockets[name]!.inode);
    expect(at('dual')).toMatchObject({ family: 'tcp', ipVersion: 6, localAddress: '::', state: 'LISTEN', v6only: false, v6onlySource: 'socket', exposure: 'wildcard' });
    expect(at('v6')).toMatchObject({ localAddress: '::', v6only: true, v6onlySource: 'socket' });
    expect(at('mapped')).toMatchObject({ localAddress: '::ffff:127.0.0.1', v6only: false, v6onlySource: 'socket', exposure: 'loopback' });
    expect(at('udpDual')).toMatchObject({ family: 'udp', state: 'UNCONN', v6only: false, v6onlySource: 'socket' });
    expect(at('udpV6')).toMatchObject({ family: 'udp', v6only: true, v6onlySource: 'socket' });
  });

  it("through /proc text: the namespace's default, marked inferred (a mapped address is always v6only off)", () => {
    const at = (name: string) => byInode(viaText, held.sockets[name]!.inode);
    for (const name of ['dual', 'v6', 'udpDual', 'udpV6']) expect(at(name), name).toMatchObject({ v6only: HOST_DEFAULT, v6onlySource: 'inferred' });
    expect(at('mapped')).toMatchObject({ v6only: false, v6onlySource: 'inferred', exposure: 'loopback' });
  });

  it('collect shows the dual-stack ones as v4+v6, in the table and in JSON, both ways', () => {
    const table = runCli(['collect', '--pid', String(held.pid)]);
    expect(table.status).toBe(0);
    const line = (port: number) => table.stdout.split('\n').find((text) => text.includes(`]:${port} `) || text.endsWith(`]:${port}`)) ?? '';
    expect(line(held.sockets.dual!.port!)).toMatch(/^tcp\s+LISTEN\s+\d+\s+\d+\s+\[::\]:\d+ \(v4\+v6\)/);
    expect(line(held.sockets.udpDual!.port!)).toMatch(/^udp\s+UNCONN\s+\d+\s+\d+\s+\[::\]:\d+ \(v4\+v6\)/);
    expect(line(held.sockets.v6!.port!)).not.toContain('v4+v6');
    expect(line(held.sockets.mapped!.port!)).not.toContain('v4+v6');
    const json = JSON.parse(runCli(['collect', '--pid', String(held.pid), '--json']).stdout) as Inventory;
    expect(byInode(json, held.sockets.dual!.inode)).toMatchObject({ v6only: false, v6onlySource: 'socket' });
    // the same through /proc text: inferred from this namespace's default
    const text = runCli(['collect', '--pid', String(held.pid), '--proc-root', procAsText(dir)]);
    expect(text.status).toBe(0);
    const dualLine = text.stdout.split('\n').find((row) => row.includes(`]:${held.sockets.dual!.port!}`)) ?? '';
    if (HOST_DEFAULT) expect(dualLine).not.toContain('v4+v6');
    else expect(dualLine).toContain('(v4+v6 inferred)');
  });

  it('listening counts a dual-stack listener for both IP versions', () => {
    const result = runCli(['listening', '--json', '--db', path.join(dir, 'empty.db')]);
    expect(result.status).toBe(0);
    const listeners = (JSON.parse(result.stdout) as { listeners: (SocketRecord & { ipVersions: number[] })[] }).listeners;
    const of = (name: string) => listeners.find((entry) => entry.inode === held.sockets[name]!.inode);
    expect(of('dual')).toMatchObject({ group: 'wildcard', ipVersions: [4, 6] });
    expect(of('v6')).toMatchObject({ group: 'wildcard', ipVersions: [6] });
    expect(of('mapped')).toMatchObject({ group: 'loopback', ipVersions: [4] });
  });

  it('a baseline allowing "tcp6" fails check for the dual-stack listener, saying why, and passes the IPv6-only one', () => {
    const db = path.join(dir, 'check.db');
    expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);
    const baselineFile = path.join(dir, 'baseline.json');
    const allow = (port: number, family: string, exposure = 'wildcard') => ({ family, port, exposure, exe: null, netns: 'host' });
    fs.writeFileSync(
      baselineFile,
      JSON.stringify({
        listeners: [
          allow(held.sockets.dual!.port!, 'tcp6'),
          allow(held.sockets.v6!.port!, 'tcp6'),
          allow(held.sockets.mapped!.port!, 'tcp4', 'loopback'),
        ],
      }),
    );
    const check = runCli(['check', 'latest', '--baseline', baselineFile, '--db', db, '--json']);
    expect(check.status).toBe(1);
    const ours = (JSON.parse(check.stdout) as { violations: { kind: string; message: string; pids: number[]; port: number | null }[] }).violations.filter((violation) =>
      violation.pids.includes(held.pid),
    );
    const tcpPorts = new Set([held.sockets.dual!.port!, held.sockets.v6!.port!, held.sockets.mapped!.port!]);
    const tcp = ours.filter((violation) => violation.port !== null && tcpPorts.has(violation.port) && violation.kind !== 'unexpected-listener');
    expect(tcp.map((violation) => `${violation.kind} ${violation.port}`)).toEqual([`ip-version-wider ${held.sockets.dual!.port!}`]);
    expect(tcp[0]!.message).toContain(`tcp [::]:${held.sockets.dual!.port!} (v4+v6)`);
    expect(tcp[0]!.message).toContain('dual-stack (bound to [::] with IPV6_V6ONLY off) and accepts IPv4 too, where the baseline allows tcp6 (one IP version) only');
    // the UDP sockets are not in the baseline: unexpected, not let through
    expect(ours.filter((violation) => violation.kind === 'unexpected-listener').map((violation) => violation.port).sort()).toEqual(
      [held.sockets.udpDual!.port!, held.sockets.udpV6!.port!].sort(),
    );
    const text = runCli(['check', 'latest', '--baseline', baselineFile, '--db', db]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`ip-version-wider +IP version wider than allowed: tcp \\[::\\]:${held.sockets.dual!.port!} \\(v4\\+v6\\) in netns host`));
  });
});

describe.skipIf(nativeAddon === null || !hasCommand('python3'))('a diff across a v6only flip (skipped without the native addon or python3)', () => {
  const dir = makeTempDir('sockaudit-dualdiff-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports IPv6-only -> dual-stack on one port as a change of exposure', async () => {
    const db = path.join(dir, 'flip.db');
    const port = await freeInBothFamilies();
    const first = await holdSockets([{ kind: 'tcp-listen', name: 'app', host: '::', port, v6only: true, reuse: true }]);
    try {
      expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);
    } finally {
      await first.release();
    }
    const second = await holdSockets([{ kind: 'tcp-listen', name: 'app', host: '::', port, v6only: false, reuse: true }]);
    try {
      expect(runCli(['snapshot', '--db', db, '--quiet']).status).toBe(0);
    } finally {
      await second.release();
    }
    const json = runCli(['diff', 'last', '2', '--port', String(port), '--db', db, '--format', 'json']);
    expect(json.status).toBe(1);
    const changes = (JSON.parse(json.stdout) as { changes: { kind: string; key: string; tags: string[]; fields: { field: string; before: unknown; after: unknown }[] }[] }).changes;
    const ours = changes.filter((change) => change.key === `tcp6 [::]:${port} host`);
    expect(ours).toHaveLength(1);
    expect(ours[0]!.kind).toBe('changed');
    expect(ours[0]!.tags).toContain('exposure-widened');
    expect(ours[0]!.fields).toContainEqual({ field: 'v6only', before: true, after: false });
    const text = runCli(['diff', 'last', '2', '--port', String(port), '--db', db]);
    expect(text.stdout).toMatch(new RegExp(`! tcp6 \\[::\\]:${port} host .*exposure-widened.*v6only on -> off`));
    expect(runCli(['verify', '--db', db]).status).toBe(0);
  });
});

describe.skipIf(nativeAddon === null || !IS_ROOT || !hasCommand('ip') || !hasCommand('python3') || !hasCommand('sysctl'))(
  'a namespace made here with net.ipv6.bindv6only=1 (skipped unless root with ip, sysctl and python3: ip netns add and setns need CAP_SYS_ADMIN)',
  () => {
    const name = `sockaudit-v6only-${process.pid}`;
    const dir = makeTempDir('sockaudit-v6ns-');
    let held: HeldSockets | undefined;
    beforeAll(async () => {
      expect(spawnSync('ip', ['netns', 'add', name]).status).toBe(0);
      expect(spawnSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
      // the namespace's own sysctl: the host's is left alone
      expect(spawnSync('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.bindv6only=1']).status).toBe(0);
      held = await holdSockets(
        [
          { kind: 'tcp-listen', name: 'byDefault', host: '::' },
          { kind: 'tcp-listen', name: 'dual', host: '::', v6only: false },
          // with bindv6only=1 a mapped address can only be bound after clearing IPV6_V6ONLY (EINVAL otherwise)
          { kind: 'tcp-listen', name: 'mapped', host: '::ffff:127.0.0.1', v6only: false },
        ],
        ['ip', 'netns', 'exec', name],
      );
    });
    afterAll(async () => {
      await held?.release();
      spawnSync('ip', ['netns', 'del', name]);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('leaves the host default alone', () => {
      expect(fs.readFileSync('/proc/sys/net/ipv6/bindv6only', 'utf8').trim() === '1').toBe(HOST_DEFAULT);
    });

    it('through sock_diag (entering the namespace): a socket that kept the default is v6only, the one that cleared it dual-stack', async () => {
      const viaDiag = await collectFromProc(createProcFs('/proc'), readHostContext('/proc'), undefined, nativeAddon);
      expect(byInode(viaDiag, held!.sockets.byDefault!.inode)).toMatchObject({ netnsName: name, v6only: true, v6onlySource: 'socket' });
      expect(byInode(viaDiag, held!.sockets.dual!.inode)).toMatchObject({ netnsName: name, v6only: false, v6onlySource: 'socket' });
      expect(byInode(viaDiag, held!.sockets.mapped!.inode)).toMatchObject({ v6only: false, v6onlySource: 'socket', exposure: 'loopback' });
    });

    it("through /proc text read inside the namespace: its bindv6only=1 is the inferred default", () => {
      const result = spawnSync('ip', ['netns', 'exec', name, process.execPath, CLI, 'collect', '--json', '--pid', String(held!.pid), '--proc-root', procAsText(dir)], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const inventory = JSON.parse(result.stdout) as Inventory;
      expect(byInode(inventory, held!.sockets.byDefault!.inode)).toMatchObject({ v6only: true, v6onlySource: 'inferred' });
      // the limit of inferring: a program that cleared IPV6_V6ONLY itself is not seen in /proc text
      expect(byInode(inventory, held!.sockets.dual!.inode)).toMatchObject({ v6only: true, v6onlySource: 'inferred' });
      expect(byInode(inventory, held!.sockets.mapped!.inode)).toMatchObject({ v6only: false, v6onlySource: 'inferred' });
    });

    it.skipIf(!hasCommand('nsenter'))('a captured tree keeps the namespace\'s default under its reader pid, and the collector infers from it', () => {
      const tree = path.join(dir, 'tree');
      const capture = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/capture-proc.mjs'), '--out', tree, '--pids', String(held!.pid)], { encoding: 'utf8' });
      expect(capture.status, capture.stderr).toBe(0);
      expect(fs.readFileSync(path.join(tree, String(held!.pid), 'sys/net/ipv6/bindv6only'), 'utf8')).toBe('1\n');
      expect(fs.readFileSync(path.join(tree, 'sys/net/ipv6/bindv6only'), 'utf8').trim()).toBe(HOST_DEFAULT ? '1' : '0');
      const collected = runCli(['collect', '--json', '--proc-root', tree]);
      expect(collected.status).toBe(0);
      const inventory = JSON.parse(collected.stdout) as Inventory;
      expect(byInode(inventory, held!.sockets.byDefault!.inode)).toMatchObject({ netnsName: name, v6only: true, v6onlySource: 'inferred' });
      expect(byInode(inventory, held!.sockets.mapped!.inode)).toMatchObject({ v6only: false, v6onlySource: 'inferred' });
    });

    it('through /proc text read from the host: another namespace\'s default cannot be read, so v6only is unknown and shown as such', async () => {
      const viaText = await collectFromProc(createProcFs('/proc'), readHostContext('/proc'), undefined, null);
      expect(byInode(viaText, held!.sockets.byDefault!.inode)).toMatchObject({ v6only: null, v6onlySource: null });
      const table = runCli(['collect', '--pid', String(held!.pid), '--proc-root', procAsText(dir)]);
      expect(table.stdout).toContain(`[::]:${held!.sockets.byDefault!.port!} (v4+v6?)`);
    });
  },
);
