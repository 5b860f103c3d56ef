import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { SocketRecord } from '../../src/model/socket-record.js';
import { inetDiagCookie } from '../../src/proc/inet-diag-cookie.js';
import { parseByteSize, parseDuration, parseSince, splitCommand } from '../../src/options/parse-watch-options.js';
import { eventJson, eventText, type WatchEvent } from '../../src/watch/watch-event.js';
import { renderSeenBetweenSnapshots, seenOnlyByEvents } from '../../src/watch/between-snapshots.js';
import type { StoredWatchEvent } from '../../src/model/watch-event.js';
import { makeRecord } from '../store/make-record.js';
import { socketLabel } from '../../src/review/socket-label.js';

const listener: SocketRecord = makeRecord({
  localPort: 4444,
  remoteAddress: null,
  remotePort: null,
  inode: 12345,
  owners: [{ pid: 77, fd: 3, comm: 'nc\u001b[2J', exe: '/tmp/nc\nforged line', cmdline: 'nc -l 4444', uid: 0, user: 'root' }],
});

function event(kind: WatchEvent['kind'], socket: SocketRecord | null): WatchEvent {
  return { kind, at: '2026-11-28T05:40:01.120Z', source: 'poll', socket, openedAfter: '2026-11-28T05:40:00.100Z', openedBy: '2026-11-28T05:40:01.120Z', closedAfter: null, closedBy: null, lost: null, netns: socket?.netns ?? 1 };
}

