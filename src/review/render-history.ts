import type { HistoryPeriod } from './history-periods.js';
import { escapeText } from '../render/escape-text.js';
import { alignColumns } from './text-columns.js';

function ownersText(period: HistoryPeriod): string {
  if (period.owners.length === 0) return 'owner unknown';
  return period.owners
    .map((owner) => `${owner.exe ?? owner.comm ?? '?'} (${[owner.comm, owner.user, `pid ${owner.pids.join(',')}`].filter((part) => part !== null).join(', ')})`)
    .join('; ');
}

/**
 * `history` as text: one line per period, oldest first.
 *
 * @example
 *   tcp 0.0.0.0:22  host  #1 2026-11-20T10:00:00.000Z  #57 2026-11-25T12:00:00.000Z  57 snapshots, still there  /usr/sbin/sshd (sshd, root, pid 520)
 */
export function renderHistory(host: string, description: string, periods: readonly HistoryPeriod[]): string {
  if (periods.length === 0) return `${escapeText(`no stored socket of ${host} matches ${description}`)}\n`;
  const rows = [['SOCKET', 'NETNS', 'FIRST SEEN', 'LAST SEEN', 'SPAN', 'OWNERS']];
  for (const period of periods) {
    rows.push([
      `${period.socket}${period.state === 'LISTEN' || period.state === 'UNCONN' ? '' : ` ${period.state}`}`,
      period.netnsName,
      `#${period.firstSeen.id} ${period.firstSeen.takenAt}`,
      `#${period.lastSeen.id} ${period.lastSeen.takenAt}`,
      `${period.snapshotCount} snapshot${period.snapshotCount === 1 ? '' : 's'}, ${period.goneIn === null ? 'still there' : `gone in #${period.goneIn.id}`}`,
      ownersText(period),
    ]);
  }
  return `${escapeText(`history of ${description} on ${host}`)}: ${periods.length} period${periods.length === 1 ? '' : 's'}\n` + alignColumns(rows).join('\n') + '\n';
}

export function historyJson(host: string, filter: object, periods: readonly HistoryPeriod[]): string {
  return JSON.stringify({ host, filter, periods }, null, 2) + '\n';
}
