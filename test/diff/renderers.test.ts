import { describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import type { DiffReport } from '../../src/diff/diff-report.js';
import { renderJson } from '../../src/diff/render-json.js';
import { renderMarkdown } from '../../src/diff/render-markdown.js';
import { renderText } from '../../src/diff/render-text.js';
import { canonicalSocketLine, renderUnified } from '../../src/diff/render-unified.js';
import { readableSocketKey } from '../../src/diff/readable-key.js';
import { inventory, owner, socket } from './socket-builders.js';

const from = { id: 3, takenAt: '2026-11-25T12:00:00.000Z', host: 'h', label: null };
const to = { id: 4, takenAt: '2026-11-25T13:00:00.000Z', host: 'h', label: 'x' };
const NODE = '/usr/bin/node';

function reportOf(before = inventory([]), after = inventory([])): DiffReport {
  return { from, to, result: diffInventories(before, after, { sockets: false }) };
}

const widened = reportOf(
  inventory([socket({ localAddress: '127.0.0.1', owners: [owner(1, NODE)] })]),
  inventory([socket({ localAddress: '0.0.0.0', inode: 101, owners: [owner(1, NODE)] })]),
);

describe('renderText', () => {
  it('colours only when asked, and the widening in bold red', () => {
    expect(renderText(widened, { color: false })).not.toContain('\u001b[');
    const coloured = renderText(widened, { color: true });
    expect(coloured).toContain('\u001b[1;31m! tcp 0.0.0.0:8080 host');
  });

  it('prints the summary first and last, and marks the widened line `!` without colour', () => {
    const lines = renderText(widened, { color: false }).trimEnd().split('\n');
    expect(lines[1]).toMatch(/^1 exposure widened; /);
    expect(lines.at(-1)).toBe(lines[1]);
    expect(lines.find((line) => /^[!+~-] /.test(line))).toMatch(/^! tcp 0\.0\.0\.0:8080 host .*exposure-widened/);
  });

  it('says "no differences" and nothing else for equal snapshots', () => {
    expect(renderText(reportOf(), { color: false })).toBe(
      'sockaudit diff #3 (2026-11-25T12:00:00.000Z) -> #4 (2026-11-25T13:00:00.000Z, @x) host h\nno differences\n',
    );
  });

  it('puts warnings before the changes', () => {
    const report = reportOf(inventory([]), inventory([socket({ owners: [owner(1, NODE)] })], {}, [{ code: 'pid-vanished', message: 'gone', count: 2 }]));
    const text = renderText(report, { color: false });
    expect(text.indexOf('warning: collection warnings')).toBeLessThan(text.indexOf('+ tcp 127.0.0.1:8080 host'));
    expect(text).toContain('warning:   pid-vanished (#3 x0, #4 x2): gone');
  });
});

describe('report notes', () => {
  it('says a warning both snapshots share once, and one snapshot compared with itself once', () => {
    const warnings = [{ code: 'permission-denied', message: 'no', count: 1 }];
    const a = inventory([], {}, warnings);
    const text = renderText(reportOf(a, a), { color: false });
    expect(text).toContain('warning:   permission-denied (#3 x1, #4 x1): no');
    expect(text.match(/permission-denied/g)).toHaveLength(1);
    const self = renderText({ from: to, to, result: diffInventories(a, a, { sockets: false }) }, { color: false });
    expect(self.match(/permission-denied/g)).toHaveLength(1);
    expect(self).toContain('warning:   permission-denied (#4 x1): no');
  });

  it('says each warning kind once over both snapshots, with counts for each and the newest message', () => {
    const a = inventory([], {}, [
      { code: 'permission-denied', message: 'old advice (run as root)', count: 3 },
      { code: 'netns-unreadable', message: 'namespace a', count: 1 },
    ]);
    const b = inventory([], {}, [
      { code: 'permission-denied', message: 'new message', count: 5 },
      { code: 'netns-unreadable', message: 'namespace a', count: 1 },
      { code: 'netns-unreadable', message: 'namespace b', count: 1 },
    ]);
    const warnings = renderText(reportOf(a, b), { color: false }).split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: collection warnings (sockets they hid may show as opened or closed):',
      'warning:   permission-denied (#3 x3, #4 x5): new message',
      'warning:   netns-unreadable (#3 x1, #4 x2): namespace a (+1 more like it)',
    ]);
  });
});

