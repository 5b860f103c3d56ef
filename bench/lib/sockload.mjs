/*
 * sockload.mjs - start a sockload workload (../shared/bench/sockload.mjs) in the background,
 * wait for "ready", and stop it again.
 *
 *   const workload = await startSockload({ procs: 50, total: 1000 });
 *   try { ... workload.plan.expected.total ... } finally { await workload.stop(); }
 *
 * Safety: sockload runs with --exit-on-eof and its stdin is a pipe from this process, so if the
 * benchmark dies without calling stop(), the pipe closes and the workload stops by itself.
 * stop() sends SIGTERM to the coordinator only (it stops its own workers), waits for it to
 * exit, and falls back to SIGKILL after `stopTimeoutMs`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SOCKLOAD_PATH } from './paths.mjs';

const STDERR_TAIL_BYTES = 8192;

/**
 * Options: procs, total (or extraArgs with sockload's own size flags), extraArgs (more sockload
 * flags), readyTimeoutSec (default 300), stopTimeoutMs (default 30 s), log (progress function).
 * Resolves to { pid, plan, stop(), exited() } where plan is sockload's --json report
 * (coordinatorPid, workerPids, expected, observed, verifyDiffs...).
 */
export async function startSockload({
  procs,
  total,
  extraArgs = [],
  readyTimeoutSec = 300,
  stopTimeoutMs = 30_000,
  log = () => {},
} = {}) {
  if (!fs.existsSync(SOCKLOAD_PATH)) throw new Error(`sockload not found at ${SOCKLOAD_PATH} (set SOCKLOAD=/path/to/sockload.mjs)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sockload-'));
  const planFile = path.join(dir, 'plan.json');
  const sizeArgs = [
    ...(procs === undefined ? [] : ['--procs', String(procs)]),
    ...(total === undefined ? [] : ['--total', String(total)]),
  ];
  const args = [SOCKLOAD_PATH, ...sizeArgs, '--json', planFile, '--exit-on-eof', '--quiet', '--timeout', String(readyTimeoutSec), ...extraArgs];
  log(`starting sockload ${sizeArgs.join(' ')} ${extraArgs.join(' ')}`.trim());
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderrTail = '';
  child.stderr.on('data', (chunk) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  // An EPIPE on stdin after sockload exited must not crash the benchmark.
  child.stdin.on('error', () => {});
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  let plan = null;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exitPromise;
      clearTimeout(timer);
    }
    child.stdin.destroy();
    if (plan) await reapWorkers(plan.workerPids, stopTimeoutMs);
    cleanup();
  };

  try {
    await waitForReady(child, exitPromise, (readyTimeoutSec + 30) * 1000, () => stderrTail);
    plan = JSON.parse(fs.readFileSync(planFile, 'utf8'));
    log(`sockload ready: pid ${child.pid}, ${plan.workerPids.length} workers, ${plan.expected.total} sockets expected, ready in ${plan.readySeconds} s`);
    return { pid: child.pid, plan, stop, exited: () => child.exitCode !== null || child.signalCode !== null };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The coordinator stops its workers before it exits; wait for them, and SIGTERM any that are
 * still there after `timeoutMs` (checking first that the pid is still a sockload process).
 */
async function reapWorkers(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isSockloadProcess);
  while (alive.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    alive = alive.filter(isSockloadProcess);
  }
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
  }
}

function isSockloadProcess(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sockload');
  } catch {
    return false;
  }
}

function waitForReady(child, exitPromise, timeoutMs, stderrTail) {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`sockload not ready after ${timeoutMs / 1000} s\n${stderrTail()}`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.split('\n').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`sockload exited (${signal ?? `code ${code}`}) before ready:\n${stderrTail().trim()}`));
    });
  });
}
