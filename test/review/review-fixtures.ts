import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectInventory } from '../../src/inventory/collect.js';
import type { Inventory } from '../../src/model/socket-record.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** fixtures/review/<name>: proc trees written by fixtures/review/build-fixtures.mjs. */
export function reviewFixture(name: 'clean-host' | 'drifted-host'): string {
  return path.resolve(here, '../../fixtures/review', name);
}

export function collectFixture(name: 'clean-host' | 'drifted-host'): Promise<Inventory> {
  return collectInventory({ procRoot: reviewFixture(name) });
}
