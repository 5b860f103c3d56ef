import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectInventory } from '../../src/inventory/collect.js';
import { memoryIo } from '../../src/io.js';
import { SOCKETS_PER_CHUNK, writeInventoryJson } from '../../src/render/inventory-json.js';
import { REPO_ROOT } from '../helpers/live.js';

describe('writeInventoryJson', () => {
  const chunk = SOCKETS_PER_CHUNK;
  it.each([0, 1, chunk - 1, chunk, chunk + 1, 22 * chunk + 7])('writes exactly JSON.stringify of the inventory for %i sockets', async (count) => {
    const inventory = await collectInventory({ procRoot: path.join(REPO_ROOT, 'fixtures/proc/sockload-1k') });
    const many = Array.from({ length: count }, (_, i) => inventory.sockets[i % inventory.sockets.length]!);
    const io = memoryIo();
    await writeInventoryJson({ ...inventory, sockets: many }, io);
    expect(io.out).toBe(JSON.stringify({ meta: inventory.meta, sockets: many, warnings: inventory.warnings }) + '\n');
  });
});
