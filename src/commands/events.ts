import { UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { selectedHost } from '../inventory/default-host.js';
import { openStore } from '../store/open-store.js';
import { readWatchEvents } from '../store/watch-events.js';
import { parseDuration } from '../watch/parse-duration.js';
import { eventJson, eventText, type WatchEvent } from '../watch/watch-event.js';

export interface EventsCommandOptions {
  db?: string;
  procRoot?: string;
  host?: string;
  since?: string;
  port?: string;
  json?: boolean;
}

/**
 * --since: a duration ago (`1h`, `30m`, `2d`, optionally followed by "ago") or an ISO time.
 *
 * @example parseSince('1h', new Date('2026-01-01T12:00:00Z')) -> '2026-01-01T11:00:00.000Z'
 */
export function parseSince(text: string, now: Date): string {
  const ago = /^(.*?)(\s+ago)?$/.exec(text.trim())![1]!;
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$/.test(ago)) return new Date(now.getTime() - parseDuration(ago, '--since')).toISOString();
  const time = Date.parse(text);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) throw new UsageError(`--since: expected a duration (1h, 2d) or an ISO time, got "${text}"`);
  return new Date(time).toISOString();
}

/** `sockaudit events`: what `watch` stored, oldest first, one line each. */
export async function eventsCommand(options: EventsCommandOptions, io: CommandIo): Promise<number> {
  const since = options.since === undefined ? null : parseSince(options.since, new Date());
  let port: number | null = null;
  if (options.port !== undefined) {
    port = Number(options.port);
    if (!/^\d+$/.test(options.port) || port > 65535) throw new UsageError(`--port: expected a port number (0-65535), got "${options.port}"`);
  }
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
