import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import type { DiffReport } from '../../src/diff/diff-report.js';
import { CHANGE_SECTIONS } from '../../src/diff/diff-result.js';
import { renderMarkdown } from '../../src/diff/render-markdown.js';
import { renderText } from '../../src/diff/render-text.js';
import { canonicalSocketLine, renderUnified } from '../../src/diff/render-unified.js';
import { listedChanges, reportNotes } from '../../src/diff/report-notes.js';
import { exposureOf } from '../../src/inventory/exposure.js';
import { emptyRecord } from '../../src/model/record-shapes.js';
import type { Inventory, InventoryWarning, SocketRecord } from '../../src/model/socket-record.js';
import { MAX_COLUMN_WIDTH, MAX_LAST_COLUMN_WIDTH } from '../../src/render/align-columns.js';
import { displayWidth } from '../../src/render/escape-text.js';
import { renderSocketTable } from '../../src/render/socket-table.js';
import { renderWarnings } from '../../src/render/warnings-text.js';
import { createBaseline } from '../../src/review/baseline.js';
import { checkAgainstBaseline } from '../../src/review/check.js';
import { findFindings } from '../../src/review/findings.js';
import { LISTENING_GROUPS, listeningEntries } from '../../src/review/listening-report.js';
import { renderCheck } from '../../src/review/render-check.js';
import { renderHistory } from '../../src/review/render-history.js';
import { renderListening, type ListeningSource } from '../../src/review/render-listening.js';
import { outputLines, unsafeCharacters } from '../helpers/terminal-safety.js';
import { hostileString } from '../helpers/hostile-strings.js';

/**
 * The structural guard of the escaping rule: every human-readable renderer, fed records whose
 * host-controlled fields (unix path, comm, exe, user, namespace and interface names, host,
 * label, warning messages) are random hostile strings, prints no forbidden character and
 * exactly the number of lines its records and headers make: no field can add or forge a line.
 */

const NOW = new Date('2026-11-25T12:00:00Z');

const owner = fc.record({
  pid: fc.integer({ min: 1, max: 99999 }),
  fd: fc.integer({ min: 0, max: 999 }),
  comm: fc.option(hostileString),
  exe: fc.option(hostileString),
  cmdline: fc.option(hostileString),
  uid: fc.constant(1000),
  user: fc.option(hostileString),
});

const socketRecord = fc
  .record({
    kind: fc.constantFrom('tcp-listen', 'udp', 'unix', 'packet', 'tcp-connected'),
    path: hostileString,
    netnsName: hostileString,
    iface: hostileString,
    inode: fc.integer({ min: 1, max: 1e9 }),
    port: fc.integer({ min: 1, max: 65535 }),
    owners: fc.array(owner, { maxLength: 3 }),
  })
  .map(({ kind, path, netnsName, iface, inode, port, owners }): SocketRecord => {
    const base: SocketRecord = {
      ...emptyRecord('tcp'),
      netns: 4026531840,
      netnsName,
      ipVersion: 4,
      state: 'LISTEN',
      localAddress: '0.0.0.0',
      localPort: port,
      inode,
      uid: 1000,
      recvQueue: 0,
      sendQueue: 0,
      owners,
      // hostile container, pod and target names: escaped in the Container and Local cells
      container: { runtime: 'docker', id: 'a'.repeat(64), name: netnsName, image: null, podName: iface, podNamespace: path },
      publishedTo: { container: netnsName, address: '172.17.0.2', port: 80 },
    };
    const record: SocketRecord =
      kind === 'udp'
        ? { ...base, family: 'udp', state: 'UNCONN', localAddress: '127.0.0.1' }
        : kind === 'unix'
          ? { ...base, family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, path }
          : kind === 'packet'
            ? { ...base, family: 'packet', ipVersion: null, type: 'raw', state: 'UNCONN', localAddress: null, localPort: null, protocol: 3, interface: iface }
            : kind === 'tcp-connected'
              ? { ...base, state: 'ESTABLISHED', localAddress: '10.0.0.1', remoteAddress: '10.0.0.2', remotePort: 443 }
              : base;
    return { ...record, exposure: exposureOf(record.family, record.localAddress) };
  });

const warning = fc.record({ code: fc.constantFrom('permission-denied', 'malformed-line'), message: hostileString, count: fc.integer({ min: 1, max: 5 }) });

/** Unique inodes, as in a real snapshot. */
const sockets = fc.uniqueArray(socketRecord, { maxLength: 8, selector: (socket) => socket.inode });

function inventoryOf(records: SocketRecord[], host: string, warnings: InventoryWarning[] = []): Inventory {
  return {
    meta: { host, takenAt: '2026-11-25T12:00:00.000Z', bootId: null, kernel: null, procRoot: '/proc', toolVersion: '0.0.0', durationMs: 1, namespaces: [], ephemeralPorts: null },
    sockets: records,
    warnings,
  };
}

