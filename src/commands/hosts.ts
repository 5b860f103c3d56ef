import type { CommandIo } from '../io.js';
import { alignColumns } from '../render/align-columns.js';
import { listFleetHosts } from '../store/fleet-queries.js';
import { openStore } from '../store/open-store.js';

export interface HostsCommandOptions {
  db?: string;
  json?: boolean;
  /** mark hosts whose latest snapshot is older than this (--stale 15m; command-options.ts) */
  staleAfterMs?: number;
}

/**
 * `sockaudit hosts`: every host of the store with its snapshot count, first and last
 * snapshot time and the socket count of its latest; with --stale, a mark on the hosts
 * whose latest snapshot is older than that. Exit 0 (1 when --stale marks a host, so that
 * a monitor can run it).
 */
export async function hostsCommand(options: HostsCommandOptions, io: CommandIo): Promise<number> {
  const { staleAfterMs } = options;
  const store = await openStore({ db: options.db, env: io.env, access: 'read' });
  try {
    const hosts = await listFleetHosts(store, { now: new Date(), staleAfterMs });
    if (options.json === true) {
      io.stdout(JSON.stringify(hosts) + '\n');
    } else {
      const header = ['HOST', 'SNAPSHOTS', 'FIRST', 'LAST', 'SOCKETS', ''];
      // alignColumns escapes each cell (host names are hostile) and caps the column
      const rows = hosts.map((host) => [host.host, String(host.snapshots), host.firstTakenAt, host.lastTakenAt, String(host.socketCount), host.stale ? 'STALE' : '']);
      io.stdout(alignColumns([header, ...rows]).join('\n') + '\n');
    }
    return hosts.some((host) => host.stale) ? 1 : 0;
  } finally {
    await store.close();
  }
}
