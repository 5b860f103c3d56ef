import type { CommandIo } from '../io.js';
import { listHosts } from '../store/list-snapshots.js';
import { openStore } from '../store/open-store.js';
import { queryHistory, type HistoryQuery } from '../review/history-query.js';
import { historyJson, renderHistory } from '../review/render-history.js';
import { selectedHost } from '../inventory/default-host.js';
import { socketLabel } from '../review/socket-label.js';
import { readWatchEvents } from '../store/watch-events.js';
import { renderSeenBetweenSnapshots, seenOnlyByEvents } from '../watch/between-snapshots.js';
import type { SocketRecord } from '../model/socket-record.js';

export interface HistoryCommandOptions {
  /** what to look for (at least one of port, path, exe, family: program.ts checks). */
  filter: HistoryQuery;
  /** the flags as the user gave them, for the text report's heading, e.g. "--port 22". */
  description: string;
  db?: string;
  procRoot?: string;
  host?: string;
  json?: boolean;
  /** every host in the store, one after the other */
  allHosts?: boolean;
}

/**
 * `sockaudit history --port N | --path P | --exe E | --family F`: the periods during which
 * matching sockets existed (first seen, last seen, snapshot ids) with their owners, from the
 * stored versions alone; with --all-hosts, for every host of the store in turn. Exit 0 (also when nothing matches: that is an answer).
 */
export async function historyCommand(options: HistoryCommandOptions, io: CommandIo): Promise<number> {
  const { filter, description } = options;
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const hosts = options.allHosts === true ? await listHosts(store) : [selectedHost(options)];
    const documents: string[] = [];
    for (const host of hosts) {
      const periods = await queryHistory(store, host, filter);
      // sockets that only `watch` saw (opened and closed between two snapshots)
      const between = seenOnlyByEvents(await readWatchEvents(store, { host, port: filter.port ?? null })).filter((entry) => matchesHistory(entry.socket, filter));
      if (options.json === true) {
        documents.push(between.length === 0 ? historyJson(host, filter, periods) : JSON.stringify({ ...JSON.parse(historyJson(host, filter, periods)), seenBetweenSnapshots: between }, null, 2) + '\n');
      } else {
        io.stdout(renderHistory(host, description, periods) + renderSeenBetweenSnapshots(between, socketLabel));
      }
    }
    if (options.json === true) {
      io.stdout(options.allHosts === true ? JSON.stringify({ hosts: documents.map((text) => JSON.parse(text) as unknown) }, null, 2) + '\n' : documents[0]!);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** The history flags applied to a socket known only from events (the store filters versions in SQL). */
function matchesHistory(socket: SocketRecord, filter: HistoryQuery): boolean {
  if (filter.port !== undefined && socket.localPort !== filter.port && socket.remotePort !== filter.port) return false;
  if (filter.path !== undefined && socket.path !== filter.path) return false;
  if (filter.family !== undefined && socket.family !== filter.family) return false;
  if (filter.ipVersion !== undefined && socket.ipVersion !== filter.ipVersion) return false;
  if (filter.exe !== undefined && !socket.owners.some((owner) => owner.exe === filter.exe)) return false;
  return true;
}
