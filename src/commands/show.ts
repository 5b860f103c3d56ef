import { checkNetnsFilter, filterSockets, type SocketFilter } from '../inventory/socket-filter.js';
import type { CommandIo } from '../io.js';
import { writeInventoryJson } from '../render/inventory-json.js';
import { escapeText } from '../render/escape-text.js';
import { renderSocketTable } from '../render/socket-table.js';
import { renderWarnings } from '../render/warnings-text.js';
import { selectedHost } from '../inventory/default-host.js';
import { openStore } from '../store/open-store.js';
import { readSnapshotOf } from '../store/read-snapshot.js';
import { resolveSnapshot } from '../store/resolve-snapshot.js';
import type { SnapshotSelector } from '../store/snapshot-selector.js';

export interface ShowCommandOptions {
  /** the snapshot to show, e.g. `12`, `@deploy`, `2h ago` (program.ts gives `latest` when none is named). */
  snapshot: SnapshotSelector;
  /** which sockets to print (all: {}). */
  filter: SocketFilter;
  db?: string;
  procRoot?: string;
  host?: string;
  json?: boolean;
}

/**
 * `sockaudit show [SNAP]`: a stored snapshot as `collect` would have printed it: the same
 * table, or the same JSON (queues are null: they are not stored).
 */
export async function showCommand(options: ShowCommandOptions, io: CommandIo): Promise<number> {
  const { filter } = options;
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const row = await resolveSnapshot(store, selectedHost(options), options.snapshot);
    const inventory = await readSnapshotOf(store, row);
    checkNetnsFilter(filter, inventory.meta.namespaces, `snapshot ${row.id}`);
    const sockets = filterSockets(inventory.sockets, filter);
    if (options.json === true) {
      await writeInventoryJson({ ...inventory, sockets }, io, { peersFrom: inventory.sockets });
    } else {
      const label = row.label === null ? '' : ` @${row.label}`;
      io.stderr(`${escapeText(`snapshot ${row.id}${label} of ${row.host} at ${row.takenAt}`)}\n`);
      io.stderr(renderWarnings(inventory.warnings));
      io.stdout(renderSocketTable(sockets, { color: io.color, peersFrom: inventory.sockets }));
    }
    return 0;
  } finally {
    await store.close();
  }
}
