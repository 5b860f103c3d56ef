import { describe, expect, it } from 'vitest';
import { createBaseline, type Baseline } from '../../src/review/baseline.js';
import { checkAgainstBaseline } from '../../src/review/check.js';
import { findFindings } from '../../src/review/findings.js';
import { makeInventory, makeOwner, makeRecord } from '../store/make-record.js';
import { collectFixture } from './review-fixtures.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const kinds = (result: ReturnType<typeof checkAgainstBaseline>) => result.violations.map((v) => `${v.kind} ${v.socket ?? v.exe}`);

function check(inventory: ReturnType<typeof makeInventory>, baseline: Baseline) {
  return checkAgainstBaseline(inventory, findFindings(inventory), baseline, NOW);
}

describe('createBaseline then check', () => {
  it('the same inventory right after passes', async () => {
    for (const name of ['clean-host', 'drifted-host'] as const) {
      const inventory = await collectFixture(name);
      const findings = findFindings(inventory);
      const baseline = createBaseline(inventory, findings, { snapshot: 7, now: NOW });
      expect(checkAgainstBaseline(inventory, findings, baseline, NOW).violations).toEqual([]);
    }
  });

  it('records each listener once per program and port, at its widest exposure', async () => {
    const baseline = createBaseline(await collectFixture('clean-host'), [], { snapshot: 7, now: NOW });
    expect(baseline).toMatchObject({ sockauditBaseline: 1, host: 'web1', snapshot: 7, createdAt: '2026-11-25T12:00:00.000Z' });
    expect(baseline.listeners.map((l) => `${l.family} ${l.port} ${l.exposure} ${l.exe} ${l.user}`)).toEqual([
      'packet null null /usr/sbin/dhclient root',
      'tcp 22 wildcard /usr/sbin/sshd root',
      'tcp 80 wildcard /usr/sbin/nginx root',
      'tcp 5432 loopback /usr/lib/postgresql/15/bin/postgres postgres',
      'tcp 8000 loopback /usr/bin/python3.11 www-data',
      'tcp 9100 specific /usr/bin/prometheus-node-exporter nobody',
      'udp 68 wildcard /usr/sbin/dhclient root',
      'udp 323 loopback /usr/sbin/chronyd _chrony',
      'udp 546 link-local /usr/sbin/dhclient root',
      // dhclient's random client port
      'udp ephemeral wildcard /usr/sbin/dhclient root',
    ]);
  });

  it('the drifted host against the clean baseline: every kind of violation', async () => {
    const clean = await collectFixture('clean-host');
    const baseline = createBaseline(clean, findFindings(clean), { snapshot: 1, now: NOW });
    const drifted = await collectFixture('drifted-host');
    const result = checkAgainstBaseline(drifted, findFindings(drifted), baseline, NOW);
    expect(kinds(result)).toEqual([
      'unexpected-listener packet dgram all-interfaces proto IPv4',
      'unexpected-listener raw 0.0.0.0 proto 6',
      'unexpected-listener tcp 0.0.0.0:4444',
      'exposure-wider tcp 0.0.0.0:8000',
      'different-exe tcp 0.0.0.0:80',
      // sorted by message: exe-deleted, exe-in-temp-dir (x2), masquerade (x2), packet-socket
      'unaccepted-finding packet dgram all-interfaces proto IPv4',
      'unaccepted-finding tcp 0.0.0.0:4444',
      'unaccepted-finding packet dgram all-interfaces proto IPv4',
      'unaccepted-finding tcp 10.0.0.5:41000',
      'unaccepted-finding packet dgram all-interfaces proto IPv4',
      'unaccepted-finding packet dgram all-interfaces proto IPv4',
    ]);
    expect(result.violations.filter((v) => v.kind === 'unaccepted-finding').map((v) => v.message.split(' ')[0])).toEqual([
      'exe-deleted',
      'exe-in-temp-dir',
      'exe-in-temp-dir',
      'masquerade',
      'masquerade',
      'packet-socket',
    ]);
    const byKind = (kind: string) => result.violations.find((v) => v.kind === kind)!;
    expect(byKind('exposure-wider').message).toBe(
      'exposure wider than allowed: tcp 0.0.0.0:8000 in netns host, held by /usr/bin/python3.11 (pid 800, www-data), listens on wildcard (0.0.0.0) where the baseline allows up to loopback',
    );
    expect(byKind('different-exe')).toMatchObject({ port: 80, exe: '/usr/sbin/apache2', pids: [2600] });
    expect(byKind('different-exe').message).toMatch(/the baseline allows \/usr\/sbin\/nginx$/);
    // medium and low findings never fail the check
    expect(result.findings.find((f) => f.kind === 'raw-socket')).toMatchObject({ accepted: false, severity: 'medium' });
  });
});

