import { exeWithStartedName } from '../inventory/exe-match.js';
import { versionedFamily } from '../inventory/exposure.js';
import { escapeText } from '../render/escape-text.js';
import { anyContainer, containerCell, targetLabel } from '../render/container-text.js';
import { localEndpoint, netidOf } from '../render/format-endpoint.js';
import type { Finding } from './finding.js';
import { LISTENING_GROUPS, type ListeningEntry } from './listening-report.js';
import { alignColumns, bold, severityText } from './text-columns.js';

export interface ListeningSource {
  /** `snapshot` for a stored snapshot, `collection` for a fresh look at /proc. */
  kind: 'snapshot' | 'collection';
  id: number | null;
  host: string;
  takenAt: string;
}

const GROUP_TITLES: Record<string, string> = {
  wildcard: 'wildcard: every address',
  specific: 'specific addresses',
  'link-local': 'link-local addresses',
  loopback: 'loopback: this host only',
  interface: 'packet sockets: whole frames on an interface',
  local: 'unix sockets: this host only',
};

/**
 * `listening` as text: one block per exposure group, widest first, with protocol, local end,
 * namespace, owner exe, user and pids; then the findings, most severe first.
 *
 * @example
 *   listening on web1, snapshot 12 taken 2026-11-25T12:00:00.000Z
 *
 *   wildcard: every address
 *     tcp  0.0.0.0:22  host  /usr/sbin/sshd  root  812
 *   ...
 * With containers, a CONTAINER column, and published ports with their target:
 *     tcp  0.0.0.0:8080 -> container web:80  host             -      /usr/bin/docker-proxy  root  1500
 *     tcp  0.0.0.0:80                        container web    web    /usr/sbin/nginx        root  2001,2002
 *     tcp  127.0.0.1:6379 -> container redis-1:6379  host  -  (published: DNAT, no host listener)  -  -
 *   findings
 *     low  root-wildcard-listener  sshd (pid 812, root) listens on every address as root (tcp 0.0.0.0:22)
 */
export function renderListening(source: ListeningSource, entries: readonly ListeningEntry[], findings: readonly Finding[], color: boolean): string {
  const what = source.kind === 'snapshot' ? `snapshot ${source.id} taken ${source.takenAt}` : `now (${source.takenAt}, not stored)`;
  const lines: string[] = [escapeText(`listening on ${source.host}, ${what}`)];
  const containers = anyContainer(entries);
  for (const group of LISTENING_GROUPS) {
    const members = entries.filter((entry) => entry.group === group);
    if (members.length === 0) continue;
    lines.push('', bold(GROUP_TITLES[group]!, color));
    const rows = [['PROTO', 'LOCAL', 'NETNS', ...(containers ? ['CONTAINER'] : []), 'EXE', 'USER', 'PIDS']];
    for (const entry of members) {
      // named by the IP versions it answers: `tcp` for IPv4 (and a dual-stack socket, whose
      // LOCAL says v4+v6), `tcp6` for IPv6 only
      const proto = entry.family === 'packet' || entry.family === 'unix' ? netidOf(entry) : versionedFamily(entry);
      const local = entry.publishedTo === null ? localEndpoint(entry) : `${localEndpoint(entry)} ${targetLabel(entry.publishedTo)}`;
      rows.push([
        proto,
        local,
        entry.netnsName,
        ...(containers ? [containerCell(entry)] : []),
        entry.published ? '(published: DNAT, no host listener)' : exesText(entry),
        entry.users.length > 0 ? entry.users.join(',') : '-',
        entry.pids.length > 0 ? entry.pids.join(',') : '-',
      ]);
    }
    lines.push(...alignColumns(rows, '  '));
  }
  if (entries.length === 0) lines.push('', 'nothing listens');
  lines.push('', bold('findings', color));
  if (findings.length === 0) lines.push('  none');
  else lines.push(...alignColumns(findings.map((finding) => [severityText(finding.severity, false), finding.kind, finding.reason]), '  ').map((line) => colorSeverity(line, color)));
  return lines.join('\n') + '\n';
}

/** colour the severity word after alignment, so escape codes do not upset the padding. */
function colorSeverity(line: string, color: boolean): string {
  if (!color) return line;
  return line.replace(/^(\s*)(high|medium|low)/, (_, space: string, severity: 'high' | 'medium' | 'low') => space + severityText(severity, true));
}

/**
 * The owners' exes, each with the name it was started as where that differs (issue 15:
 * `redis-server` runs as /usr/bin/redis-check-rdb): `/usr/bin/redis-check-rdb (as redis-server)`.
 */
function exesText(entry: ListeningEntry): string {
  const exes = [...new Set(entry.owners.flatMap((owner) => {
    const exe = exeWithStartedName(owner);
    return exe === null ? [] : [exe];
  }))].sort();
  return exes.length > 0 ? exes.join(',') : '-';
}

/** `listening --json`: `{ source, listeners: [...socket record + group, exes, users, pids], findings }`. */
export function listeningJson(source: ListeningSource, entries: readonly ListeningEntry[], findings: readonly Finding[]): string {
  return JSON.stringify({ source, listeners: entries, findings }, null, 2) + '\n';
}
