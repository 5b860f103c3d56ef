import { UsageError } from '../errors.js';
import { redactCmdline } from '../inventory/redact-cmdline.js';
import type { Inventory } from '../model/socket-record.js';

/** What `snapshot --cmdline` keeps of owners' command lines. */
export type CmdlinePolicy = 'full' | 'redacted' | 'none';

export function parseCmdlinePolicy(value: unknown): CmdlinePolicy {
  const text = value === undefined ? 'redacted' : String(value).toLowerCase();
  if (text === 'full' || text === 'redacted' || text === 'none') return text;
  throw new UsageError(`--cmdline: expected full, redacted or none, got "${String(value)}"`);
}

/**
 * The inventory with owners' command lines as the policy says: unchanged, passed through
 * redactCmdline (secret-looking values replaced), or dropped (null). Applied before
 * storing, so that a secret never reaches the database.
 */
export function applyCmdlinePolicy(inventory: Inventory, policy: CmdlinePolicy): Inventory {
  if (policy === 'full') return inventory;
  const cache = new Map<string, string>();
  const transform = (cmdline: string | null): string | null => {
    if (cmdline === null || policy === 'none') return null;
    let redacted = cache.get(cmdline);
    if (redacted === undefined) {
      redacted = redactCmdline(cmdline);
      cache.set(cmdline, redacted);
    }
    return redacted;
  };
  return {
    ...inventory,
    // new objects only where a command line actually changes: most owners have none to hide
    sockets: inventory.sockets.map((socket) => {
      if (socket.owners.every((owner) => transform(owner.cmdline) === owner.cmdline)) return socket;
      return { ...socket, owners: socket.owners.map((owner) => ({ ...owner, cmdline: transform(owner.cmdline) })) };
    }),
  };
}
