import type { CommandIo } from '../io.js';
import { selectedHost } from '../inventory/default-host.js';
import { openStore } from '../store/open-store.js';
import { readWatchEvents } from '../store/watch-events.js';
import { eventJson, eventText, type WatchEvent } from '../watch/watch-event.js';

export interface EventsCommandOptions {
  db?: string;
  procRoot?: string;
  host?: string;
  /** only events at or after this ISO time; null: all. */
  since: string | null;
  /** only events of sockets with this local or remote port; null: all. */
  port: number | null;
  json?: boolean;
}

/** `sockaudit events`: what `watch` stored, oldest first, one line each. */
export async function eventsCommand(options: EventsCommandOptions, io: CommandIo): Promise<number> {
  const { since, port } = options;
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const events = await readWatchEvents(store, { host: options.host ?? selectedHost({ procRoot: options.procRoot }), since, port });
    for (const event of events) {
      const line = options.json === true ? eventJson(event as WatchEvent) : eventText(event as WatchEvent);
      io.stdout(`${line}\n`);
      await io.drained();
    }
    if (events.length === 0 && options.json !== true) io.stderr('sockaudit: no events stored for this selection (events are written by `sockaudit watch`)\n');
    return 0;
  } finally {
    await store.close();
  }
}
