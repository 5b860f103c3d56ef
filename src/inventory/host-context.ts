import fs from 'node:fs';
import path from 'node:path';
import { isLiveProcRoot } from '../proc/proc-fs.js';
import { parseNetnsLink } from '../proc/parse-process-files.js';
import { parsePasswd } from '../proc/parse-passwd.js';

/**
 * What the collector needs from outside /proc: user names and the names given to network
 * namespaces by `ip netns add` (bind mounts in /run/netns). For the live /proc these are
 * /etc/passwd and /run/netns; for a captured tree they live inside it, as
 * DIR/etc/passwd and DIR/run/netns/NAME (a text file holding "net:[INODE]").
 */
export interface HostContext {
  users: Map<number, string> | null;
  netnsNames: Map<number, string>;
}

/**
 * Inode of one /run/netns entry: a captured tree holds "net:[N]" as text; a live entry is
 * an nsfs bind mount whose inode is the namespace's (reading it fails with EINVAL).
 */
function netnsEntryInode(file: string): number {
  try {
    const inode = parseNetnsLink(fs.readFileSync(file, 'utf8').trim());
    if (inode > 0) return inode;
  } catch {
    // not text: a live nsfs mount, identified by its inode below
  }
  try {
    return fs.statSync(file).ino;
  } catch {
    return -1;
  }
}

export function readHostContext(procRoot: string): HostContext {
  const live = isLiveProcRoot(procRoot);
  const passwdFile = live ? '/etc/passwd' : path.join(procRoot, 'etc/passwd');
  const netnsDir = live ? '/run/netns' : path.join(procRoot, 'run/netns');
  let users: Map<number, string> | null = null;
  try {
    users = parsePasswd(fs.readFileSync(passwdFile, 'utf8'));
  } catch {
    users = null; // no passwd: user names stay null
  }
  const netnsNames = new Map<number, string>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(netnsDir).sort();
  } catch {
    entries = [];
  }
  for (const name of entries) {
    const inode = netnsEntryInode(path.join(netnsDir, name));
    if (inode > 0 && !netnsNames.has(inode)) netnsNames.set(inode, name);
  }
  return { users, netnsNames };
}
