import type { SocketOwner } from '../model/socket-record.js';

/** What names an owner when its exe link could not be read: `[comm]`, as ps shows kernel threads. */
function ownerName(owner: SocketOwner): string | null {
  if (owner.exe !== null) return owner.exe;
  return owner.comm !== null ? `[${owner.comm}]` : null;
}

/**
 * The executables owning a socket, as one string: distinct, sorted, comma-separated; null
 * when the socket has no known owner (TIME_WAIT, or owners hidden by permissions).
 * A forked server whose children share the socket thus still has one signature.
 *
 * @example
 *   [{ exe: '/usr/sbin/nginx', ... }, { exe: '/usr/sbin/nginx', ... }] -> '/usr/sbin/nginx'
 *   [{ exe: null, comm: 'kworker' }]                                    -> '[kworker]'
 *   []                                                                  -> null
 */
export function ownerExeSignature(owners: readonly SocketOwner[]): string | null {
  if (owners.length === 1) return ownerName(owners[0]!); // the common case, without a Set
  const names = new Set<string>();
  for (const owner of owners) {
    const name = ownerName(owner);
    if (name !== null) names.add(name);
  }
  if (names.size === 0) return null;
  return [...names].sort().join(', ');
}
