import { diffInventories } from '../diff/diff-inventories.js';
import type { DiffReport } from '../diff/diff-report.js';
import type { SnapshotRef } from '../diff/diff-result.js';
import { renderJson } from '../diff/render-json.js';
import { renderMarkdown } from '../diff/render-markdown.js';
import { renderText } from '../diff/render-text.js';
import { renderUnified } from '../diff/render-unified.js';
import { EXIT_DIFFERENCES, EXIT_OK } from '../errors.js';
import type { DiffFormat } from '../diff/diff-format.js';
import { checkNetnsFilter, type SocketFilter } from '../inventory/socket-filter.js';
import type { CommandIo } from '../io.js';
import { selectedHost } from '../inventory/default-host.js';
import { openStore } from '../store/open-store.js';
import { readSnapshotOf, readSnapshotPair } from '../store/read-snapshot.js';
import { hostNeutral } from '../diff/host-neutral.js';
import { resolveSnapshot } from '../store/resolve-snapshot.js';
import type { SnapshotSelector } from '../store/snapshot-selector.js';
import type { SnapshotRow } from '../store/snapshot-row.js';
import { readWatchEvents } from '../store/watch-events.js';
import { socketLabel } from '../review/socket-label.js';
import { matchesFilter } from '../inventory/socket-filter.js';
import { renderSeenBetweenSnapshots, seenOnlyByEvents } from '../watch/between-snapshots.js';

export interface DiffCommandOptions {
  /** the two snapshots (program.ts: none named is `last 2` to `latest`, one named is it to `latest`). */
  from: SnapshotSelector;
  to: SnapshotSelector;
  /** which sockets to compare (all: {}). */
  filter: SocketFilter;
  format: DiffFormat;
  db?: string;
  procRoot?: string;
  host?: string;
  sockets?: boolean;
  /** list inode-only changes too (text and markdown; JSON always has them) */
  verbose?: boolean;
  /**
   * host-vs-host: FROM is read from --host, TO from this host (program.ts: each `latest`
   * unless named), compared without host-specific parts (host-neutral.ts)
   */
  toHost?: string;
}

function snapshotRef(row: SnapshotRow): SnapshotRef {
  return { id: row.id, takenAt: row.takenAt, host: row.host, label: row.label };
}

/**
 * `sockaudit diff [FROM [TO]]`: what was opened, closed, changed and rebound between two
 * stored snapshots, as text, json, unified or markdown. Exit 0 with no differences, 1 with
 * some (for unified: when the patch has a hunk), 2 on errors (thrown, mapped by run()).
 */
export async function diffCommand(options: DiffCommandOptions, io: CommandIo): Promise<number> {
  const { format, filter } = options;
  const store = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const host = selectedHost(options);
    const pair = { from: await resolveSnapshot(store, host, options.from), to: await resolveSnapshot(store, options.toHost ?? host, options.to) };
    const [before, after] = options.toHost === undefined
      ? await readSnapshotPair(store, pair.from, pair.to)
      : ([hostNeutral(await readSnapshotOf(store, pair.from)), hostNeutral(await readSnapshotOf(store, pair.to))] as const);
    checkNetnsFilter(filter, [...before.meta.namespaces, ...after.meta.namespaces], `snapshots ${pair.from.id} and ${pair.to.id}`);
    const report: DiffReport = {
      from: snapshotRef(pair.from),
      to: snapshotRef(pair.to),
      result: diffInventories(before, after, { sockets: options.sockets === true, filter }),
    };
    if (format === 'unified') {
      const patch = renderUnified(report, before, after, filter);
      io.stdout(patch.text);
      return patch.differs ? EXIT_DIFFERENCES : EXIT_OK;
    }
    // what `watch` saw live and die between the two (events after FROM, before TO was taken);
    // nothing lies between two hosts' snapshots
    const between = options.toHost !== undefined ? [] : seenOnlyByEvents(
      await readWatchEvents(store, { host: pair.to.host, afterSnapshotFrom: Math.min(pair.from.id, pair.to.id), afterSnapshotBefore: Math.max(pair.from.id, pair.to.id) }),
    ).filter((entry) => matchesFilter(entry.socket, filter));
    if (format === 'json') {
      const rendered = renderJson(report);
      io.stdout(between.length === 0 ? rendered : JSON.stringify({ ...JSON.parse(rendered), seenBetweenSnapshots: between }, null, 2) + '\n');
    } else {
      const verbose = options.verbose === true;
      io.stdout((format === 'markdown' ? renderMarkdown(report, { verbose }) : renderText(report, { color: io.color, verbose })) + renderSeenBetweenSnapshots(between, socketLabel));
    }
    return report.result.changes.length > 0 || between.length > 0 ? EXIT_DIFFERENCES : EXIT_OK;
  } finally {
    await store.close();
  }
}
