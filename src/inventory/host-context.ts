import fs from 'node:fs';
import path from 'node:path';
import { errnoCode } from '../errors.js';
import { PASSWD_LIMITS, PROCESS_FILE_LIMITS, readBoundedFile, type ReadNote } from '../proc/bounded-read.js';
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
  /** what could not be read for another reason than absence (a FIFO as etc/passwd, a cut file), one line each, naming the file. */
  problems: string[];
}

/**
 * Inode of one /run/netns entry: a captured tree holds "net:[N]" as text; a live entry is
 * an nsfs bind mount whose inode is the namespace's (reading it fails with EINVAL).
 */
function netnsEntryInode(file: string, notes: ReadNote[], problems: string[]): number {
  try {
    const inode = parseNetnsLink(readBoundedFile(file, PROCESS_FILE_LIMITS, notes).toString('utf8').trim());
    if (inode > 0) return inode;
  } catch (error) {
    // EINVAL: not text but a live nsfs mount, identified by its inode below; a FIFO or a
    // device (NOT_REGULAR) in a captured tree names no namespace
    if (errnoCode(error) === 'NOT_REGULAR') {
      problems.push((error as Error).message);
      return -1;
    }
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
  const notes: ReadNote[] = [];
  const problems: string[] = [];
  try {
    users = parsePasswd(readBoundedFile(passwdFile, PASSWD_LIMITS, notes).toString('utf8'));
  } catch (error) {
    users = null; // no passwd: user names stay null
    const code = errnoCode(error);
    if (code !== 'ENOENT') problems.push(code === 'NOT_REGULAR' ? (error as Error).message : `${passwdFile}: ${code ?? String(error)}; user names are unknown`);
  }
  const netnsNames = new Map<number, string>();
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(netnsDir).sort();
  } catch {
    entries = [];
  }
  for (const name of entries) {
    const inode = netnsEntryInode(path.join(netnsDir, name), notes, problems);
    if (inode > 0 && !netnsNames.has(inode)) netnsNames.set(inode, name);
  }
  for (const note of notes) problems.push(note.message);
  return { users, netnsNames, problems };
}
