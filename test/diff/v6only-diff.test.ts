/**
 * A change of IPV6_V6ONLY is a change of exposure: `[::]:9101` from IPv6 only to
 * dual-stack answers IPv4 too. Unknown on one side (a snapshot stored before v6only was
 * recorded) is no change at all.
 */
import { describe, expect, it } from 'vitest';
import { diffInventories } from '../../src/diff/diff-inventories.js';
import type { DiffReport } from '../../src/diff/diff-report.js';
import { renderMarkdown } from '../../src/diff/render-markdown.js';
import { renderText } from '../../src/diff/render-text.js';
import { canonicalSocketLine } from '../../src/diff/render-unified.js';
import { inventory, owner, socket } from './socket-builders.js';

const NODE = owner(90, '/usr/bin/node');
const listener = (inode: number, v6only: boolean | null, fields: Parameters<typeof socket>[0] = {}) =>
  socket({ ipVersion: 6, localAddress: '::', localPort: 9101, exposure: 'wildcard', inode, owners: [NODE], v6only, v6onlySource: v6only === null ? null : 'socket', ...fields });

function report(before: ReturnType<typeof inventory>, after: ReturnType<typeof inventory>): DiffReport {
  return {
    from: { id: 1, takenAt: before.meta.takenAt, host: 'test', label: null },
    to: { id: 2, takenAt: after.meta.takenAt, host: 'test', label: null },
    result: diffInventories(before, after, { sockets: false }),
  };
}

describe('v6only in the diff', () => {
  it('IPv6-only to dual-stack on [::] is a change tagged exposure-widened, and back is narrowed', () => {
    const widened = diffInventories(inventory([listener(1, true)]), inventory([listener(2, false)]), { sockets: false });
    expect(widened.changes).toHaveLength(1);
    expect(widened.changes[0]).toMatchObject({ kind: 'changed', key: 'tcp6 [::]:9101 host', tags: ['reopened', 'exposure-widened'] });
    expect(widened.changes[0]!.fields).toContainEqual({ field: 'v6only', before: true, after: false });
    const narrowed = diffInventories(inventory([listener(2, false)]), inventory([listener(3, true)]), { sockets: false });
    expect(narrowed.changes[0]!.tags).toContain('exposure-narrowed');
  });

  it('is shown in text, markdown and unified', () => {
    const result = report(inventory([listener(1, true)]), inventory([listener(2, false)]));
    expect(renderText(result, { color: false })).toMatch(/tcp6 \[::\]:9101 host\s+reopened, exposure-widened: inode 1 -> 2; v6only on -> off/);
    expect(renderMarkdown(result)).toContain('| ! | **changed, reopened, exposure-widened** |');
    expect(canonicalSocketLine(listener(2, false))).toMatch(/ {2}v4\+v6$/);
    expect(canonicalSocketLine(listener(1, true))).not.toMatch(/v4\+v6/);
    // an opened dual-stack listener says so
    const opened = report(inventory([]), inventory([listener(2, false)]));
    expect(renderText(opened, { color: false })).toMatch(/\+ tcp6 \[::\]:9101 host\s+LISTEN .* wildcard {2}v4\+v6/);
  });

  it('unknown on either side, or the same socket read two ways, is no change', () => {
    expect(diffInventories(inventory([listener(1, null)]), inventory([listener(1, false)]), { sockets: true }).changes).toEqual([]);
    expect(diffInventories(inventory([listener(1, null)]), inventory([listener(2, false)]), { sockets: true }).changes[0]!.fields.map((field) => field.field)).toEqual(['inode']);
    // one inode: IPV6_V6ONLY cannot change once bound, the difference is an inference's
    const inferred = listener(1, false, { v6onlySource: 'inferred' });
    expect(diffInventories(inventory([listener(1, true)]), inventory([inferred]), { sockets: true }).changes).toEqual([]);
  });

  it('on [::1] a v6only change does not change what the socket answers: no exposure tag', () => {
    const result = diffInventories(inventory([listener(1, true, { localAddress: '::1', exposure: 'loopback' })]), inventory([listener(2, false, { localAddress: '::1', exposure: 'loopback' })]), { sockets: false });
    expect(result.changes[0]!.tags).toEqual(['reopened']);
    expect(result.changes[0]!.fields).toContainEqual({ field: 'v6only', before: true, after: false });
  });

  it('a listener moved from 0.0.0.0 to a dual-stack [::] widens its exposure (same wildcard, one more IP version)', () => {
    const v4 = socket({ localAddress: '0.0.0.0', localPort: 9101, exposure: 'wildcard', inode: 1, owners: [NODE] });
    const result = diffInventories(inventory([v4]), inventory([listener(2, false)]), { sockets: false });
    expect(result.changes[0]).toMatchObject({ kind: 'rebound', tags: ['exposure-widened'] });
    const v6only = diffInventories(inventory([v4]), inventory([listener(2, true)]), { sockets: false });
    expect(v6only.changes[0]).toMatchObject({ kind: 'rebound', tags: [] });
  });
});
