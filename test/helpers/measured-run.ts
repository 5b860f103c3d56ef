import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, makeTempDir } from './live.js';

export interface MeasuredRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** peak resident memory of the CLI process (KiB): /usr/bin/time's maxrss, else VmHWM polled. */
  peakKiB: number;
  /** killed at the time limit (a hang). */
  timedOut: boolean;
  seconds: number;
}

const TIME = '/usr/bin/time';

/**
 * Runs the built CLI with a time limit (its whole process group is killed at the limit, so
 * a hang fails the test instead of stalling it) and measures its peak memory: with
 * /usr/bin/time (exact: the kernel's maxrss of the child) when installed, otherwise by
 * reading VmHWM from /proc/PID/status every 5 ms (the high-water mark only grows, so a
 * missed read loses at most the last 5 ms).
 */
export async function runCliMeasured(args: string[], timeoutMs: number): Promise<MeasuredRun> {
  const useTime = fs.existsSync(TIME);
  const scratch = makeTempDir('sockaudit-measure-');
  const timeFile = path.join(scratch, 'maxrss');
  const argv = useTime ? [TIME, '-f', '%M', '-o', timeFile, process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const started = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, NO_COLOR: '1' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout.length < 64 << 20 ? (stdout += chunk) : undefined));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr.length < 1 << 20 ? (stderr += chunk) : undefined));
  let polled = 0;
  const poll = setInterval(() => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match !== null) polled = Math.max(polled, Number(match[1]));
    } catch {
      // exited
    }
  }, 5);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, timeoutMs);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (code, sig) => resolve([code, sig])));
  clearTimeout(timer);
  clearInterval(poll);
  let peakKiB = polled;
  if (useTime) {
    try {
      peakKiB = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    } catch {
      // killed before time wrote it
    }
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  return { status, signal, stdout, stderr, peakKiB, timedOut, seconds: (Date.now() - started) / 1000 };
}
