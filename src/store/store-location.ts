import os from 'node:os';
import path from 'node:path';

export interface StoreLocationOptions {
  /** --db */
  db?: string;
  env: NodeJS.ProcessEnv;
  /** effective uid; defaults to this process's */
  uid?: number;
}

export const SYSTEM_STORE_PATH = '/var/lib/sockaudit/sockaudit.db';

/**
 * Where the database lives (docs/design.md, "Storage"): --db, else $SOCKAUDIT_DB, else
 * /var/lib/sockaudit/sockaudit.db for root, else $XDG_DATA_HOME/sockaudit/sockaudit.db
 * with XDG_DATA_HOME defaulting to ~/.local/share as the XDG spec says.
 *
 * @example
 *   resolveStorePath({ db: 'x.db', env: {} })                           -> '<cwd>/x.db'
 *   resolveStorePath({ env: { SOCKAUDIT_DB: '/srv/s.db' } })            -> '/srv/s.db'
 *   resolveStorePath({ env: {}, uid: 0 })                               -> '/var/lib/sockaudit/sockaudit.db'
 *   resolveStorePath({ env: { XDG_DATA_HOME: '/d', HOME: '/h' }, uid: 1000 }) -> '/d/sockaudit/sockaudit.db'
 *   resolveStorePath({ env: { HOME: '/h' }, uid: 1000 })                -> '/h/.local/share/sockaudit/sockaudit.db'
 */
export function resolveStorePath(options: StoreLocationOptions): string {
  const chosen = nonEmpty(options.db) ?? nonEmpty(options.env.SOCKAUDIT_DB);
  if (chosen !== undefined) return path.resolve(chosen);
  const uid = options.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) return SYSTEM_STORE_PATH;
  // the XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored
  const xdg = nonEmpty(options.env.XDG_DATA_HOME);
  const dataHome = xdg !== undefined && path.isAbsolute(xdg)
    ? xdg
    : path.join(nonEmpty(options.env.HOME) ?? os.homedir(), '.local', 'share');
  return path.join(dataHome, 'sockaudit', 'sockaudit.db');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
