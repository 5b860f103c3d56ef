import type { CommandIo } from '../io.js';
import type { Inventory } from '../inventory/socket-record.js';

/** `{ "meta", "sockets", "warnings" }`: the JSON contract of collect --json and show --json. */
export function inventoryJson(inventory: Inventory): string {
  return JSON.stringify({ meta: inventory.meta, sockets: inventory.sockets, warnings: inventory.warnings }) + '\n';
}

/** Sockets per chunk: large enough to amortise the write, small enough to bound memory. */
const SOCKETS_PER_CHUNK = 2000;

/**
 * Writes the same text as inventoryJson, in chunks, waiting for stdout to drain between
 * them: a 50,000-socket inventory is 20 MB of JSON, which need not exist in memory at once.
 */
export async function writeInventoryJson(inventory: Inventory, io: CommandIo): Promise<void> {
  const { sockets } = inventory;
  io.stdout(`{"meta":${JSON.stringify(inventory.meta)},"sockets":[`);
  for (let start = 0; start < sockets.length; start += SOCKETS_PER_CHUNK) {
    const chunk = sockets.slice(start, start + SOCKETS_PER_CHUNK).map((socket) => JSON.stringify(socket));
    io.stdout((start === 0 ? '' : ',') + chunk.join(','));
    await io.drained();
  }
  io.stdout(`],"warnings":${JSON.stringify(inventory.warnings)}}\n`);
}
