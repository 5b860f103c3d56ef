import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO_ROOT, 'dist/bin/sockaudit.cjs');

export const IS_ROOT = process.getuid?.() === 0;

/** Whether a command is on PATH. */
export function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export interface HeldSockets {
  child: ChildProcess;
  pid: number;
  children: number[];
  sockets: Record<string, { inode?: number; inodes?: number[]; fd?: number; fds?: number[]; port?: number }>;
  release(): Promise<void>;
}

/**
 * Starts test/helpers/socket-holder.py (optionally under a command prefix such as
 * `ip netns exec NAME`) and waits for its report of the sockets it holds.
 */
export async function holdSockets(spec: object[], prefix: string[] = []): Promise<HeldSockets> {
  const script = path.join(REPO_ROOT, 'test/helpers/socket-holder.py');
  const argv = [...prefix, 'python3', script, JSON.stringify(spec)];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`socket-holder exited with ${code} before reporting`)));
  });
  const report = JSON.parse(line) as Omit<HeldSockets, 'child' | 'release'>;
  return {
    child,
    ...report,
    release: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

/** Runs the built CLI; never throws for a non-zero exit. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    uid: options.uid,
    gid: options.gid,
    maxBuffer: 512 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), prefix));
}
