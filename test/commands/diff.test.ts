import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffCommand } from '../../src/commands/diff.js';
import { NotFoundError, UsageError } from '../../src/errors.js';
import type { Inventory } from '../../src/model/socket-record.js';
import { memoryIo } from '../../src/io.js';
import { writeSnapshot } from '../../src/store/write-snapshot.js';
import { tempStore } from '../store/temp-store.js';
import { diffOptions } from '../../src/options/command-options.js';

const FIXTURES = path.resolve(__dirname, '../../fixtures/diff');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8')) as Inventory;

/**
 * diffCommand over a real temporary database holding the fixture pairs: what the stored
 * and reconstructed snapshots give must be what the pure diff gives on the fixtures.
 */
describe('diffCommand', () => {
  let db: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const temp = await tempStore();
    db = temp.file;
    cleanup = temp.cleanup;
    await writeSnapshot(temp.store, read('deployment/before.json'), { host: 'web1' });
    await writeSnapshot(temp.store, read('deployment/after.json'), { host: 'web1', label: 'after-deploy' });
    await writeSnapshot(temp.store, read('honesty/before.json'), { host: 'other' });
    await writeSnapshot(temp.store, read('honesty/after.json'), { host: 'other' });
  });
  afterEach(async () => cleanup());

  async function diff(selectors: string[], options: Record<string, unknown> = {}) {
    const io = memoryIo();
    const code = await diffCommand(diffOptions(selectors, { db, host: 'web1', ...options }), io);
    return { code, out: io.out, err: io.err };
  }

  it('with no selector compares the last two snapshots of the host, as the golden text says', async () => {
    const { code, out } = await diff([]);
    expect(code).toBe(1);
    expect(out).toBe(fs.readFileSync(path.join(FIXTURES, 'deployment/expected.txt'), 'utf8'));
  });

  it('accepts last N, ids, @label and latest', async () => {
    expect((await diff(['last', '2'])).out).toBe((await diff([])).out);
    expect((await diff(['1', '@after-deploy'])).out).toBe((await diff([])).out);
    expect((await diff(['1'])).out).toBe((await diff([])).out);
  });

  it('exits 0 with no differences between a snapshot and itself', async () => {
    const { code, out } = await diff(['latest', 'latest']);
    expect(code).toBe(0);
    expect(out).toMatch(/no differences\n$/);
  });

  it('prints the JSON contract', async () => {
    const { code, out } = await diff([], { format: 'json' });
    expect(code).toBe(1);
    const document = JSON.parse(out);
    expect(document.from).toEqual({ id: 1, takenAt: '2026-11-25T12:00:00.000Z', host: 'web1', label: null });
    expect(document.to).toMatchObject({ id: 2, label: 'after-deploy' });
    expect(document.summary).toEqual({ widened: 1, opened: 4, closed: 2, changed: 3, rebound: 2, flows: 5 });
    for (const change of document.changes) {
      expect(Object.keys(change)).toEqual(['kind', 'key', 'tags', 'before', 'after', 'fields', 'flow']);
    }
    expect(document.changes.find((c: { key: string }) => c.key === 'tcp 0.0.0.0:8080 host')).toMatchObject({
      kind: 'rebound',
      tags: ['exposure-widened', 'restarted'],
      before: { localAddress: '127.0.0.1', localPort: 8080 },
      after: { localAddress: '0.0.0.0', localPort: 8080 },
    });
  });

  it('prints a patch in unified format, exit 1 when it has hunks and 0 when not', async () => {
    const changed = await diff([], { format: 'unified' });
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('--- sockaudit/1\t2026-11-25T12:00:00.000Z\n+++ sockaudit/2\t2026-11-25T13:00:00.000Z\n');
    expect(changed.out).toContain('\n+tcp 0.0.0.0:9229 host  LISTEN  owners node[1900] /usr/bin/node  uid 1000  inode 2206\n');
    const same = await diff(['2', '2'], { format: 'unified' });
    expect(same).toMatchObject({ code: 0, out: '' });
  });

  it('prints a markdown table', async () => {
    const { out } = await diff([], { format: 'markdown' });
    expect(out).toContain('| ! | **rebound, exposure-widened, restarted** | Listeners and bound sockets | `tcp 0.0.0.0:8080 host` |');
  });

  it('applies the filters of show', async () => {
    const { code, out } = await diff([], { format: 'json', port: '8080' });
    expect(code).toBe(1);
    const keys = JSON.parse(out).changes.map((c: { key: string }) => c.key);
    expect(keys).toEqual(['tcp 0.0.0.0:8080 host', 'tcp /usr/bin/curl -> 127.0.0.1:8080 host', 'tcp /usr/bin/node :8080 <- 127.0.0.1 host']);
    expect((await diff([], { listening: true, format: 'json' })).out).not.toContain('93.184.216.34');
  });

  it('with --sockets lists every socket', async () => {
    const { out } = await diff([], { sockets: true });
    expect(out).toBe(fs.readFileSync(path.join(FIXTURES, 'deployment/expected-sockets.txt'), 'utf8'));
  });

  it('says what it could not compare before the changes', async () => {
    const { out } = await diff([], { host: 'other' });
    const warning = out.indexOf('warning:   permission-denied (#3 x0, #4 x12)');
    expect(warning).toBeGreaterThan(0);
    expect(out).toContain('warning: namespace web (4026532100) could not be read in #4');
    expect(warning).toBeLessThan(out.indexOf('Listeners and bound sockets'));
    expect(out).toContain('- tcp 127.0.0.1:631 host');
    expect(out).not.toContain(':6379');
    // a namespace new in #4, which #3 would have seen: its listener is reported
    expect(out).toContain('+ tcp 0.0.0.0:8000 worker');
  });

  it('rejects a selector that matches nothing, and an unknown format: a NotFoundError, a UsageError', async () => {
    await expect(diff(['@nope', 'latest'])).rejects.toThrow(NotFoundError);
    await expect(diff(['last', '9'])).rejects.toThrow(/last 9.*fewer than 9/);
    await expect(diff([], { format: 'yaml' })).rejects.toThrow(/unknown format "yaml"/);
    await expect(diff(['1', '2', '3'])).rejects.toThrow(/at most two/);
  });
});