describe('reboots', () => {
  it('are noted before the changes when the boot ids differ, and only then', () => {
    const a = socket({ owners: [owner(1, NODE)] });
    const b = { ...a, inode: 7, owners: [owner(2, NODE)] };
    const text = renderText(reportOf(inventory([a], { bootId: 'one' }), inventory([b], { bootId: 'two' })), { color: false });
    expect(text).toContain('warning: the host rebooted between #3 and #4');
    expect(text.indexOf('rebooted')).toBeLessThan(text.indexOf('restarted'));
    expect(renderText(reportOf(inventory([a], { bootId: 'one' }), inventory([b], { bootId: 'one' })), { color: false })).not.toContain('rebooted');
    expect(renderText(reportOf(inventory([a]), inventory([b], { bootId: 'two' })), { color: false })).not.toContain('rebooted');
  });
});

describe('renderMarkdown', () => {
  it('escapes pipes and backticks of unix paths inside the table', () => {
    const odd = socket({ family: 'unix', ipVersion: null, type: 'stream', localAddress: null, localPort: null, path: '/tmp/a|b`c', owners: [owner(1, NODE)] });
    const markdown = renderMarkdown(reportOf(inventory([]), inventory([odd])));
    const row = markdown.split('\n').find((line) => line.startsWith('| + |'));
    expect(row).toBe('| + | opened | Unix sockets | ``unix stream /tmp/a\\|b`c (listener) host`` | LISTEN  node\\[1\\] /usr/bin/node  uid 1000 |');
  });
});

describe('renderJson', () => {
  it('carries from, to, summary and changes, plus warnings and uncompared', () => {
    const document = JSON.parse(renderJson(widened));
    expect(Object.keys(document)).toEqual(['from', 'to', 'summary', 'changes', 'warnings', 'uncompared', 'rebooted']);
    expect(document.to).toEqual({ id: 4, takenAt: '2026-11-25T13:00:00.000Z', host: 'h', label: 'x' });
    expect(document.changes[0]).toMatchObject({ kind: 'rebound', key: 'tcp 0.0.0.0:8080 host', tags: ['exposure-widened'], flow: null });
    expect(document.changes[0].section).toBeUndefined();
  });
});

describe('renderUnified', () => {
  it('ignores queues and reports nothing for equal content', () => {
    const a = socket({ owners: [owner(1, NODE)], recvQueue: 1 });
    const result = renderUnified(reportOf(inventory([a]), inventory([{ ...a, recvQueue: 9 }])), inventory([a]), inventory([{ ...a, recvQueue: 9 }]));
    expect(result).toEqual({ text: '', differs: false });
  });

  it('prints one - and one + line for a changed socket', () => {
    const a = socket({ owners: [owner(1, NODE)] });
    const b = { ...a, owners: [owner(2, NODE)] };
    const { text, differs } = renderUnified(reportOf(inventory([a]), inventory([b])), inventory([a]), inventory([b]));
    expect(differs).toBe(true);
    expect(text.split('\n').filter((line) => /^[-+][^-+]/.test(line))).toEqual([`-${canonicalSocketLine(a)}`, `+${canonicalSocketLine(b)}`]);
  });
});

describe('readableSocketKey', () => {
  it('names each kind of key', () => {
    expect(readableSocketKey(socket({ ipVersion: 6, localAddress: '::1', localPort: 5432, state: 'ESTABLISHED', remoteAddress: '::1', remotePort: 41000 }))).toBe(
      'tcp6 [::1]:5432 -> [::1]:41000 host',
    );
    expect(readableSocketKey(socket({ family: 'raw', localAddress: '0.0.0.0', localPort: 1, protocol: 1, state: 'UNCONN' }))).toBe('raw 0.0.0.0 proto 1 host');
    expect(readableSocketKey(socket({ family: 'unix', ipVersion: null, type: 'dgram', state: 'UNCONN', localAddress: null, localPort: null, inode: 77 }))).toBe(
      'unix dgram inode 77 host',
    );
  });
});