describe('check rules', () => {
  const sshd = makeOwner();
  const listener = (overrides: Parameters<typeof makeRecord>[0] = {}) => makeRecord({ owners: [sshd], ...overrides });
  const allow = (overrides: Partial<Baseline['listeners'][number]> = {}): Baseline => ({
    sockauditBaseline: 1,
    createdAt: '',
    host: 'testhost',
    snapshot: null,
    listeners: [{ family: 'tcp', port: 22, exposure: 'wildcard', exe: '/usr/sbin/sshd', netns: 'host', user: null, ...overrides }],
    acceptedFindings: [{ kind: 'root-wildcard-listener', exe: '/usr/sbin/sshd' }],
  });

  it('an allowed listener passes; the same port in another namespace does not', () => {
    expect(kinds(check(makeInventory([listener()]), allow()))).toEqual([]);
    expect(kinds(check(makeInventory([listener({ netnsName: 'web-container' })]), allow()))).toEqual(['unexpected-listener tcp 0.0.0.0:22']);
  });

  it('a narrower exposure than allowed is fine, a wider one is not', () => {
    const loopback = listener({ localAddress: '127.0.0.1', exposure: 'loopback' });
    expect(kinds(check(makeInventory([loopback]), allow()))).toEqual([]);
    expect(kinds(check(makeInventory([listener({ localAddress: '10.0.0.5', exposure: 'specific' })]), allow({ exposure: 'loopback' })))).toEqual([
      'exposure-wider tcp 10.0.0.5:22',
    ]);
  });

  it('exe: null allows any program; a deleted exe is still the same program', () => {
    const other = listener({ owners: [makeOwner({ exe: '/usr/local/bin/dropbear', comm: 'dropbear', cmdline: 'dropbear' })] });
    expect(kinds(check(makeInventory([other]), allow({ exe: null })))).toEqual([]);
    const upgraded = listener({ owners: [makeOwner({ exe: '/usr/sbin/sshd (deleted)' })] });
    expect(kinds(check(makeInventory([upgraded]), allow())).filter((k) => !k.startsWith('unaccepted'))).toEqual([]);
  });

  it('an unknown owner (not root) is not held against exe or user', () => {
    expect(kinds(check(makeInventory([listener({ owners: [] })]), allow({ user: 'root' })))).toEqual([]);
  });

  it('user: one of the owners must run as it', () => {
    expect(kinds(check(makeInventory([listener()]), allow({ user: 'sshd' })))).toEqual(['different-user tcp 0.0.0.0:22']);
    const shared = listener({ owners: [sshd, makeOwner({ pid: 101, uid: 74, user: 'sshd' })] });
    expect(kinds(check(makeInventory([shared]), allow({ user: 'sshd' })))).toEqual([]);
  });

  it('family tcp6 allows IPv6 only', () => {
    expect(kinds(check(makeInventory([listener()]), allow({ family: 'tcp6' })))).toEqual(['unexpected-listener tcp 0.0.0.0:22']);
    expect(kinds(check(makeInventory([listener({ ipVersion: 6, localAddress: '::', v6only: true, v6onlySource: 'socket' })]), allow({ family: 'tcp6' })))).toEqual([]);
  });

  it('family tcp6 does not allow a dual-stack listener, nor one whose v6only is not known, and says why', () => {
    const dual = listener({ ipVersion: 6, localAddress: '::', v6only: false, v6onlySource: 'socket' });
    const result = check(makeInventory([dual]), allow({ family: 'tcp6' }));
    expect(kinds(result)).toEqual(['ip-version-wider tcp [::]:22 (v4+v6)']);
    expect(result.violations[0]!.message).toMatch(/dual-stack \(bound to \[::\] with IPV6_V6ONLY off\) and accepts IPv4 too, where the baseline allows tcp6 \(one IP version\) only/);
    const inferred = check(makeInventory([{ ...dual, v6onlySource: 'inferred' }]), allow({ family: 'tcp6' }));
    expect(inferred.violations[0]!.message).toMatch(/inferred from the namespace's net.ipv6.bindv6only/);
    const unknown = check(makeInventory([{ ...dual, v6only: null, v6onlySource: null }]), allow({ family: 'tcp6' }));
    expect(kinds(unknown)).toEqual(['ip-version-wider tcp6 [::]:22 (v4+v6?)']);
    expect(unknown.violations[0]!.message).toMatch(/IPV6_V6ONLY is not known .* may accept IPv4 too/);
    // a family without a version, or both versions, allow it
    expect(kinds(check(makeInventory([dual]), allow({ family: 'tcp' })))).toEqual([]);
    const both = allow({ family: 'tcp4' });
    both.listeners.push({ ...both.listeners[0]!, family: 'tcp6' });
    expect(kinds(check(makeInventory([dual]), both))).toEqual([]);
    // tcp4 alone does not either
    expect(kinds(check(makeInventory([dual]), allow({ family: 'tcp4' })))).toEqual(['ip-version-wider tcp [::]:22 (v4+v6)']);
  });

  it('an IPv4-mapped listener is IPv4: allowed by tcp4, not by tcp6', () => {
    const mapped = listener({ ipVersion: 6, localAddress: '::ffff:127.0.0.1', exposure: 'loopback', v6only: false, v6onlySource: 'socket' });
    expect(kinds(check(makeInventory([mapped]), allow({ family: 'tcp4', exposure: 'loopback' })))).toEqual([]);
    expect(kinds(check(makeInventory([mapped]), allow({ family: 'tcp6', exposure: 'loopback' })))).toEqual(['unexpected-listener tcp [::ffff:127.0.0.1]:22']);
  });

  it('expired entries are violations, whether or not something still listens', () => {
    expect(kinds(check(makeInventory([listener()]), allow({ expires: '2026-11-01' })))).toEqual(['expired-entry /usr/sbin/sshd']);
    const result = check(makeInventory([]), allow({ expires: '2026-11-01' }));
    expect(result.violations.map((v) => v.message)).toEqual(['expired baseline entry: tcp port 22 (/usr/sbin/sshd, netns host) expired 2026-11-01']);
    expect(kinds(check(makeInventory([listener()]), allow({ expires: '2026-12-31' })))).toEqual([]);
  });

  it('ephemeral allows any port of the range, for that program only', () => {
    const udp = (port: number, exe: string) =>
      makeRecord({ family: 'udp', state: 'UNCONN', localPort: port, owners: [makeOwner({ exe, comm: exe.split('/').pop()!, cmdline: exe, uid: 1000, user: 'bob' })] });
    const baseline = allow({ family: 'udp', port: 'ephemeral', exe: '/usr/sbin/dhclient' });
    expect(kinds(check(makeInventory([udp(40000, '/usr/sbin/dhclient')]), baseline))).toEqual([]);
    expect(kinds(check(makeInventory([udp(40000, '/tmp/x')]), baseline))).toEqual(['different-exe udp 0.0.0.0:40000', 'unaccepted-finding udp 0.0.0.0:40000']);
    expect(kinds(check(makeInventory([udp(5000, '/usr/sbin/dhclient')]), baseline))).toEqual(['unexpected-listener udp 0.0.0.0:5000']);
  });

  it('unix listeners are not policed', () => {
    const unix = makeRecord({ family: 'unix', ipVersion: null, type: 'stream', path: '/run/x.sock', localAddress: null, localPort: null, exposure: null, owners: [sshd] });
    expect(kinds(check(makeInventory([unix]), allow()))).toEqual([]);
  });

  it('accepted findings match by kind and exe, until they expire', () => {
    const dropper = listener({ localAddress: '127.0.0.1', exposure: 'loopback', owners: [makeOwner({ exe: '/tmp/tool', comm: 'tool', cmdline: 'tool', uid: 1000, user: 'bob' })] });
    const baseline: Baseline = { ...allow({ exe: null }), acceptedFindings: [{ kind: 'exe-in-temp-dir', exe: '/tmp/tool', expires: null }] };
    expect(kinds(check(makeInventory([dropper]), baseline))).toEqual([]);
    const expired: Baseline = { ...baseline, acceptedFindings: [{ kind: 'exe-in-temp-dir', exe: '/tmp/tool', expires: '2026-01-01' }] };
    expect(kinds(check(makeInventory([dropper]), expired))).toEqual(['expired-entry /tmp/tool', 'unaccepted-finding tcp 127.0.0.1:22']);
  });

  it('accepted findings are keyed by netns and, for listeners, by port and exposure', () => {
    const accepted = (baseline: Baseline, socket: ReturnType<typeof listener>) =>
      check(makeInventory([socket]), baseline).findings.find((f) => f.kind === 'root-wildcard-listener')?.accepted;
    const entry = { kind: 'root-wildcard-listener' as const, exe: '/usr/sbin/sshd', netns: 'host', port: 22, exposure: 'wildcard' as const };
    const baseline: Baseline = { ...allow(), acceptedFindings: [entry] };
    expect(accepted(baseline, listener())).toBe(true);
    expect(accepted(baseline, listener({ localPort: 2222 }))).toBe(false);
    expect(accepted(baseline, listener({ netnsName: 'web-container' }))).toBe(false);
    // an entry for a narrower exposure does not accept the wildcard listener
    expect(accepted({ ...baseline, acceptedFindings: [{ ...entry, exposure: 'specific' }] }, listener())).toBe(false);
    // an entry from a baseline written before these keys accepts the kind and exe anywhere
    expect(accepted({ ...baseline, acceptedFindings: [{ kind: 'root-wildcard-listener', exe: '/usr/sbin/sshd' }] }, listener({ localPort: 2222, netnsName: 'x' }))).toBe(true);
  });

  it('baseline create writes accepted findings with netns, port and exposure, and comments without pids', async () => {
    const inventory = await collectFixture('clean-host');
    const baseline = createBaseline(inventory, findFindings(inventory), { snapshot: 7, now: NOW });
    const sshd = baseline.acceptedFindings.find((f) => f.exe === '/usr/sbin/sshd');
    expect(sshd).toEqual({
      kind: 'root-wildcard-listener',
      exe: '/usr/sbin/sshd',
      netns: 'host',
      port: 22,
      exposure: 'wildcard',
      comment: 'sshd as root: root-wildcard-listener on tcp6 [::]:22',
      expires: null,
    });
    for (const finding of baseline.acceptedFindings) expect(finding.comment).not.toMatch(/pid/);
    // dhclient's client port is picked anew at each start: its entry names no port
    expect(baseline.acceptedFindings.filter((f) => f.exe === '/usr/sbin/dhclient' && f.kind === 'root-wildcard-listener').map((f) => f.port ?? 'any')).toEqual(['any', 68]);
  });
});
