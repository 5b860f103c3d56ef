import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { selectedHost } from '../inventory/default-host.js';
import { openStore } from '../store/open-store.js';
import { fullDiskError, pruneSnapshots, type PrunePolicy } from '../store/prune-snapshots.js';
import { resolveStorePath } from '../store/store-location.js';
import type { Store } from '../store/open-store.js';

export interface PruneCommandOptions {
  db?: string;
  procRoot?: string;
  host?: string;
  /** keep the newest N, or remove those taken before a time (exactly one: program.ts parses --keep and --older-than). */
  policy: PrunePolicy;
  json?: boolean;
  quiet?: boolean;
  /** rewrite the file without the freed pages (VACUUM) */
  vacuum?: boolean;
}

/**
 * `sockaudit prune`: removes the host's oldest snapshots; every remaining one stays
 * readable and `verify` keeps passing. The newest snapshot is never removed.
 */
export async function pruneCommand(options: PruneCommandOptions, io: CommandIo): Promise<number> {
  const { policy } = options;
  // on a full disk the open or the deletions fail: fullDiskError says why, exactly
  const location = resolveStorePath({ db: options.db, env: io.env });
  let store: Store;
  try {
    store = await openStore({ db: options.db, env: io.env, access: 'write' });
  } catch (error) {
    throw fullDiskError(error, location);
  }
  try {
    // (pruneSnapshots folds the WAL back into the file, so its space returns at once)
    const result = await pruneSnapshots(store, selectedHost(options), policy, { vacuum: options.vacuum === true }).catch((error: unknown) => {
      throw fullDiskError(error, location);
    });
    if (options.quiet === true) {
      // cron: nothing on success
    } else if (options.json === true) {
      io.stdout(JSON.stringify(result) + '\n');
    } else if (result.removedSnapshots === 0) {
      io.stdout(`nothing to prune for host ${escapeText(result.host)} (${result.keptSnapshots} snapshots)\n`);
    } else {
      io.stdout(
        `pruned ${result.removedSnapshots} snapshots of ${escapeText(result.host)} (${result.removedVersions} socket versions, ${result.removedEvents} watch events); ` +
          `${result.keptSnapshots} kept, the oldest now ${result.oldestKept}\n` +
          fileSizeLine(result.fileBytes, options.vacuum === true),
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** What happened to the file: it shrinks only with --vacuum (freed pages are otherwise reused by later snapshots). */
function fileSizeLine(bytes: { before: number; after: number } | undefined, vacuum: boolean): string {
  if (bytes === undefined) return '';
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  if (vacuum) return `database file: ${mb(bytes.before)} -> ${mb(bytes.after)}\n`;
  return `database file: ${mb(bytes.after)}; the freed space is reused by later snapshots (--vacuum shrinks the file)\n`;
}
