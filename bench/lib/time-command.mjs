/*
 * time-command.mjs - run one command as a whole process, stdout to /dev/null, and measure it:
 * wall time (node's monotonic clock around the process, ms resolution: GNU time's %e only has
 * 10 ms) and peak RSS (GNU time's %M, in KiB). A command that exceeds its timeout is killed
 * together with anything it started (it runs in its own process group) and reported as timed out.
 *
 *   const run = await timeCommand(['ss', '-tuanxwp0'], { timeoutMs: 60_000 });
 *   // { wallMs: 118.2, peakRssKb: 4312, exitCode: 0, signal: null, timedOut: false, stderrTail: '' }
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GNU_TIME_PATH = '/usr/bin/time';
const STDERR_TAIL_BYTES = 4096;

/** True when /usr/bin/time is GNU time (needed for -f/-o and %M). */
export function hasGnuTime() {
  if (!fs.existsSync(GNU_TIME_PATH)) return false;
  const probe = spawnSync(GNU_TIME_PATH, ['--version'], { encoding: 'utf8' });
  return `${probe.stdout}${probe.stderr}`.includes('GNU');
}

/** True when `name` is an executable on PATH (or an existing path). */
export function commandExists(name) {
  if (name.includes('/')) return fs.existsSync(name);
  return (process.env.PATH ?? '')
    .split(':')
    .some((dir) => {
      try {
        fs.accessSync(path.join(dir || '.', name), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * Runs argv once. Options: timeoutMs (default 120 s), useGnuTime (default true; false measures
 * wall time only and reports peakRssKb null), env, stdout (a file path; default /dev/null).
 */
export function timeCommand(argv, { timeoutMs = 120_000, useGnuTime = true, env = process.env, stdout = '/dev/null' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-time-'));
  const reportFile = path.join(dir, 'time.txt');
  const command = useGnuTime ? [GNU_TIME_PATH, '-f', '%e %M %x', '-o', reportFile, '--', ...argv] : argv;
  const stdoutFd = fs.openSync(stdout, 'w');
  return new Promise((resolve, reject) => {
    let stderrTail = '';
    let timedOut = false;
    const started = process.hrtime.bigint();
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', stdoutFd, 'pipe'], detached: true, env });
    fs.closeSync(stdoutFd);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.stderr.on('data', (chunk) => {
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
      reject(new Error(`cannot run ${argv[0]}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      const report = useGnuTime ? readTimeReport(reportFile) : null;
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({
        wallMs,
        peakRssKb: report?.peakRssKb ?? null,
        exitCode: report?.exitCode ?? code,
        signal,
        timedOut,
        stderrTail,
      });
    });
  });
}

/** Kills the process group a detached child leads (the command and anything it started). */
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Parses GNU time's "-f '%e %M %x'" line; it may follow a "Command exited with non-zero status" line. */
export function parseTimeReport(text) {
  const line = text.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+(?:\.\d+)?) (\d+) (-?\d+)$/.exec(line.trim());
  if (!match) return null;
  return { wallSeconds: Number(match[1]), peakRssKb: Number(match[2]), exitCode: Number(match[3]) };
}

function readTimeReport(file) {
  try {
    return parseTimeReport(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
