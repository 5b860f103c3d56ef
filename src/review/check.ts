import { ephemeralPortsOf } from '../inventory/ephemeral-ports.js';
import { exposureRank, isDualStack, reachedIpVersions } from '../inventory/exposure.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import {
  entryPlaceMatches,
  comparableExe,
  isPoliced,
  type AcceptedFinding,
  type AllowedListener,
  type Baseline,
} from './baseline.js';
import type { Finding } from './finding.js';
import { listeningPort } from './listening-report.js';
import { socketLabel } from './socket-label.js';

export type ViolationKind =
  | 'unexpected-listener'
  | 'exposure-wider'
  | 'ip-version-wider'
  | 'different-exe'
  | 'different-user'
  | 'expired-entry'
  | 'unaccepted-finding';

const VIOLATION_ORDER: readonly ViolationKind[] = [
  'unexpected-listener',
  'exposure-wider',
  'ip-version-wider',
  'different-exe',
  'different-user',
  'expired-entry',
  'unaccepted-finding',
];

export interface Violation {
  kind: ViolationKind;
  /** one line: what is wrong, with the port and the owner. */
  message: string;
  /** the socket concerned, e.g. `tcp 0.0.0.0:8080`; null for an expired entry no longer in use. */
  socket: string | null;
  family: string | null;
  port: number | null;
  netns: string | null;
  exe: string | null;
  pids: number[];
}

export interface CheckedFinding extends Finding {
  accepted: boolean;
}

export interface CheckResult {
  violations: Violation[];
  findings: CheckedFinding[];
}

function isExpired(expires: string | null | undefined, now: Date): boolean {
  return expires !== null && expires !== undefined && Date.parse(expires) <= now.getTime();
}

/** An entry's IP version: 4 for `tcp4`, 6 for `tcp6`, null for `tcp` (both). */
function entryIpVersion(entry: AllowedListener): 4 | 6 | null {
  return entry.family.endsWith('4') ? 4 : entry.family.endsWith('6') ? 6 : null;
}

/**
 * Whether an entry is about the socket: its family, and an IP version the socket can be
 * reached over (reachedIpVersions: an IPv4-mapped address is IPv4; a dual-stack socket
 * both). Whether the entry allows every version the socket answers is decided apart.
 */
function familyMatches(entry: AllowedListener, socket: SocketRecord, versions: readonly (4 | 6)[]): boolean {
  const version = entryIpVersion(entry);
  if (version === null) return entry.family === socket.family;
  return entry.family === `${socket.family}${version}` && (versions.length === 0 || versions.includes(version));
}

/** Why a socket answers an IP version its entries do not allow, for the violation. */
function ipVersionReason(socket: SocketRecord, allowed: readonly AllowedListener[]): string {
  const families = [...new Set(allowed.map((entry) => entry.family))].join(', ');
  const dual = isDualStack(socket);
  if (dual === null) {
    return `it is bound to [::] and its IPV6_V6ONLY is not known (not recorded in this snapshot), so it may accept IPv4 too, where the baseline allows ${families} (one IP version) only`;
  }
  const how = socket.v6onlySource === 'inferred' ? "IPV6_V6ONLY off, inferred from the namespace's net.ipv6.bindv6only" : 'IPV6_V6ONLY off';
  return `it is dual-stack (bound to [::] with ${how}) and accepts IPv4 too, where the baseline allows ${families} (one IP version) only`;
}

/**
 * Whether an entry covers the socket's slot: its port (or the ephemeral range). A packet
 * socket has no port, so its slot is its program: a sniffer in a new exe is unexpected,
 * not "a different exe on an allowed port".
 */
function slotMatches(entry: AllowedListener, socket: SocketRecord, exes: readonly string[], range: [number, number]): boolean {
  if (socket.family === 'packet') return entry.exe === null || exes.length === 0 || exes.includes(entry.exe);
  const port = listeningPort(socket);
  if (entry.port === 'ephemeral') return port !== null && port >= range[0] && port <= range[1];
  return entry.port === port;
}

