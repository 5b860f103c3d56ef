import { describe, expect, it } from 'vitest';
import { historyPeriods, type VersionSpan } from '../../src/review/history-periods.js';
import { makeOwner, makeRecord } from '../store/make-record.js';

const snapshots = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => ({ id, takenAt: `2026-11-0${id}T00:00:00Z` }));
const at = (id: number) => ({ id, takenAt: `2026-11-0${id}T00:00:00Z` });

function version(opened: number, closed: number | null, pid: number, overrides: Parameters<typeof makeRecord>[0] = {}): VersionSpan {
  return { record: makeRecord({ owners: [makeOwner({ pid })], ...overrides }), openedIn: at(opened), closedIn: closed === null ? null : at(closed) };
}

describe('historyPeriods', () => {
  it('joins versions that follow each other without a gap (a restart) into one period', () => {
    const periods = historyPeriods([version(1, 5, 520), version(5, null, 777)], snapshots);
    expect(periods).toEqual([
      {
        socket: 'tcp 0.0.0.0:22',
        netnsName: 'host',
        family: 'tcp',
        state: 'LISTEN',
        firstSeen: at(1),
        lastSeen: at(9),
        goneIn: null,
        snapshotCount: 9,
        owners: [{ exe: '/usr/sbin/sshd', comm: 'sshd', user: 'root', pids: [520, 777] }],
      },
    ]);
  });

  it('a gap makes two periods; the last seen snapshot is the one before the closing one', () => {
    const periods = historyPeriods([version(7, null, 9), version(1, 3, 8)], snapshots);
    expect(periods.map((p) => [p.firstSeen.id, p.lastSeen.id, p.goneIn?.id ?? null, p.snapshotCount])).toEqual([
      [1, 2, 3, 2],
      [7, 9, null, 3],
    ]);
  });

  it('other sockets (another address, another namespace) are other periods', () => {
    const periods = historyPeriods(
      [version(1, null, 1), version(1, null, 2, { ipVersion: 6, localAddress: '::', v6only: true, v6onlySource: 'socket' }), version(2, 4, 3, { netns: 99, netnsName: 'web' })],
      snapshots,
    );
    expect(periods.map((p) => `${p.socket} ${p.netnsName} ${p.firstSeen.id}-${p.lastSeen.id}`)).toEqual([
      'tcp 0.0.0.0:22 host 1-9',
      'tcp6 [::]:22 host 1-9',
      'tcp 0.0.0.0:22 web 2-3',
    ]);
  });

  it('counts only the snapshots the host has (ids of other hosts interleave)', () => {
    const sparse = [1, 4, 8, 12].map(at);
    const [period] = historyPeriods([version(4, 12, 1)], sparse);
    expect(period).toMatchObject({ firstSeen: at(4), lastSeen: at(8), snapshotCount: 2 });
  });
});
