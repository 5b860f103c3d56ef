import { EXIT_DIFFERENCES, EXIT_OK } from '../errors.js';
import type { CommandIo } from '../io.js';
import { escapeText } from '../render/escape-text.js';
import { openStore } from '../store/open-store.js';
import { pushSnapshots, type PushHostResult } from '../store/push-snapshots.js';

export interface PushCommandOptions {
  /** the host's own store (default as for every command) */
  db?: string;
  /** the central store: postgres://... (or another file); required (command-options.ts) */
  to: string;
  /** only this host (default: every host of the local store) */
  host?: string;
  json?: boolean;
  quiet?: boolean;
}

/**
 * `sockaudit push --to postgres://...`: ships every local snapshot the central store does
 * not have yet (push-snapshots.ts). Exit 0 when every host is up to date, 1 when a host's
 * history was refused (each named, with the snapshot), 2 on an error (a run cut off by a
 * lost connection resumes where it stopped when run again).
 */
export async function pushCommand(options: PushCommandOptions, io: CommandIo): Promise<number> {
  const local = await openStore({ db: options.db, env: io.env, readOnly: true });
  try {
    const central = await openStore({ db: options.to, env: io.env });
    try {
      const results = await pushSnapshots(local, central, { hosts: options.host === undefined ? undefined : [options.host] });
      const refused = results.filter((result) => result.refused !== null);
      if (options.json === true) io.stdout(JSON.stringify({ ok: refused.length === 0, to: central.location, hosts: results }) + '\n');
      else if (options.quiet !== true || refused.length > 0) io.stdout(results.map((result) => describe(result)).join(''));
      return refused.length === 0 ? EXIT_OK : EXIT_DIFFERENCES;
    } finally {
      await central.close();
    }
  } finally {
    await local.close();
  }
}

function describe(result: PushHostResult): string {
  const host = escapeText(result.host);
  const at = result.centralHead === null ? '' : `; central store at #${result.centralHead}`;
  if (result.refused !== null) {
    const refused = result.refused;
    return `${host}: REFUSED at snapshot #${refused.snapshotId} (taken ${escapeText(refused.takenAt)}): ${escapeText(refused.reason)}; pushed ${result.pushed} before it${at}\n`;
  }
  return `${host}: pushed ${result.pushed} snapshot${result.pushed === 1 ? '' : 's'}, ${result.present} already there${at}\n`;
}
