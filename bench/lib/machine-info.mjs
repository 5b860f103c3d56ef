/*
 * machine-info.mjs - what a benchmark result needs next to it to be comparable: CPUs, memory,
 * kernel, node version, and the load average before the run (a busy machine gives noisy numbers).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** Load above this (1-minute average) makes timings noisy enough to warn about. */
export const NOISY_LOAD_AVERAGE = 1.0;

export function machineInfo() {
  const cpus = os.cpus();
  const [load1, load5, load15] = os.loadavg();
  return {
    host: os.hostname(),
    date: new Date().toISOString(),
    cpuCount: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: [load1, load5, load15],
    isRoot: process.getuid?.() === 0,
    fileLimit: readSoftFileLimit(),
    nodeStartupMs: nodeStartupMs(process.env),
    // set by some environments (this sandbox among them) for their own tools: node then
    // reads that CA bundle at every start (sockaudit's bin unsets it; other node tools pay)
    extraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
    nodeStartupWithoutExtraCaMs: process.env.NODE_EXTRA_CA_CERTS ? nodeStartupMs({ ...process.env, NODE_EXTRA_CA_CERTS: '' }) : null,
  };
}

/** Median wall time of `node -e 0` over 7 runs, in ms: the floor under any node tool's figure. */
function nodeStartupMs(env) {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore', env });
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[3];
}

/** A warning line when the 1-minute load average says other work is running, else null. */
export function loadWarning(loadAverage, threshold = NOISY_LOAD_AVERAGE) {
  return loadAverage[0] > threshold
    ? `1-minute load average ${loadAverage[0].toFixed(2)} is above ${threshold.toFixed(1)}: other work is running, timings will be noisy`
    : null;
}

/** One markdown paragraph describing the machine. */
export function describeMachine(info) {
  const gib = (info.memoryBytes / 2 ** 30).toFixed(1);
  const load = info.loadAverage.map((value) => value.toFixed(2)).join(' ');
  return [
    `- date: ${info.date}`,
    `- host: ${info.host}; ${info.cpuCount} CPUs (${info.cpuModel}); ${gib} GiB RAM; ${info.kernel}; node ${info.node}`,
    `- load average before the run: ${load}${loadWarning(info.loadAverage) ? ' (**noisy**: above 1.0)' : ''}`,
    `- running as ${info.isRoot ? 'root' : 'a non-root user'}; open-files soft limit ${info.fileLimit ?? 'unknown'}`,
    `- node start-up (\`node -e 0\`, median of 7): ${info.nodeStartupMs.toFixed(1)} ms` +
      (info.extraCaCerts
        ? `; NODE_EXTRA_CA_CERTS is set here (${info.extraCaCerts}), so every node process reads that CA bundle at start-up: ${info.nodeStartupWithoutExtraCaMs.toFixed(1)} ms without it. sockaudit's bin unsets it in its shebang (it makes no TLS connection; see src/cli.ts) and is timed in the environment as it is`
        : ''),
  ].join('\n');
}

function readSoftFileLimit() {
  try {
    const line = fs
      .readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('Max open files'));
    return line ? line.split(/\s+/)[3] : null;
  } catch {
    return null;
  }
}
