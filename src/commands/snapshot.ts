import { collectInventory } from '../inventory/collect.js';
import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { renderWarnings } from '../render/warnings-text.js';
import { cmdlineRenderer, type CmdlinePolicy } from '../store/cmdline-policy.js';
import { checkStoreLocation, openStore, type Store } from '../store/open-store.js';
import { periodicCheck } from '../store/periodic-check.js';
import { recordWitness, witnessGuard } from '../store/witness-guard.js';
import { selectedHost } from '../inventory/default-host.js';
import { readOpenState, writeSnapshot } from '../store/write-snapshot.js';

export interface SnapshotCommandOptions {
  db?: string;
  procRoot?: string;
  runtimeRoot?: string;
  host?: string;
  label?: string;
  quiet?: boolean;
  json?: boolean;
  /** what to keep of owners' command lines (default: redacted). */
  cmdline?: CmdlinePolicy;
  /** go on from what the database holds when it is behind its witness (the loss is recorded) */
  acceptLoss?: boolean;
}

/**
 * `sockaudit snapshot`: collects the inventory and stores it as the host's next snapshot,
 * writing only what changed. Made for cron: `--quiet` prints nothing on success (errors
 * still get their one line on stderr), and overlapping runs queue on the database lock.
 */
export async function snapshotCommand(options: SnapshotCommandOptions, io: CommandIo): Promise<number> {
  const started = process.hrtime.bigint(); // not performance.now(): that loads perf_hooks at start-up
  const policy = options.cmdline ?? 'redacted';
  // a bad --db fails before the (longer) collection; an existing database is opened first,
  // but a missing one is created only once there is something to store in it
  const { exists } = checkStoreLocation({ db: options.db, env: io.env });
  let store: Store | null = exists ? await openStore({ db: options.db, env: io.env, access: 'create' }) : null;
  try {
    if (store !== null) await periodicCheck(store);
    const procRoot = options.procRoot ?? '/proc';
    // owners' command lines are redacted as they are read, while their arguments are apart
    const collecting = collectInventory({ procRoot, runtimeRoot: options.runtimeRoot, host: options.host, leaveOutOwnProcess: true, cmdline: cmdlineRenderer(policy) });
    // read what the snapshot compares with while the collection waits for the kernel's
    // dumps (readOpenState); a read ahead that fails is simply done again under the lock
    const openState = store === null ? Promise.resolve(null) : readOpenState(store, selectedHost({ host: options.host, procRoot })).catch(() => null);
    const inventory = await collecting;
    store ??= await openStore({ db: options.db, env: io.env, access: 'create' });
    const summary = await writeSnapshot(store, inventory, {
      host: inventory.meta.host,
      label: options.label ?? null,
      openState: await openState,
      guard: witnessGuard(store.location, options.acceptLoss === true),
    });
    await recordWitness(store);
    const durationMs = Number((process.hrtime.bigint() - started) / 1_000_000n);
    if (options.quiet === true) return 0;
    if (options.json === true) {
      io.stdout(
        JSON.stringify({
          id: summary.id,
          takenAt: summary.takenAt,
          host: summary.host,
          label: summary.label,
          socketCount: summary.socketCount,
          written: summary.written,
          durationMs,
          warnings: summary.warnings,
        }) + '\n',
      );
    } else {
      io.stderr(renderWarnings(summary.warnings));
      const label = summary.label === null ? '' : ` @${summary.label}`;
      io.stdout(
        `snapshot ${summary.id}${escapeText(label)} of ${escapeText(summary.host)} at ${summary.takenAt}: ${summary.socketCount} sockets; ` +
          `${summary.written.opened} opened or changed, ${summary.written.closed} closed or replaced (${durationMs} ms)\n`,
      );
    }
    return 0;
  } finally {
    await store?.close();
  }
}
