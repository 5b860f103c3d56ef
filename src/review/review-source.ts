import fs from 'node:fs';
import { collectInventory } from '../inventory/collect.js';
import { selectedHost } from '../inventory/default-host.js';
import type { Inventory } from '../model/socket-record.js';
import { isLiveProcRoot } from '../proc/proc-fs.js';
import { openStore, storeExists } from '../store/open-store.js';
import { readSnapshotOf } from '../store/read-snapshot.js';
import { resolveSnapshotWords } from '../store/resolve-snapshot.js';
import { findHostId } from '../store/snapshot-row.js';
import { filesystemExecutableAliases } from './executable-aliases.js';
import type { FindingOptions } from './findings.js';
import type { ListeningSource } from './render-listening.js';

export interface ReviewSourceOptions {
  /** SNAP words from the command line; none means the default. */
  selectors?: string[];
  db?: string;
  procRoot?: string;
  runtimeRoot?: string;
  host?: string;
}

export interface ReviewInput {
  inventory: Inventory;
  source: ListeningSource;
  findingOptions: FindingOptions;
}

/**
 * What a review command looks at: the snapshot SNAP names; without SNAP, the latest
 * snapshot of the host, or a fresh collection when there is no database (or no snapshot of
 * the host) yet, or when --proc-root names a captured tree. Symlinked command names are resolved (for masquerade detection) only for
 * what was read from this machine's /proc.
 */
export async function loadReviewInput(options: ReviewSourceOptions, env: NodeJS.ProcessEnv): Promise<ReviewInput> {
  const procRoot = options.procRoot ?? '/proc';
  const host = selectedHost(options); // the host whose snapshots selectors search
  const selectors = options.selectors ?? [];
  // no SNAP: a captured tree given with --proc-root is what the user wants to look at
  if (selectors.length === 0 && (!isLiveProcRoot(procRoot) || !storeExists({ db: options.db, env }))) return collectNow(procRoot, options.host, options.runtimeRoot);
  const store = await openStore({ db: options.db, env, readOnly: true });
  try {
    if (selectors.length === 0 && (await findHostId(store.db, host)) === undefined) return collectNow(procRoot, options.host, options.runtimeRoot);
    const row = await resolveSnapshotWords(store, host, selectors);
    const inventory = await readSnapshotOf(store, row);
    const thisMachine = isLiveProcRoot(row.procRoot) && row.host === selectedHost({ procRoot: '/proc' });
    return {
      inventory,
      source: { kind: 'snapshot', id: row.id, host: row.host, takenAt: row.takenAt },
      findingOptions: thisMachine ? { aliases: filesystemExecutableAliases('/proc', true) } : {},
    };
  } finally {
    await store.close();
  }
}

async function collectNow(procRoot: string, host: string | undefined, runtimeRoot: string | undefined): Promise<ReviewInput> {
  const inventory = await collectInventory({ procRoot, host, runtimeRoot, leaveOutOwnProcess: true });
  return {
    inventory,
    source: { kind: 'collection', id: null, host: inventory.meta.host, takenAt: inventory.meta.takenAt },
    findingOptions: isLiveProcRoot(procRoot) ? { aliases: filesystemExecutableAliases(procRoot, true) } : {},
  };
}
