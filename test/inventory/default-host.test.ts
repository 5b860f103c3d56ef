/** One default host name, one rule: what `collect` records is what the other commands select by. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { defaultHost, selectedHost } from '../../src/inventory/default-host.js';
import { makeTempDir } from '../helpers/live.js';

const roots: string[] = [];
function procRootWithHostname(content: string | null): string {
  const root = makeTempDir('sockaudit-host-');
  roots.push(root);
  fs.mkdirSync(path.join(root, 'sys/kernel'), { recursive: true });
  if (content !== null) fs.writeFileSync(path.join(root, 'sys/kernel/hostname'), content);
  return root;
}
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

describe('defaultHost', () => {
  it('is the first line of the kernel hostname, trimmed', () => {
    expect(defaultHost(procRootWithHostname('web1\n'))).toBe('web1');
    expect(defaultHost(procRootWithHostname('  db-2  \nsecond line\n'))).toBe('db-2');
  });

  it("is 'unknown' for an empty or missing file", () => {
    expect(defaultHost(procRootWithHostname('\n'))).toBe('unknown');
    expect(defaultHost(procRootWithHostname(''))).toBe('unknown');
    expect(defaultHost(procRootWithHostname(null))).toBe('unknown');
  });

  it('reads a bounded prefix of a captured file, however large', () => {
    const name = defaultHost(procRootWithHostname('x'.repeat(10 * 1024 * 1024)));
    expect(name.length).toBeLessThanOrEqual(256);
  });

  it('--host wins over the file', () => {
    expect(selectedHost({ host: 'given', procRoot: procRootWithHostname('web1\n') })).toBe('given');
  });

  it('collect records the same name, also for an empty hostname (it recorded "" before)', async () => {
    for (const content of ['\n', 'web1\n']) {
      const root = procRootWithHostname(content);
      const inventory = await collectInventory({ procRoot: root });
      expect(inventory.meta.host).toBe(defaultHost(root));
    }
  });
});
