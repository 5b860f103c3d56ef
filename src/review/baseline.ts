import { ephemeralPortsOf, isEphemeralListener } from '../inventory/ephemeral-ports.js';
import { exposureRank } from '../inventory/exposure.js';
import { isListening } from '../inventory/listening.js';
import { containerIdentityName } from '../inventory/socket-key.js';
import type { Exposure, Inventory, SocketRecord } from '../model/socket-record.js';
import type { Finding, FindingKind } from './finding.js';
import { listeningPort } from './listening-report.js';
import { exeWithoutDeletedSuffix } from './masquerade.js';

/**
 * A baseline: the listeners a host is allowed to have and the findings accepted on it.
 * `baseline create` writes one from a snapshot; people edit it (comments, expiry dates,
 * wider or narrower exposures) and keep it in version control; `check` holds a snapshot
 * against it.
 */
export interface Baseline {
  /** format version of this file. */
  sockauditBaseline: 1;
  createdAt: string;
  host: string;
  /** the snapshot it was made from, null for a fresh collection. */
  snapshot: number | null;
  listeners: AllowedListener[];
  acceptedFindings: AcceptedFinding[];
}

/** Families `check` polices: network-reachable listeners and packet sockets. */
export const POLICED_FAMILIES = ['tcp', 'udp', 'udplite', 'raw', 'icmp', 'sctp', 'packet'] as const;
export type PolicedFamily = (typeof POLICED_FAMILIES)[number];

export interface AllowedListener {
  /** a family, or a family with its IP version (`tcp6`) to allow one version only. */
  family: string;
  /**
   * the local port (raw: the IP protocol); `ephemeral` for any port in the host's ephemeral
   * range (client-style UDP sockets and loopback helpers that bind a new port each start);
   * null for packet sockets.
   */
  port: number | 'ephemeral' | null;
  /** the widest exposure allowed; null for packet sockets. */
  exposure: Exposure | null;
  /** the owner's executable; null allows any. */
  exe: string | null;
  /** network namespace name (`host`, a /run/netns name, `container web`, `pod default/web-7d9f`, a comm). */
  netns: string;
  /**
   * the container (its name, or `namespace/pod/container` for a Kubernetes one): when set,
   * the entry allows that container's listener in whatever namespace the container is in
   * now (a recreated container gets a new one), and `netns` is not compared.
   */
  container?: string | null;
  /** when set, one of the owners must run as this user. */
  user?: string | null;
  comment?: string;
  /** ISO date (2026-12-31) or time after which the entry no longer allows anything. */
  expires?: string | null;
}

export interface AcceptedFinding {
  kind: FindingKind;
  /** the exe of the finding (" (deleted)" ignored); null accepts findings of unknown owners. */
  exe: string | null;
  /** network namespace name; absent or null accepts the finding in any namespace. */
  netns?: string | null;
  /** findings about a listener: its port (raw: IP protocol); absent or null accepts any port. */
  port?: number | null;
  /** findings about a listener: the widest exposure accepted; absent or null accepts any. */
  exposure?: Exposure | null;
  comment?: string;
  expires?: string | null;
}

/** Whether a baseline listener entry is about this socket's place: its container when the entry names one, else its namespace. */
export function entryPlaceMatches(entry: AllowedListener, socket: SocketRecord): boolean {
  if (entry.container !== undefined && entry.container !== null) return entry.container === containerIdentityName(socket);
  return entry.netns === socket.netnsName;
}

export function isPoliced(socket: SocketRecord): boolean {
  return (POLICED_FAMILIES as readonly string[]).includes(socket.family) && isListening(socket);
}

/** The owner's exe as a baseline compares it: without the kernel's " (deleted)". */
export function comparableExe(exe: string | null): string | null {
  return exe === null ? null : exeWithoutDeletedSuffix(exe);
}

/**
 * A baseline that allows exactly what listens in the inventory (each listener at its own
 * exposure, the widest where one program listens on a port at several) and accepts every
 * finding present, so that `check` of the same snapshot passes.
 */
