import fs from 'node:fs';
import { collectInventory } from '../inventory/collect.js';
import { selectedHost } from '../inventory/default-host.js';
import type { Inventory } from '../model/socket-record.js';
import { isLiveProcRoot } from '../proc/proc-fs.js';
import { openStore, storeExists } from '../store/open-store.js';
import { readSnapshotOf } from '../store/read-snapshot.js';
import { resolveSnapshot } from '../store/resolve-snapshot.js';
import type { SnapshotSelector } from '../store/snapshot-selector.js';
import { findHostId } from '../store/snapshot-row.js';
import { filesystemExecutableAliases } from './executable-aliases.js';
import type { FindingOptions } from './findings.js';
import type { ListeningSource } from './render-listening.js';

export interface ReviewSourceOptions {
  /** the SNAP the command line named; undefined means the default (see loadReviewInput). */
  snapshot?: SnapshotSelector;
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

const LATEST: SnapshotSelector = { kind: 'nth-newest', text: 'latest', n: 1, range: false };

/**
 * What a review command looks at: the snapshot SNAP names; without SNAP, the latest
 * snapshot of the host, or a fresh collection when there is no database (or no snapshot of
 * the host) yet, or when --proc-root names a captured tree. Symlinked command names are resolved (for masquerade detection) only for
 * what was read from this machine's /proc.
 */
export async function loadReviewInput(options: ReviewSourceOptions, env: NodeJS.ProcessEnv): Promise<ReviewInput> {
  const procRoot = options.procRoot ?? '/proc';
  const host = selectedHost(options); // the host whose snapshots selectors search
  const selector = options.snapshot;
  // no SNAP: a captured tree given with --proc-root is what the user wants to look at
  if (selector === undefined && (!isLiveProcRoot(procRoot) || !storeExists({ db: options.db, env }))) return collectNow(procRoot, options.host, options.runtimeRoot);
  const store = await openStore({ db: options.db, env, readOnly: true });
  try {
    if (selector === undefined && (await findHostId(store.db, host)) === undefined) return collectNow(procRoot, options.host, options.runtimeRoot);
    const row = await resolveSnapshot(store, host, selector ?? LATEST);
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