function describeEntry(entry: AllowedListener): string {
  const port = entry.port === null ? '' : ` port ${entry.port}`;
  return `${entry.family}${port} (${entry.exe ?? 'any exe'}, netns ${entry.netns})`;
}

function ownerText(socket: SocketRecord): string {
  const owner = socket.owners[0];
  if (owner === undefined) return 'an unknown process';
  const more = socket.owners.length > 1 ? ` +${socket.owners.length - 1}` : '';
  return `${owner.exe ?? owner.comm ?? '?'} (pid ${owner.pid}${owner.user !== null ? `, ${owner.user}` : ''}${more})`;
}

/**
 * Holds an inventory against a baseline (see Baseline). Every policed listener (inet and
 * packet; unix sockets are not network-reachable and not policed) must be allowed by a
 * current entry of its family, port and netns, for every IP version it answers (a `tcp6`
 * entry does not allow a dual-stack listener), run by that entry's exe (and user, if set),
 * at no wider exposure; every expired entry is a violation; every high-severity finding
 * must be accepted by kind and exe. `now` decides expiry.
 */
export function checkAgainstBaseline(inventory: Inventory, findings: readonly Finding[], baseline: Baseline, now: Date): CheckResult {
  const range = ephemeralPortsOf(inventory);
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const report = (violation: Violation) => {
    const key = `${violation.kind} ${violation.netns} ${violation.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    violations.push(violation);
  };

  const expiredInUse = new Set<AllowedListener>();
  for (const socket of inventory.sockets) {
    if (!isPoliced(socket)) continue;
    const label = socketLabel(socket);
    const exes = socket.owners.flatMap((owner) => (owner.exe === null ? [] : [comparableExe(owner.exe)!]));
    const users = socket.owners.flatMap((owner) => (owner.user === null ? [] : [owner.user]));
    const base = {
      socket: label,
      family: socket.family,
      port: socket.family === 'packet' ? null : listeningPort(socket),
      netns: socket.netnsName,
      exe: socket.owners[0]?.exe ?? null,
      pids: [...new Set(socket.owners.map((owner) => owner.pid))].sort((a, b) => a - b),
    };
    const where = `${label} in netns ${socket.netnsName}, held by ${ownerText(socket)}`;
    const versions = reachedIpVersions(socket);
    const candidates = baseline.listeners.filter(
      (entry) => entryPlaceMatches(entry, socket) && familyMatches(entry, socket, versions) && slotMatches(entry, socket, exes, range),
    );
    const current = candidates.filter((entry) => !isExpired(entry.expires, now));
    if (current.length === 0) {
      const expired = candidates.filter((entry) => isExpired(entry.expires, now));
      if (expired.length > 0) expired.forEach((entry) => expiredInUse.add(entry));
      else report({ kind: 'unexpected-listener', message: `unexpected listener ${where}: not in the baseline`, ...base });
      continue;
    }
    // a `tcp6` entry allows IPv6 only: not a dual-stack socket, which answers IPv4 too
    const allowedVersions = new Set(current.flatMap((entry) => (entryIpVersion(entry) === null ? [4, 6] : [entryIpVersion(entry)!])));
    if (!versions.every((version) => allowedVersions.has(version))) {
      report({ kind: 'ip-version-wider', message: `IP version wider than allowed: ${where}; ${ipVersionReason(socket, current)}`, ...base });
      continue;
    }
    // an unknown owner (not root, process gone) cannot be held against exe or user
    const byExe = exes.length === 0 ? current : current.filter((entry) => entry.exe === null || exes.includes(entry.exe));
    if (byExe.length === 0) {
      const allowed = [...new Set(current.map((entry) => entry.exe ?? 'any'))].join(', ');
      report({ kind: 'different-exe', message: `different exe on an allowed port: ${where}; the baseline allows ${allowed}`, ...base });
      continue;
    }
    const byUser = users.length === 0 ? byExe : byExe.filter((entry) => entry.user === null || entry.user === undefined || users.includes(entry.user));
    if (byUser.length === 0) {
      const allowed = [...new Set(byExe.map((entry) => entry.user))].join(', ');
      report({ kind: 'different-user', message: `different user on an allowed port: ${where}; the baseline allows user ${allowed}`, ...base });
      continue;
    }
    const exposure = socket.exposure;
    if (socket.family !== 'packet' && exposure !== null) {
      const widest = byUser.reduce((max, entry) => Math.max(max, exposureRank(entry.exposure ?? 'wildcard')), -1);
      if (exposureRank(exposure) > widest) {
        const allowed = byUser.find((entry) => entry.exposure !== null && exposureRank(entry.exposure) === widest)?.exposure ?? 'loopback';
        report({ kind: 'exposure-wider', message: `exposure wider than allowed: ${where}, listens on ${exposure} (${socket.localAddress}) where the baseline allows up to ${allowed}`, ...base });
      }
    }
  }

  for (const entry of baseline.listeners) {
    if (!isExpired(entry.expires, now)) continue;
    const inUse = expiredInUse.has(entry);
    report({
      kind: 'expired-entry',
      message: `expired baseline entry: ${describeEntry(entry)} expired ${entry.expires}${inUse ? ' and still listens' : ''}`,
      socket: null,
      family: entry.family,
      port: typeof entry.port === 'number' ? entry.port : null,
      netns: entry.netns,
      exe: entry.exe,
      pids: [],
    });
  }
  for (const entry of baseline.acceptedFindings) {
    if (!isExpired(entry.expires, now)) continue;
    report({
      kind: 'expired-entry',
      message: `expired accepted finding: ${entry.kind} of ${entry.exe ?? 'an unknown owner'} expired ${entry.expires}`,
      socket: null,
      family: null,
      port: null,
      netns: null,
      exe: entry.exe,
      pids: [],
    });
  }

  const checked = findings.map((finding) => ({ ...finding, accepted: isAccepted(finding, baseline.acceptedFindings, now) }));
  for (const finding of checked) {
    if (finding.severity !== 'high' || finding.accepted) continue;
    report({
      kind: 'unaccepted-finding',
      message: `${finding.kind} not accepted by the baseline: ${finding.reason}`,
      socket: finding.socket,
      family: null,
      port: null,
      netns: finding.netnsName,
      exe: finding.exe,
      pids: finding.pid === null ? [] : [finding.pid],
    });
  }
  violations.sort((a, b) => VIOLATION_ORDER.indexOf(a.kind) - VIOLATION_ORDER.indexOf(b.kind) || a.message.localeCompare(b.message));
  return { violations, findings: checked };
}

/**
 * Whether a baseline entry accepts a finding: the same kind and exe, and each of netns, port
 * and exposure that the entry names (an entry from an older baseline names none of them and
 * accepts the kind and exe anywhere). A listener finding is accepted up to the entry's
 * exposure: an entry for loopback does not accept the same program on every address.
 */
function isAccepted(finding: Finding, accepted: readonly AcceptedFinding[], now: Date): boolean {
  const exe = comparableExe(finding.exe);
  return accepted.some(
    (entry) =>
      entry.kind === finding.kind &&
      comparableExe(entry.exe) === exe &&
      (entry.netns === undefined || entry.netns === null || entry.netns === finding.netnsName) &&
      (entry.port === undefined || entry.port === null || entry.port === finding.port) &&
      (entry.exposure === undefined ||
        entry.exposure === null ||
        (finding.exposure !== null && exposureRank(finding.exposure) <= exposureRank(entry.exposure))) &&
      !isExpired(entry.expires, now),
  );
}