/** Safe (with or without our colours) and the expected number of lines; each line within the cap when asked. */
function expectSafe(text: string, lines: number, options: { colour?: boolean } = {}): void {
  expect(unsafeCharacters(text, options)).toEqual([]);
  expect(outputLines(text)).toHaveLength(lines);
}

const RUNS = { numRuns: 150 };

describe('every renderer keeps hostile host text on its own line and visible', () => {
  it('the socket table of collect and show: one line per socket plus the header, cells capped', () => {
    fc.assert(
      fc.property(sockets, fc.boolean(), (records, colour) => {
        const text = renderSocketTable(records, { color: colour });
        expectSafe(text, records.length + 1, { colour });
        const widest = MAX_COLUMN_WIDTH * 7 + MAX_LAST_COLUMN_WIDTH + 8 + 2 * 8; // every column capped, plus separators
        for (const line of outputLines(text.replace(/\u001b\[[0-9;]*m/g, ''))) expect(displayWidth(line)).toBeLessThanOrEqual(widest);
      }),
      RUNS,
    );
  });

  it('warnings on stderr: one line per warning', () => {
    fc.assert(fc.property(fc.array(warning, { maxLength: 5 }), (warnings) => expectSafe(renderWarnings(warnings), warnings.length)), RUNS);
  });

  it('listening: a title, then per group a blank, a title, a header and its members, then the findings', () => {
    fc.assert(
      fc.property(sockets, hostileString, fc.boolean(), (records, host, colour) => {
        const inventory = inventoryOf(records, host);
        const entries = listeningEntries(inventory);
        const findings = findFindings(inventory);
        const source: ListeningSource = { kind: 'snapshot', id: 3, host, takenAt: '2026-11-25T12:00:00.000Z' };
        const groups = LISTENING_GROUPS.filter((group) => entries.some((entry) => entry.group === group)).length;
        const expected = 1 + groups * 3 + entries.length + (entries.length === 0 ? 2 : 0) + 2 + Math.max(1, findings.length);
        expectSafe(renderListening(source, entries, findings, colour), expected, { colour });
      }),
      RUNS,
    );
  });

  it('check: a headline, one line per violation, then the findings that do not fail it', () => {
    fc.assert(
      fc.property(sockets, sockets, hostileString, hostileString, fc.boolean(), (allowed, seen, host, baselineFile, colour) => {
        const before = inventoryOf(allowed, host);
        const baseline = createBaseline(before, findFindings(before), { snapshot: 1, now: NOW });
        const inventory = inventoryOf(seen, host);
        const result = checkAgainstBaseline(inventory, findFindings(inventory), baseline, NOW);
        const notes = result.findings.filter((finding) => finding.accepted || finding.severity !== 'high').length;
        const source: ListeningSource = { kind: 'snapshot', id: 3, host, takenAt: '2026-11-25T12:00:00.000Z' };
        expectSafe(renderCheck(source, baselineFile, result, colour), 1 + result.violations.length + (notes > 0 ? 2 + notes : 0), { colour });
      }),
      RUNS,
    );
  });

  it('history: a title and a header, then one line per period', () => {
    const period = fc.record({
      socket: hostileString,
      netnsName: hostileString,
      family: fc.constant('unix'),
      state: fc.constantFrom('LISTEN', 'ESTABLISHED'),
      firstSeen: fc.constant({ id: 1, takenAt: '2026-11-25T12:00:00.000Z' }),
      lastSeen: fc.constant({ id: 2, takenAt: '2026-11-25T13:00:00.000Z' }),
      goneIn: fc.constant(null),
      snapshotCount: fc.integer({ min: 1, max: 9 }),
      owners: fc.array(fc.record({ exe: fc.option(hostileString), comm: fc.option(hostileString), user: fc.option(hostileString), pids: fc.constant<number[]>([7]) }), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(period, { maxLength: 6 }), hostileString, hostileString, (periods, host, description) => {
        expectSafe(renderHistory(host, description, periods), periods.length === 0 ? 1 : periods.length + 2);
      }),
      RUNS,
    );
  });

  it('diff as text, markdown and unified: one line per change (per socket in unified), notes one line each', () => {
    fc.assert(
      fc.property(sockets, sockets, fc.array(warning, { maxLength: 3 }), hostileString, fc.option(hostileString), fc.boolean(), (before, after, warnings, host, label, colour) => {
        const beforeInventory = inventoryOf(before, host);
        const afterInventory = inventoryOf(after, host, warnings);
        const result = diffInventories(beforeInventory, afterInventory, { sockets: false });
        const report: DiffReport = {
          from: { id: 1, takenAt: '2026-11-25T12:00:00.000Z', host, label: null },
          to: { id: 2, takenAt: '2026-11-25T13:00:00.000Z', host, label },
          result,
        };
        const notes = reportNotes(result, report.from, report.to).length;
        // inode-only changes are not listed without --verbose (issue 15)
        const listed = listedChanges(result, false);
        const sections = CHANGE_SECTIONS.filter((section) => listed.some((change) => change.section === section)).length;
        // header, summary, [blank, notes], sections (blank, title, lines), [blank, summary again]
        const body = (notes > 0 ? 1 + notes : 0) + sections * 2 + listed.length;
        expectSafe(renderText(report, { color: colour }), 2 + body + (body > 0 ? 2 : 0), { colour });
        const changeRows = listed.length > 0 ? 2 + listed.length + 1 : 0;
        // heading, blank, summary, blank, [notes, blank], [table, blank], [summary again]
        expectSafe(renderMarkdown(report), 4 + (notes > 0 ? notes + 1 : 0) + changeRows + (result.changes.length > 0 ? 1 : 0));
        // every markdown row has exactly its five cells: no unescaped pipe inside
        for (const row of outputLines(renderMarkdown(report)).filter((line) => line.startsWith('| ') && !line.startsWith('| |'))) {
          expect(row.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|')).toHaveLength(7);
        }
        const unified = renderUnified(report, beforeInventory, afterInventory);
        const patchLines = outputLines(unified.text).filter((line) => !line.startsWith('#'));
        expect(unsafeCharacters(unified.text, { patch: true })).toEqual([]);
        expect(outputLines(unified.text).filter((line) => line.startsWith('#'))).toHaveLength(notes);
        // a patch line is a header (Index, ===, ---, +++, @@) or exactly one socket's line
        const socketLines = patchLines.filter((line) => /^[-+ ]/.test(line) && !/^(---|\+\+\+) sockaudit\//.test(line));
        const removed = socketLines.filter((line) => line.startsWith('-')).length;
        const added = socketLines.filter((line) => line.startsWith('+')).length;
        const linesBefore = new Set(before.map(canonicalSocketLine));
        const linesAfter = new Set(after.map(canonicalSocketLine));
        expect(removed).toBe([...linesBefore].filter((line) => !linesAfter.has(line)).length);
        expect(added).toBe([...linesAfter].filter((line) => !linesBefore.has(line)).length);
        expect(patchLines.every((line) => /^(Index: |={10,}|--- |\+\+\+ |@@ |[-+ ])/.test(line))).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('the column cap', () => {
  it('a 1 MB unix path is cut with an ellipsis and pads no row: the table stays small', () => {
    const long = `/tmp/${'a'.repeat(1024 * 1024)}`;
    const records: SocketRecord[] = Array.from({ length: 100 }, (_, index) => ({
      ...emptyRecord('unix'),
      netns: 4026531840,
      netnsName: 'host',
      type: 'stream',
      state: 'LISTEN',
      path: index === 0 ? long : `/run/app-${index}.sock`,
      inode: index + 1,
      uid: 0,
      recvQueue: 0,
      sendQueue: 0,
      owners: [{ pid: 7, fd: index, comm: 'app', exe: '/usr/bin/app', cmdline: null, uid: 0, user: 'root' }],
    }));
    const text = renderSocketTable(records, { color: false });
    expect(text.length).toBeLessThan(101 * 200);
    const lines = outputLines(text);
    expect(lines).toHaveLength(101);
    const cut = lines.find((line) => line.includes('/tmp/aaa'))!;
    expect(cut).toContain(`/tmp/${'a'.repeat(MAX_COLUMN_WIDTH - 6)}… `);
    // every row's Local column is exactly as wide as the cut cell
    const processColumn = lines[0]!.indexOf('Process');
    for (const line of lines.slice(1)) expect(line.indexOf('app pid=7')).toBe(processColumn);
    expect(records[0]!.path).toBe(long); // the record (and so the JSON) keeps the whole path
  });

  it('wide characters count two columns, so columns still line up', () => {
    const records = ['/run/東京.sock', '/run/ab.sock', '/run/e\u0301.sock'].map((path, index): SocketRecord => ({
      netns: 1, netnsName: 'host', family: 'unix', ipVersion: null, type: 'stream', protocol: null, state: 'LISTEN', localAddress: null, localPort: null,
      remoteAddress: null, remotePort: null, path, interface: null, inode: index + 1, uid: 0, recvQueue: 0, sendQueue: 0,
      owners: [{ pid: 7, fd: index, comm: 'app', exe: null, cmdline: null, uid: 0, user: 'root' }], exposure: null, v6only: null, v6onlySource: null, container: null, publishedTo: null,
      backlog: null, peerInode: null,
    }));
    const lines = outputLines(renderSocketTable(records, { color: false }));
    const peerColumns = lines.slice(1).map((line) => displayWidth(line.slice(0, line.indexOf('*'))));
    expect(new Set(peerColumns).size).toBe(1);
  });
});