describe('parseDuration', () => {
  it('reads a number with a unit, a bare number as seconds', () => {
    expect(parseDuration('1s', '--interval')).toBe(1000);
    expect(parseDuration('250ms', '--interval')).toBe(250);
    expect(parseDuration('5m', '--snapshot-every')).toBe(300_000);
    expect(parseDuration('2', '--interval')).toBe(2000);
    expect(parseDuration('1.5h', '--x')).toBe(5_400_000);
  });

  it('refuses anything else with the option named', () => {
    expect(() => parseDuration('soon', '--interval')).toThrow(UsageError);
    expect(() => parseDuration('0s', '--interval')).toThrow('--interval: expected a duration above zero, got "0s"');
    expect(() => parseDuration('-1s', '--interval')).toThrow('--interval: expected a duration such as');
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it('reads a duration ago or an ISO time', () => {
    expect(parseSince('1h', now)).toBe('2026-01-01T11:00:00.000Z');
    expect(parseSince('2d ago', now)).toBe('2025-12-30T12:00:00.000Z');
    expect(parseSince('2026-01-01T10:30:00Z', now)).toBe('2026-01-01T10:30:00.000Z');
  });
  it('refuses the rest', () => {
    expect(() => parseSince('yesterday', now)).toThrow(UsageError);
  });
});

describe('--on-violation and --event-buffer', () => {
  it('splits a command on whitespace without interpreting quotes or shell syntax', () => {
    expect(splitCommand('/usr/local/bin/alert --team sec')).toEqual(['/usr/local/bin/alert', '--team', 'sec']);
    expect(splitCommand('logger "a b"; rm -rf /')).toEqual(['logger', '"a', 'b";', 'rm', '-rf', '/']);
    expect(() => splitCommand('   ')).toThrow('--on-violation: expected a command');
  });
  it('reads sizes in bytes, k and M', () => {
    expect(parseByteSize('4M', '--event-buffer')).toBe(4 * 1024 * 1024);
    expect(parseByteSize('256k', '--event-buffer')).toBe(256 * 1024);
    expect(parseByteSize('65536', '--event-buffer')).toBe(65536);
    expect(() => parseByteSize('1k', '--event-buffer')).toThrow('--event-buffer: expected a size from 4k to 1024M');
    expect(() => parseByteSize('lots', '--event-buffer')).toThrow(UsageError);
  });
});

describe('event lines', () => {
  it('writes a text line with host text escaped: a comm or exe cannot forge a line or drive the terminal', () => {
    const line = eventText(event('opened', listener));
    expect(line).toBe('2026-11-28T05:40:01.120Z opened tcp 0.0.0.0:4444 LISTEN netns host, by pid 77 nc\\x1b[2J (/tmp/nc\\nforged line) uid 0');
    expect(line).not.toMatch(/[\u0000-\u001f]/);
  });

  it('says when the owner is unknown because the socket closed before a poll', () => {
    const connection = { ...listener, state: 'CLOSE', localAddress: '::1', ipVersion: 6 as const, localPort: 41230, remoteAddress: '::1', remotePort: 8080, owners: [] };
    expect(eventText({ ...event('short-lived', connection), source: 'destroy' })).toBe(
      '2026-11-28T05:40:01.120Z short-lived tcp6 [::1]:41230 -> [::1]:8080 CLOSE netns host, owner unknown (closed before a poll saw it)',
    );
  });

  it('says how many events were lost', () => {
    expect(eventText({ ...event('lost', null), source: 'kernel', lost: 4898, netns: 4026531840 })).toBe(
      "2026-11-28T05:40:01.120Z lost 4898 destroy event(s) in netns 4026531840: the kernel's queue was full; a snapshot is taken now",
    );
  });

  it('writes one JSON line with the socket record and the lifetime bounds', () => {
    const parsed = JSON.parse(eventJson(event('opened', listener)));
    expect(parsed).toMatchObject({ event: 'opened', source: 'poll', afterSnapshot: null, lifetime: { openedAfter: '2026-11-28T05:40:00.100Z', openedBy: '2026-11-28T05:40:01.120Z', closedAfter: null, closedBy: null } });
    expect(parsed.socket).toEqual(listener);
  });

  it('escapes C0, DEL, C1 and the Unicode line separators in a text line, by the one rule of every human format', () => {
    const hostile: SocketRecord = { ...listener, owners: [{ ...listener.owners[0]!, comm: 'a\u0000b\u007fc\u009bd\u2028e' }] };
    const line = eventText(event('opened', hostile));
    expect(line).toContain('a\\x00b\\x7fc\\u009bd\\u2028e');
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  });
});

describe('inetDiagCookie', () => {
  it('reads idiag_cookie, low half first, in host order', () => {
    const bytes = new Uint8Array(72);
    const view = new DataView(bytes.buffer);
    const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    view.setUint32(44, 0x1114, littleEndian);
    view.setUint32(48, 2, littleEndian);
    expect(inetDiagCookie(bytes, 0)).toBe(2 * 4294967296 + 0x1114);
  });
});

describe('seenOnlyByEvents', () => {
  const stored = (kind: WatchEvent['kind'], socket: SocketRecord, afterSnapshot: number, at: string): StoredWatchEvent => ({
    kind,
    at,
    source: kind === 'short-lived' ? ('destroy' as const) : ('poll' as const),
    socket,
    openedAfter: kind === 'opened' ? '2026-11-28T05:00:00.000Z' : null,
    openedBy: kind === 'opened' || kind === 'short-lived' ? at : null,
    closedAfter: kind === 'closed' ? '2026-11-28T05:01:00.000Z' : null,
    closedBy: kind === 'closed' || kind === 'short-lived' ? at : null,
    lost: null,
    netns: socket.netns,
    afterSnapshot,
  });

  it('pairs an open and a close after the same snapshot, keeps short-lived ones, and leaves the rest to the snapshots', () => {
    const other = { ...listener, inode: 999, localPort: 8080 };
    const connection = { ...listener, inode: 0, state: 'CLOSE', localPort: 41230, remoteAddress: '127.0.0.1', remotePort: 8080, owners: [] };
    const seen = seenOnlyByEvents([
      stored('opened', listener, 3, '2026-11-28T05:00:01.000Z'),
      stored('opened', other, 3, '2026-11-28T05:00:02.000Z'), // still open at the next snapshot
      stored('closed', listener, 3, '2026-11-28T05:01:01.000Z'),
      stored('closed', { ...other, inode: 555 }, 3, '2026-11-28T05:01:02.000Z'), // listed by snapshot 3: its close is the diff's
      stored('short-lived', connection, 3, '2026-11-28T05:00:30.000Z'),
      { ...stored('lost', listener, 3, '2026-11-28T05:00:31.000Z'), socket: null, lost: 12 },
    ]);
    expect(seen).toEqual([
      { seenAs: 'short-lived', socket: connection, afterSnapshot: 3, openedAfter: null, openedBy: '2026-11-28T05:00:30.000Z', closedAfter: null, closedBy: '2026-11-28T05:00:30.000Z' },
      {
        seenAs: 'listener',
        socket: listener,
        afterSnapshot: 3,
        openedAfter: '2026-11-28T05:00:00.000Z',
        openedBy: '2026-11-28T05:00:01.000Z',
        closedAfter: '2026-11-28T05:01:00.000Z',
        closedBy: '2026-11-28T05:01:01.000Z',
      },
    ]);
    const text = renderSeenBetweenSnapshots(seen, socketLabel);
    expect(text).toContain('seen between snapshots (2, from sockaudit watch):');
    expect(text).toContain('  listener tcp 0.0.0.0:4444 netns host, opened between 2026-11-28T05:00:00.000Z and 2026-11-28T05:00:01.000Z, closed between 2026-11-28T05:01:00.000Z and 2026-11-28T05:01:01.000Z, nc\\x1b[2J (/tmp/nc\\nforged line) pid 77');
    expect(renderSeenBetweenSnapshots([], socketLabel)).toBe('');
  });
});
