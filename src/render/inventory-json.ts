import type { Inventory } from '../inventory/socket-record.js';

/** `{ "meta", "sockets", "warnings" }`: the JSON contract of collect --json and show --json. */
export function inventoryJson(inventory: Inventory): string {
  return JSON.stringify({ meta: inventory.meta, sockets: inventory.sockets, warnings: inventory.warnings }) + '\n';
}