export function createBaseline(inventory: Inventory, findings: readonly Finding[], options: { snapshot: number | null; now: Date }): Baseline {
  const range = ephemeralPortsOf(inventory);
  const listeners = new Map<string, AllowedListener>();
  for (const socket of inventory.sockets) {
    if (!isPoliced(socket)) continue;
    const owner = socket.owners[0];
    const entry: AllowedListener = {
      family: socket.family,
      port: socket.family === 'packet' ? null : isEphemeralListener(socket, range) ? 'ephemeral' : listeningPort(socket),
      exposure: socket.family === 'packet' ? null : (socket.exposure ?? 'wildcard'),
      exe: comparableExe(owner?.exe ?? null),
      netns: socket.netnsName,
      ...(containerIdentityName(socket) !== null ? { container: containerIdentityName(socket) } : {}),
      user: owner?.user ?? null,
      comment: '',
      expires: null,
    };
    const key = JSON.stringify([entry.netns, entry.container ?? null, entry.family, entry.port, entry.exe, entry.user]);
    const existing = listeners.get(key);
    if (existing === undefined) listeners.set(key, entry);
    else if (existing.exposure !== null && entry.exposure !== null && exposureRank(entry.exposure) > exposureRank(existing.exposure)) {
      existing.exposure = entry.exposure;
    }
  }
  const accepted = new Map<string, AcceptedFinding>();
  for (const finding of findings) {
    const entry = acceptedEntry(finding);
    accepted.set(JSON.stringify([entry.kind, entry.exe, entry.netns, entry.port ?? null, entry.exposure ?? null]), entry);
  }
  return {
    sockauditBaseline: 1,
    createdAt: options.now.toISOString(),
    host: inventory.meta.host,
    snapshot: options.snapshot,
    listeners: [...listeners.values()].sort(compareAllowed),
    acceptedFindings: [...accepted.values()].sort(
      (a, b) =>
        a.kind.localeCompare(b.kind) ||
        (a.exe ?? '').localeCompare(b.exe ?? '') ||
        (a.netns ?? '').localeCompare(b.netns ?? '') ||
        (a.port ?? -1) - (b.port ?? -1),
    ),
  };
}

/**
 * The entry that accepts one finding, as precisely as the finding allows: its kind, exe and
 * netns, and for a listener its port and exposure. The comment says what was accepted
 * without pids, which are stale by the next day.
 *
 * @example
 *   root-wildcard-listener of sshd (pid 812, root) on tcp 0.0.0.0:22 in host
 *     -> { kind: 'root-wildcard-listener', exe: '/usr/sbin/sshd', netns: 'host', port: 22, exposure: 'wildcard',
 *          comment: 'sshd as root: root-wildcard-listener on tcp 0.0.0.0:22' }
 */
export function acceptedEntry(finding: Finding): AcceptedFinding {
  const who = `${finding.comm ?? 'an unknown process'}${finding.user !== null ? ` as ${finding.user}` : ''}`;
  return {
    kind: finding.kind,
    exe: comparableExe(finding.exe),
    netns: finding.netnsName,
    ...(finding.port !== null ? { port: finding.port } : {}),
    ...(finding.exposure !== null ? { exposure: finding.exposure } : {}),
    comment: `${who}: ${finding.kind} on ${finding.socket}`,
    expires: null,
  };
}

function portOrder(port: AllowedListener['port']): number {
  return port === null ? -1 : port === 'ephemeral' ? 1e6 : port;
}

function compareAllowed(a: AllowedListener, b: AllowedListener): number {
  return (
    a.netns.localeCompare(b.netns) ||
    a.family.localeCompare(b.family) ||
    portOrder(a.port) - portOrder(b.port) ||
    (a.exe ?? '').localeCompare(b.exe ?? '') ||
    (a.user ?? '').localeCompare(b.user ?? '')
  );
}

/** The baseline file's text: stable key order, two-space indent. */
export function baselineJson(baseline: Baseline): string {
  return JSON.stringify(baseline, null, 2) + '\n';
}
