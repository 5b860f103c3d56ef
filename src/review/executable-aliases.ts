import fs from 'node:fs';
import path from 'node:path';
import type { ExecutableAliases } from './masquerade.js';

/** where a bare command name is looked up, in the order a login shell on Debian would. */
const COMMAND_DIRECTORIES = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * Resolves `target` with symlinks followed as the process would see them: inside `root`
 * (a container's /proc/PID/root), where an absolute link restarts at that root rather than at
 * ours. Returns the resolved path relative to the root, or null when it does not resolve.
 */
export function resolveWithinRoot(root: string, target: string, maxLinks = 40): string | null {
  let pending = target.split('/').filter((part) => part !== '' && part !== '.');
  let resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(path.join(root, ...candidate));
    } catch {
      return null;
    }
    if (!stat.isSymbolicLink()) {
      resolved = candidate;
      continue;
    }
    if (++links > maxLinks) return null;
    const link = fs.readlinkSync(path.join(root, ...candidate));
    const linkParts = link.split('/').filter((p) => p !== '' && p !== '.');
    if (link.startsWith('/')) resolved = [];
    pending = [...linkParts, ...pending];
  }
  return '/' + resolved.join('/');
}

/**
 * ExecutableAliases that looks at the filesystem of each process (`<procRoot>/<pid>/root`)
 * and, when `hostFallback` is set and that is gone, at this host's. Used for live collections
 * and for snapshots of this host; fixtures get none and are judged by name alone.
 */
export function filesystemExecutableAliases(procRoot: string, hostFallback: boolean): ExecutableAliases {
  const rootsOf = (pid: number): string[] => {
    const processRoot = path.join(procRoot, String(pid), 'root');
    const roots: string[] = [];
    try {
      fs.statSync(processRoot);
      roots.push(processRoot);
    } catch {
      // process gone or root unreadable
    }
    if (hostFallback && roots.length === 0) roots.push('/');
    return roots;
  };
  return {
    isAlias(pid, name, exe) {
      const candidates = name.includes('/')
        ? name.startsWith('/')
          ? [name]
          : []
        : COMMAND_DIRECTORIES.map((directory) => `${directory}/${name}`);
      for (const root of rootsOf(pid)) {
        for (const candidate of candidates) {
          if (resolveWithinRoot(root, candidate) === exe) return true;
        }
      }
      return false;
    },
  };
}
