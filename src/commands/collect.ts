import { collectInventory } from '../inventory/collect.js';
import { checkNetnsFilter, filterSockets, type SocketFilter } from '../inventory/socket-filter.js';
import type { CommandIo } from '../io.js';
import { writeInventoryJson } from '../render/inventory-json.js';
import { renderSocketTable } from '../render/socket-table.js';
import { renderWarnings } from '../render/warnings-text.js';

export interface CollectCommandOptions {
  /** which sockets to print (all: {}). */
  filter: SocketFilter;
  procRoot?: string;
  runtimeRoot?: string;
  host?: string;
  json?: boolean;
}

/** `sockaudit collect`: the inventory now, as a table or JSON; stores nothing. */
export async function collectCommand(options: CollectCommandOptions, io: CommandIo): Promise<number> {
  const { filter } = options;
  const inventory = await collectInventory({ procRoot: options.procRoot ?? '/proc', runtimeRoot: options.runtimeRoot, host: options.host, leaveOutOwnProcess: true });
  checkNetnsFilter(filter, inventory.meta.namespaces, `the namespaces of ${inventory.meta.procRoot}`);
  const sockets = filterSockets(inventory.sockets, filter);
  if (options.json === true) {
    await writeInventoryJson({ ...inventory, sockets }, io, { peersFrom: inventory.sockets });
  } else {
    io.stderr(renderWarnings(inventory.warnings));
    io.stdout(renderSocketTable(sockets, { color: io.color, peersFrom: inventory.sockets }));
  }
  return 0;
}
