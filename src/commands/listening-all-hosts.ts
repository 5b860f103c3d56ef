import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { LISTENING_GROUPS, listeningPort, toListeningEntry, type ListeningGroup } from '../review/listening-report.js';
import { listeningAcrossHosts } from '../store/fleet-queries.js';
import { openStore } from '../store/open-store.js';

export interface ListeningAllHostsOptions {
  db?: string;
  json?: boolean;
  /** only this local port (command-options.ts checks it) */
  port?: number;
  /** only this group */
  exposure?: ListeningGroup;
}

/** One port and exposure across the fleet, with the hosts that listen there. */
export interface FleetListener {
  port: number | null;
  family: string;
  group: ListeningGroup;
  hosts: string[];
  exes: string[];
}

/**
 * `sockaudit listening --all-hosts`: what listens where across every host's latest
 * snapshot, grouped by port, family and exposure (widest first), naming the hosts.
 */
export async function listeningAllHostsCommand(options: ListeningAllHostsOptions, io: CommandIo): Promise<number> {
  const { port, exposure } = options;
  const store = await openStore({ db: options.db, env: io.env, access: 'read' });
  let listeners: FleetListener[];
  try {
    listeners = group(await listeningAcrossHosts(store, { port }), exposure);
  } finally {
    await store.close();
  }
  if (options.json === true) {
    io.stdout(JSON.stringify(listeners) + '\n');
    return 0;
  }
  const lines = listeners.map((listener) => {
    const where = `${listener.port ?? '-'}/${listener.family}`;
    const exes = listener.exes.length === 0 ? '' : `  (${listener.exes.map((exe) => escapeText(exe)).join(', ')})`;
    return `${where.padEnd(12)} ${listener.group.padEnd(10)} ${listener.hosts.length} host${listener.hosts.length === 1 ? '' : 's'}: ${listener.hosts.map((host) => escapeText(host)).join(', ')}${exes}`;
  });
  io.stdout(lines.length === 0 ? 'no listening sockets in any host\'s latest snapshot\n' : lines.join('\n') + '\n');
  return 0;
}

function group(sockets: Awaited<ReturnType<typeof listeningAcrossHosts>>, exposure: ListeningGroup | undefined): FleetListener[] {
  const byKey = new Map<string, FleetListener & { hostSet: Set<string>; exeSet: Set<string> }>();
  for (const { host, record } of sockets) {
    const entry = toListeningEntry(record);
    if (exposure !== undefined && entry.group !== exposure) continue;
    const port = listeningPort(record);
    const family = record.ipVersion === 6 ? `${record.family}6` : record.family;
    const key = JSON.stringify([port, family, entry.group]);
    let listener = byKey.get(key);
    if (listener === undefined) {
      listener = { port, family, group: entry.group, hosts: [], exes: [], hostSet: new Set(), exeSet: new Set() };
      byKey.set(key, listener);
    }
    listener.hostSet.add(host);
    for (const exe of entry.exes) listener.exeSet.add(exe);
  }
  return [...byKey.values()]
    .map(({ hostSet, exeSet, ...listener }) => ({ ...listener, hosts: [...hostSet].sort(), exes: [...exeSet].sort() }))
    .sort((a, b) => (a.port ?? -1) - (b.port ?? -1) || a.family.localeCompare(b.family) || LISTENING_GROUPS.indexOf(a.group) - LISTENING_GROUPS.indexOf(b.group));
}
