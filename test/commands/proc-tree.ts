import fs from 'node:fs';
import path from 'node:path';

/**
 * A writable copy of a captured /proc tree under fixtures/proc (symbolic links kept as
 * links), so a test can change it, e.g. plant a secret on a command line.
 */
export function copyProcTree(fixture: string, into: string): string {
  const source = path.resolve('fixtures/proc', fixture);
  const target = path.join(into, fixture);
  fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
  return target;
}

/** Replaces a process's /proc/PID/cmdline with these argv words. */
export function setCmdline(procRoot: string, pid: number, argv: string[]): void {
  fs.writeFileSync(path.join(procRoot, String(pid), 'cmdline'), argv.join('\0') + '\0');
}
