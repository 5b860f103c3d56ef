import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineCreateCommand } from '../../src/commands/baseline.js';
import { checkCommand } from '../../src/commands/check.js';
import { memoryIo } from '../../src/io.js';
import { makeTempDir, runCli } from '../helpers/live.js';
import { reviewFixture } from '../review/review-fixtures.js';
import { checkOptions, reviewOptions } from '../../src/options/command-options.js';

const dir = makeTempDir('sockaudit-baseline-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { XDG_DATA_HOME: dir, SOCKAUDIT_DB: path.join(dir, 'none.db') };

describe('sockaudit baseline create on stored snapshots', () => {
  const db = path.join(dir, 'stored.db');
  beforeAll(() => {
    for (const tree of ['clean-host', 'drifted-host'] as const) {
      expect(runCli(['snapshot', '--db', db, '--proc-root', reviewFixture(tree), '--quiet'], { env }).status).toBe(0);
    }
  });

  it('names the snapshot it was made from, and check of that snapshot passes while the next fails', async () => {
    const created = memoryIo(env);
    expect(await baselineCreateCommand(reviewOptions(['1'], { db, host: 'web1' }), created)).toBe(0);
    const baseline = JSON.parse(created.out) as { snapshot: number; host: string; listeners: unknown[] };
    expect(baseline).toMatchObject({ snapshot: 1, host: 'web1' });
    const file = path.join(dir, 'from-1.json');
    fs.writeFileSync(file, created.out);

    const first = memoryIo(env);
    expect(await checkCommand(checkOptions(['1'], { baseline: file, db, host: 'web1' }), first)).toBe(0);
    expect(first.out.split('\n')[0]).toMatch(/^check of snapshot 1 of web1 \(.*\) against .*: no violations$/);

    const latest = memoryIo(env);
    expect(await checkCommand(checkOptions([], { baseline: file, db, host: 'web1', json: true }), latest)).toBe(1);
    expect(JSON.parse(latest.out)).toMatchObject({ ok: false, source: { kind: 'snapshot', id: 2 } });
  });

  it('the default SNAP is the latest snapshot of the host', async () => {
    const io = memoryIo(env);
    expect(await baselineCreateCommand(reviewOptions([], { db, host: 'web1' }), io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ snapshot: 2 });
  });

  it('with no snapshot of the host it looks at the machine now (snapshot: null)', async () => {
    const io = memoryIo(env);
    expect(await baselineCreateCommand(reviewOptions([], { db, host: 'no-such-host' }), io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ snapshot: null, host: 'no-such-host' });
  });
});
