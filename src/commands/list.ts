import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { selectedHost } from '../inventory/default-host.js';
import { listHosts, listSnapshots } from '../store/list-snapshots.js';
import { openStore } from '../store/open-store.js';

export interface ListCommandOptions {
  db?: string;
  procRoot?: string;
  host?: string;
  /** at most this many (a count, parsed in program.ts); all when undefined. */
  limit?: number;
  json?: boolean;
}

/** `sockaudit list`: the host's snapshots, newest first. */
export async function listCommand(options: ListCommandOptions, io: CommandIo): Promise<number> {
  const limit = options.limit;
  const host = selectedHost(options);
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const rows = await listSnapshots(store, host, limit);
    if (options.json === true) {
      const items = rows.map((row) => ({ id: row.id, takenAt: row.takenAt, host: row.host, label: row.label, socketCount: row.socketCount }));
      io.stdout(JSON.stringify(items) + '\n');
      return 0;
    }
    if (rows.length === 0) {
      const others = (await listHosts(store)).filter((name) => name !== host);
      const hint = others.length === 0 ? '' : ` (it has snapshots of ${others.join(', ')}: select one with --host)`;
      io.stderr(`${escapeText(`no snapshots of host ${host} in ${store.location}${hint}`)}\n`);
      return 0;
    }
    const idWidth = Math.max(2, ...rows.map((row) => String(row.id).length));
    const countWidth = Math.max(7, ...rows.map((row) => String(row.socketCount).length));
    const lines = [`${'ID'.padStart(idWidth)}  ${'TAKEN AT'.padEnd(24)}  ${'SOCKETS'.padStart(countWidth)}  LABEL`];
    for (const row of rows) {
      const warned = row.warnings.length > 0 ? ' (with warnings)' : '';
      lines.push(`${String(row.id).padStart(idWidth)}  ${row.takenAt.padEnd(24)}  ${String(row.socketCount).padStart(countWidth)}  ${escapeText(row.label ?? '')}${warned}`.trimEnd());
    }
    io.stdout(lines.join('\n') + '\n');
    return 0;
  } finally {
    await store.close();
  }
}
