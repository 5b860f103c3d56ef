import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { masqueradeReason } from '../../src/review/masquerade.js';
import { collectInventory } from '../../src/inventory/collect.js';
import { filesystemExecutableAliases } from '../../src/review/executable-aliases.js';
import { findFindings } from '../../src/review/findings.js';
import { makeInventory, makeOwner, makeRecord } from '../store/make-record.js';
import { collectFixture } from './review-fixtures.js';

const summary = (findings: ReturnType<typeof findFindings>) => findings.map((f) => `${f.severity} ${f.kind} ${f.pid ?? '-'}`);

describe('findFindings on fixture hosts', () => {
  it('an ordinary Debian web server: no masquerade, nothing of high severity', async () => {
    const findings = findFindings(await collectFixture('clean-host'));
    expect(findings.filter((f) => f.kind === 'masquerade')).toEqual([]);
    expect(findings.filter((f) => f.severity === 'high')).toEqual([]);
    expect(summary(findings)).toEqual([
      'medium packet-socket 410',
      'low root-wildcard-listener 410',
      'low root-wildcard-listener 410',
      'low root-wildcard-listener 600',
      'low root-wildcard-listener 520',
      'low root-wildcard-listener 520',
    ]);
    const dhcp = findings[0]!;
    expect(dhcp.reason).toBe('possible sniffer: dhclient (pid 410, root) reads raw frames on eth0, protocol all (ETH_P_ALL) (a network configuration daemon; expected)');
  });

  it('the drifted host: each finding kind, with its reason', async () => {
    const findings = findFindings(await collectFixture('drifted-host'));
    const high = findings.filter((f) => f.severity === 'high');
    expect(summary(high)).toEqual([
      'high exe-deleted 4242',
      'high exe-in-temp-dir 4242',
      'high exe-in-temp-dir 4300',
      'high masquerade 4242',
      'high masquerade 4500',
      'high packet-socket 4242',
    ]);
    const byKind = (kind: string, pid: number) => findings.find((f) => f.kind === kind && f.pid === pid)!;
    expect(byKind('packet-socket', 4242).reason).toBe('possible sniffer: udevd (pid 4242, root) reads dgram frames on all interfaces, protocol IPv4');
    expect(byKind('packet-socket', 4242).exe).toBe('/dev/shm/kdmtmpflush (deleted)');
    expect(byKind('raw-socket', 4400)).toMatchObject({ severity: 'medium', socket: 'raw 0.0.0.0 proto 6' });
    expect(byKind('exe-in-temp-dir', 4300).reason).toBe('bind (pid 4300, www-data) runs /tmp/.x/bind, from a world-writable temporary directory');
    expect(byKind('masquerade', 4500).reason).toMatch(/\[kworker\/0:1\]" poses as a kernel thread/);
    expect(byKind('root-wildcard-listener', 2600)).toMatchObject({ severity: 'low', socket: 'tcp 0.0.0.0:80' });
    // the web user's bind shell on 0.0.0.0:4444 is not root's
    expect(findings.some((f) => f.kind === 'root-wildcard-listener' && f.pid === 4300)).toBe(false);
  });
});

describe('findFindings rules', () => {
  it('a deleted exe outside temp directories is medium: an upgrade not yet restarted', () => {
    const socket = makeRecord({ owners: [makeOwner({ exe: '/usr/sbin/sshd (deleted)', uid: 1000, user: 'bob' })], exposure: 'loopback', localAddress: '127.0.0.1' });
    const findings = findFindings(makeInventory([socket]));
    expect(summary(findings)).toEqual(['medium exe-deleted 100']);
    expect(findings[0]!.reason).toMatch(/upgrade not yet restarted/);
  });

  it('one process finding per process, however many sockets it holds', () => {
    const owner = makeOwner({ pid: 9, exe: '/var/tmp/x', comm: 'x', cmdline: 'x', uid: 1000, user: 'bob' });
    const sockets = [1, 2, 3].map((n) => makeRecord({ localPort: n, inode: n, owners: [owner], exposure: 'loopback', localAddress: '127.0.0.1' }));
    expect(summary(findFindings(makeInventory(sockets)))).toEqual(['high exe-in-temp-dir 9']);
  });

  it('a wildcard listener with no visible owner counts as root when the socket uid is 0', () => {
    const findings = findFindings(makeInventory([makeRecord({ owners: [], uid: 0 })]));
    expect(summary(findings)).toEqual(['low root-wildcard-listener -']);
    expect(findings[0]!.reason).toBe('an unknown process listens on every address as root (tcp 0.0.0.0:22)');
  });

  it('connected sockets and loopback listeners are not wildcard listeners', () => {
    const connected = makeRecord({ state: 'ESTABLISHED', remoteAddress: '10.0.0.9', remotePort: 5000, owners: [makeOwner()] });
    const loopback = makeRecord({ localAddress: '127.0.0.1', exposure: 'loopback', owners: [makeOwner()] });
    expect(findFindings(makeInventory([connected, loopback]))).toEqual([]);
  });
});

describe('findFindings on this machine', () => {
  it('finds no masquerading process among the live socket owners', async () => {
    const inventory = await collectInventory({ procRoot: '/proc' });
    const owners = new Set(inventory.sockets.flatMap((s) => s.owners.filter((o) => o.exe !== null).map((o) => o.pid)));
    const masquerades = findFindings(inventory, { aliases: filesystemExecutableAliases('/proc', true) }).filter((f) => f.kind === 'masquerade');
    expect(masquerades.map((f) => f.reason)).toEqual([]);
    console.info(`live masquerade check: ${owners.size} socket-owning processes with a readable exe, 0 masquerade findings`);
    expect(owners.size).toBeGreaterThan(0);
  });

  it('finds no masquerading process among every process of this machine', () => {
    const aliases = filesystemExecutableAliases('/proc', true);
    const read = (file: string, how: (f: string) => string) => {
      try {
        return how(file);
      } catch {
        return null;
      }
    };
    let judged = 0;
    const reasons: string[] = [];
    for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      const pid = Number(name);
      const exe = read(`/proc/${pid}/exe`, fs.readlinkSync);
      if (exe === null) continue;
      const comm = read(`/proc/${pid}/comm`, (f) => fs.readFileSync(f, 'utf8').replace(/\n$/, ''));
      const cmdline = read(`/proc/${pid}/cmdline`, (f) => fs.readFileSync(f, 'utf8').replace(/\0+$/, '').split('\0').join(' '));
      judged++;
      const reason = masqueradeReason({ pid, comm, exe, cmdline }, aliases);
      if (reason !== null) reasons.push(`${pid}: ${reason}`);
    }
    console.info(`live masquerade check: ${judged} processes with a readable exe, ${reasons.length} findings`);
    expect(reasons).toEqual([]);
  });
});
