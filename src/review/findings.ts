import { ephemeralPortsOf, isEphemeralListener } from '../inventory/ephemeral-ports.js';
import { isListening } from '../inventory/listening.js';
import type { Inventory, SocketOwner, SocketRecord } from '../model/socket-record.js';
import { SEVERITY_RANK, type Finding, type FindingKind, type Severity } from './finding.js';
import { exeWithoutDeletedSuffix, masqueradeReason, type ExecutableAliases } from './masquerade.js';
import { listeningPort } from './listening-report.js';
import { ethertypeName, socketLabel } from './socket-label.js';

export interface FindingOptions {
  /** resolves symlinked command names for masquerade detection; absent for fixtures. */
  aliases?: ExecutableAliases;
}

const TEMP_DIRECTORIES = ['/tmp/', '/var/tmp/', '/dev/shm/'];

/** Programs that open packet sockets for a living: DHCP, LLDP, 802.1X, router advertisements. */
const KNOWN_PACKET_USERS = new Set([
  'dhclient',
  'dhcpcd',
  'udhcpc',
  'systemd-networkd',
  'networkmanager',
  'wpa_supplicant',
  'hostapd',
  'lldpd',
  'ladvd',
  'radvd',
  'dnsmasq',
  'keepalived',
  'arpwatch',
]);

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isInTempDirectory(exe: string): boolean {
  return TEMP_DIRECTORIES.some((directory) => exe.startsWith(directory));
}

function processName(owner: SocketOwner): string {
  return `${owner.comm ?? '?'} (pid ${owner.pid}${owner.user !== null ? `, ${owner.user}` : ''})`;
}

/**
 * Every finding of an inventory (see FindingKind), one per process for facts about a process
 * (exe deleted, in a temp dir, masquerading) and one per socket for facts about a socket,
 * sorted by severity, kind, exe, pid.
 */
export function findFindings(inventory: Inventory, options: FindingOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const ephemeral = ephemeralPortsOf(inventory);
  const seen = new Set<string>();
  const add = (finding: Finding, dedupeKey: string) => {
    if (seen.has(dedupeKey)) return;
    seen.add(dedupeKey);
    findings.push(finding);
  };
  const base = (socket: SocketRecord, owner: SocketOwner | undefined, listener: boolean) => ({
    exe: owner?.exe ?? null,
    pid: owner?.pid ?? null,
    comm: owner?.comm ?? null,
    user: owner?.user ?? null,
    netnsName: socket.netnsName,
    socket: socketLabel(socket),
    port: listener && !isEphemeralListener(socket, ephemeral) ? listeningPort(socket) : null,
    exposure: listener ? socket.exposure : null,
  });

  for (const socket of inventory.sockets) {
    const firstOwner = socket.owners[0];
    for (const finding of socketFindings(socket)) {
      const listener = finding.kind !== 'packet-socket' && isListening(socket);
      add({ ...finding, ...base(socket, firstOwner, listener) }, `${finding.kind} ${socket.netns} ${socketLabel(socket)} ${firstOwner?.exe ?? ''}`);
    }
    for (const owner of socket.owners) {
      for (const finding of ownerFindings(owner, options)) {
        add({ ...finding, ...base(socket, owner, false) }, `${finding.kind} ${owner.pid}`);
      }
    }
  }
  return findings.sort(compareFindings);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    a.kind.localeCompare(b.kind) ||
    (a.exe ?? '').localeCompare(b.exe ?? '') ||
    (a.pid ?? -1) - (b.pid ?? -1) ||
    a.socket.localeCompare(b.socket)
  );
}

interface PartialFinding {
  kind: FindingKind;
  severity: Severity;
  reason: string;
}

function socketFindings(socket: SocketRecord): PartialFinding[] {
  const owner = socket.owners[0];
  const who = owner !== undefined ? processName(owner) : 'an unknown process';
  const findings: PartialFinding[] = [];
  if (socket.family === 'packet') {
    const exeName = owner?.exe !== null && owner?.exe !== undefined ? basename(exeWithoutDeletedSuffix(owner.exe)).toLowerCase() : '';
    const known = KNOWN_PACKET_USERS.has(exeName);
    findings.push({
      kind: 'packet-socket',
      severity: known ? 'medium' : 'high',
      reason: `possible sniffer: ${who} reads ${socket.type !== null ? `${socket.type} ` : ''}frames on ${socket.interface ?? 'all interfaces'}, protocol ${ethertypeName(socket.protocol)}${known ? ' (a network configuration daemon; expected)' : ''}`,
    });
  }
  if (socket.family === 'raw') {
    findings.push({
      kind: 'raw-socket',
      severity: 'medium',
      reason: `${who} holds a raw IPv${socket.ipVersion ?? '?'} socket for protocol ${socket.protocol ?? socket.localPort ?? '?'}: it sees every such packet, whatever the port`,
    });
  }
  if (socket.exposure === 'wildcard' && isListening(socket)) {
    const rootOwned = socket.owners.length > 0 ? socket.owners.some((o) => o.uid === 0) : socket.uid === 0;
    if (rootOwned) {
      findings.push({
        kind: 'root-wildcard-listener',
        severity: 'low',
        reason: `${who} listens on every address as root (${socketLabel(socket)})`,
      });
    }
  }
  return findings;
}

function ownerFindings(owner: SocketOwner, options: FindingOptions): PartialFinding[] {
  const findings: PartialFinding[] = [];
  const exe = owner.exe;
  if (exe === null) return findings;
  const path = exeWithoutDeletedSuffix(exe);
  const deleted = path !== exe;
  const inTemp = isInTempDirectory(path);
  if (inTemp) {
    findings.push({
      kind: 'exe-in-temp-dir',
      severity: 'high',
      reason: `${processName(owner)} runs ${exe}, from a world-writable temporary directory`,
    });
  }
  if (deleted) {
    findings.push({
      kind: 'exe-deleted',
      // a daemon not yet restarted after an upgrade is common; a deleted binary in /tmp is not
      severity: inTemp ? 'high' : 'medium',
      reason: inTemp
        ? `${processName(owner)} runs ${path}, which was deleted after it started (a dropper covering its tracks)`
        : `${processName(owner)} runs ${path}, which was deleted or replaced after it started (an upgrade not yet restarted, or a binary that removed itself)`,
    });
  }
  const masquerade = masqueradeReason(owner, options.aliases);
  if (masquerade !== null) {
    findings.push({ kind: 'masquerade', severity: 'high', reason: `${processName(owner)}: ${masquerade}` });
  }
  return findings;
}
