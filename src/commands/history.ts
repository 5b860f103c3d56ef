import type { CommandIo } from '../io.js';
import { openStore } from '../store/open-store.js';
import { parseHistoryFilter, queryHistory, type HistoryOptions } from '../review/history-query.js';
import { historyJson, renderHistory } from '../review/render-history.js';
import { selectedHost } from '../inventory/default-host.js';

export interface HistoryCommandOptions extends HistoryOptions {
  db?: string;
  procRoot?: string;
  host?: string;
  json?: boolean;
}

/**
 * `sockaudit history --port N | --path P | --exe E | --family F`: the periods during which
 * matching sockets existed (first seen, last seen, snapshot ids) with their owners, from the
 * stored versions alone. Exit 0 (also when nothing matches: that is an answer).
 */
export async function historyCommand(options: HistoryCommandOptions, io: CommandIo): Promise<number> {
  const filter = parseHistoryFilter(options);
  const host = selectedHost(options);
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const periods = await queryHistory(store, host, filter);
    const description = (['port', 'path', 'exe', 'family'] as const)
      .filter((flag) => options[flag] !== undefined)
      .map((flag) => `--${flag} ${String(options[flag])}`)
      .join(' ');
    io.stdout(options.json === true ? historyJson(host, filter, periods) : renderHistory(host, description, periods));
    return 0;
  } finally {
    await store.close();
  }
}
