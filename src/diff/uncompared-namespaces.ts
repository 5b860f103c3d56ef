import type { Inventory, NamespaceInfo } from '../model/socket-record.js';
import type { UncomparedNamespace } from './diff-result.js';

function countByNetns(inventory: Inventory): Map<number, number> {
  const counts = new Map<number, number>();
  for (const socket of inventory.sockets) counts.set(socket.netns, (counts.get(socket.netns) ?? 0) + 1);
  return counts;
}

function byInode(namespaces: readonly NamespaceInfo[]): Map<number, NamespaceInfo> {
  return new Map(namespaces.map((namespace) => [namespace.inode, namespace]));
}

/**
 * Whether a snapshot may have missed whole namespaces: its collector could not read some
 * processes' ns/net link (not root), so a namespace only they are in was invisible to it.
 */
function mayHaveMissedNamespaces(inventory: Inventory): boolean {
  return inventory.warnings.some((warning) => warning.code === 'netns-permission-denied');
}

/**
 * The namespaces whose sockets one snapshot could not see, so that they are left out of the
 * comparison instead of being reported as closed or opened (docs/design.md: a socket the
 * collector could not see is never reported as closed without saying so):
 * - marked unreadable (`readable: false`) in either snapshot's meta;
 * - listed in one snapshot's meta.namespaces but absent from the other's, when that other
 *   snapshot may have missed namespaces (see mayHaveMissedNamespaces). Otherwise the
 *   namespace really was not there (a container started or stopped) and its sockets are
 *   compared: a new container's listeners are what a diff after a deployment is for.
 *   An empty list means the snapshot did not record namespaces: everything is compared.
 *
 * @example
 *   before: [{ inode: 1, readable: true }, { inode: 2, readable: true }]
 *   after:  [{ inode: 1, readable: true }, { inode: 2, readable: false }]
 *     -> [{ netns: 2, reason: 'unreadable-after', ... }]
 */
export function uncomparedNamespaces(before: Inventory, after: Inventory): UncomparedNamespace[] {
  const namespacesBefore = byInode(before.meta.namespaces);
  const namespacesAfter = byInode(after.meta.namespaces);
  const inodes = [...new Set([...namespacesBefore.keys(), ...namespacesAfter.keys()])].sort((a, b) => a - b);
  const blindBefore = mayHaveMissedNamespaces(before);
  const blindAfter = mayHaveMissedNamespaces(after);
  const result: UncomparedNamespace[] = [];
  // counted only when something is left out: the common case costs no pass over the sockets
  let counts: [Map<number, number>, Map<number, number>] | null = null;
  for (const inode of inodes) {
    const infoBefore = namespacesBefore.get(inode);
    const infoAfter = namespacesAfter.get(inode);
    let reason: UncomparedNamespace['reason'] | null = null;
    if (infoBefore?.readable === false) reason = 'unreadable-before';
    else if (infoAfter?.readable === false) reason = 'unreadable-after';
    else if (infoBefore === undefined && namespacesBefore.size > 0 && blindBefore) reason = 'absent-before';
    else if (infoAfter === undefined && namespacesAfter.size > 0 && blindAfter) reason = 'absent-after';
    if (reason === null) continue;
    counts ??= [countByNetns(before), countByNetns(after)];
    result.push({
      netns: inode,
      name: infoAfter?.name ?? infoBefore?.name ?? String(inode),
      reason,
      socketsBefore: counts[0].get(inode) ?? 0,
      socketsAfter: counts[1].get(inode) ?? 0,
    });
  }
  return result;
}
