#!/usr/bin/env node
/*
 * collect-bench.mjs - `sockaudit collect --json` side by side with `ss -tuanxwp0`,
 * `netstat -tuanxwp` and `lsof -nP -i -U` on sockload workloads (issue 2, Performance).
 *
 * Usage (after `npm run build`; see bench/README.md):
 *   node bench/collect-bench.mjs [--sizes 1k,10k,50k] [--reps 5] [--write-results] ...
 *
 * For each workload: start sockload, wait for "ready", run sockaudit once untimed to check it
 * sees every workload socket (this also warms the page cache), then --reps rounds of every tool,
 * in alternating order (forward on even rounds, reversed on odd ones) so no tool always runs
 * first or last; stop sockload. Prints progress on stderr and a markdown report on stdout;
 * --write-results also puts the report into bench/RESULTS.md. Exit 0 when every checked target
 * passes, 1 when one fails, 2 on an error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatMegabytes, formatRatio, formatSeconds } from './lib/format.mjs';
import { describeMachine, loadWarning, machineInfo } from './lib/machine-info.mjs';
import { markdownTable } from './lib/markdown-table.mjs';
import { CLI_PATH, RESULTS_PATH } from './lib/paths.mjs';
import { writeResultsSection } from './lib/results-file.mjs';
import { startSockload } from './lib/sockload.mjs';
import { summarize } from './lib/stats.mjs';
import { commandExists, hasGnuTime, timeCommand } from './lib/time-command.mjs';
import { censusOfWorkload } from './lib/workload-census.mjs';

const USAGE = `usage: node bench/collect-bench.mjs [options]
  --sizes LIST         workloads, comma-separated: 1k (1000 sockets / 50 procs), 10k (10000 / 100),
                       50k (50000 / 200), or TOTAL/PROCS (default 1k,10k,50k)
  --reps N             timed runs per tool and workload (default 5)
  --tools LIST         subset of sockaudit,ss,netstat,lsof (default all)
  --timeout SEC        per-run timeout for every tool but lsof (default 120)
  --lsof-timeout SEC   per-run timeout for lsof; after one timeout lsof is not run again on that
                       workload and is reported as timed out (default 60)
  --lsof-reps N        at most N lsof runs per workload (default: --reps)
  --write-results      also write the report into bench/RESULTS.md (section collect-bench)
  --results FILE       results file for --write-results (default bench/RESULTS.md)
  --help`;

const SIZE_PRESETS = { '1k': [1000, 50], '10k': [10000, 100], '50k': [50000, 200] };
const SS_NAME = 'ss -tuanxwp0';
const SOCKAUDIT_NAME = 'sockaudit collect --json';
const TOOLS = [
  // run as the installed `sockaudit` bin runs: the script itself, through its shebang
  // (which carries the V8 flags the CLI is meant to run with)
  { id: 'sockaudit', name: SOCKAUDIT_NAME, argv: [CLI_PATH, 'collect', '--json'], binary: process.execPath },
  { id: 'ss', name: SS_NAME, argv: ['ss', '-tuanxwp0'], binary: 'ss', package: 'iproute2' },
  { id: 'netstat', name: 'netstat -tuanxwp', argv: ['netstat', '-tuanxwp'], binary: 'netstat', package: 'net-tools' },
  { id: 'lsof', name: 'lsof -nP -i -U', argv: ['lsof', '-nP', '-i', '-U'], binary: 'lsof', package: 'lsof' },
];
/** Issue 2's targets: wall time as a ratio to ss in the same run, and peak memory. */
const RATIO_TARGETS = [
  { size: '50k', limit: 0.5 },
  { size: '10k', limit: 1.5 },
];
const RSS_TARGET = { size: '50k', limitBytes: 150e6 };

const log = (text) => process.stderr.write(`collect-bench: ${text}\n`);

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1k,10k,50k' },
      reps: { type: 'string', default: '5' },
      tools: { type: 'string', default: TOOLS.map((tool) => tool.id).join(',') },
      timeout: { type: 'string', default: '120' },
      'lsof-timeout': { type: 'string', default: '60' },
      'lsof-reps': { type: 'string' },
      'write-results': { type: 'boolean', default: false },
      results: { type: 'string', default: RESULTS_PATH },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name, text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new UsageFailure(`--${name} must be a positive integer, got "${text}"`);
    return value;
  };
  const reps = positive('reps', values.reps);
  const toolIds = values.tools.split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = toolIds.filter((id) => !TOOLS.some((tool) => tool.id === id));
  if (unknown.length) throw new UsageFailure(`unknown tool(s) ${unknown.join(', ')}; known: ${TOOLS.map((tool) => tool.id).join(', ')}`);
  return {
    help: values.help,
    sizes: values.sizes.split(',').map((text) => text.trim()).filter(Boolean).map(parseSize),
    reps,
    tools: TOOLS.filter((tool) => toolIds.includes(tool.id)),
    timeoutMs: positive('timeout', values.timeout) * 1000,
    lsofTimeoutMs: positive('lsof-timeout', values['lsof-timeout']) * 1000,
    lsofReps: values['lsof-reps'] === undefined ? reps : positive('lsof-reps', values['lsof-reps']),
    writeResults: values['write-results'],
    resultsFile: path.resolve(values.results),
  };
}

class UsageFailure extends Error {}

/** "10k" -> { label: '10k', total: 10000, procs: 100 }; "20000/150" -> a custom workload. */
function parseSize(text) {
  const preset = SIZE_PRESETS[text.toLowerCase()];
  if (preset) return { label: text.toLowerCase(), total: preset[0], procs: preset[1] };
  const custom = /^(\d+)\/(\d+)$/.exec(text);
  if (custom) return { label: text, total: Number(custom[1]), procs: Number(custom[2]) };
  throw new UsageFailure(`unknown size "${text}": use 1k, 10k, 50k or TOTAL/PROCS`);
}

/** The tools that can run here; the others are reported as skipped with the reason. */
function availableTools(tools) {
  const available = [];
  const skipped = [];
  for (const tool of tools) {
    if (tool.id === 'sockaudit' && !fs.existsSync(CLI_PATH)) skipped.push(`${tool.name}: ${CLI_PATH} missing, run npm run build`);
    else if (!commandExists(tool.binary)) skipped.push(`${tool.name}: ${tool.binary} not found (apt-get install ${tool.package})`);
    else available.push(tool);
  }
  return { available, skipped };
}

/** Runs sockaudit once with its output kept, and checks it against sockload's expected counts. */
async function checkCorrectness(plan, options) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collect-bench-'));
  const output = path.join(dir, 'inventory.json');
  try {
    const run = await timeCommand(TOOLS[0].argv, { timeoutMs: options.timeoutMs, stdout: output, useGnuTime: false });
    if (run.timedOut) return { ok: false, note: `sockaudit timed out after ${options.timeoutMs / 1000} s` };
    if (run.exitCode !== 0) return { ok: false, note: `sockaudit exited ${run.exitCode}: ${run.stderrTail.trim()}` };
    const inventory = JSON.parse(fs.readFileSync(output, 'utf8'));
    const census = censusOfWorkload(inventory, plan);
    const shortText = census.short.map((entry) => `${entry.kind} ${entry.found}/${entry.expected}`).join(', ');
    const sockloadDiffs = plan.verifyDiffs?.length ? `; sockload's own /proc check differed: ${JSON.stringify(plan.verifyDiffs)}` : '';
    return {
      ok: census.short.length === 0,
      census,
      warnings: inventory.warnings.map((warning) => warning.code),
      note: census.short.length ? `missing: ${shortText}${sockloadDiffs}` : `all kinds >= expected${sockloadDiffs}`,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Timed rounds of every tool on the running workload. */
async function measureTools(tools, options, useGnuTime) {
  const runs = new Map(tools.map((tool) => [tool.id, { tool, samples: [], timedOut: false, failures: [] }]));
  for (let round = 0; round < options.reps; round += 1) {
    const order = round % 2 === 0 ? tools : [...tools].reverse();
    for (const tool of order) {
      const record = runs.get(tool.id);
      const isLsof = tool.id === 'lsof';
      if (record.timedOut || (isLsof && record.samples.length + record.failures.length >= options.lsofReps)) continue;
      const timeoutMs = isLsof ? options.lsofTimeoutMs : options.timeoutMs;
      const run = await timeCommand(tool.argv, { timeoutMs, useGnuTime });
      if (run.timedOut) {
        record.timedOut = true;
        log(`  round ${round + 1}: ${tool.name} timed out after ${timeoutMs / 1000} s; not run again on this workload`);
        continue;
      }
      // lsof exits 1 when some selection found nothing; its output is still complete.
      const acceptable = run.exitCode === 0 || (isLsof && run.exitCode === 1);
      if (!acceptable) {
        record.failures.push(`exit ${run.exitCode ?? run.signal}: ${run.stderrTail.trim().split('\n').at(-1) ?? ''}`);
        log(`  round ${round + 1}: ${tool.name} failed (exit ${run.exitCode ?? run.signal}) ${run.stderrTail.trim()}`);
        continue;
      }
      record.samples.push(run);
      log(`  round ${round + 1}: ${tool.name.padEnd(26)} ${formatSeconds(run.wallMs)}  ${formatMegabytes(run.peakRssKb)}`);
    }
  }
  return [...runs.values()].map((record) => ({
    tool: record.tool,
    wall: summarize(record.samples.map((run) => run.wallMs)),
    rss: summarize(record.samples.map((run) => run.peakRssKb).filter((kb) => kb !== null)),
    timedOut: record.timedOut,
    failures: record.failures,
  }));
}

async function benchWorkload(size, tools, options, useGnuTime, active) {
  log(`workload ${size.label}: ${size.total} sockets / ${size.procs} processes`);
  const workload = await startSockload({ procs: size.procs, total: size.total, log: (text) => log(`  ${text}`) });
  active.workload = workload;
  try {
    const correctness = tools.some((tool) => tool.id === 'sockaudit')
      ? await checkCorrectness(workload.plan, options)
      : { ok: null, note: 'sockaudit not run' };
    log(`  correctness: ${correctness.ok ? 'PASS' : 'FAIL'} (${correctness.note}${correctness.census ? `; host sockets ${correctness.census.hostTotal}` : ''})`);
    const results = await measureTools(tools, options, useGnuTime);
    if (workload.exited()) throw new Error('sockload exited during the measurement');
    return { size, plan: workload.plan, correctness, results };
  } finally {
    await workload.stop();
    active.workload = null;
    log(`  sockload stopped`);
  }
}

/** Target verdicts for the workloads that were run. */
function evaluateTargets(workloads) {
  const byLabel = new Map(workloads.map((entry) => [entry.size.label, entry]));
  const resultOf = (entry, name) => entry?.results.find((result) => result.tool.name === name);
  const verdicts = RATIO_TARGETS.map(({ size, limit }) => {
    const entry = byLabel.get(size);
    const label = `${size}: ${SOCKAUDIT_NAME} median wall / ${SS_NAME} <= ${limit}`;
    if (!entry) return { label, value: 'not run', result: 'SKIP' };
    const sockaudit = resultOf(entry, SOCKAUDIT_NAME)?.wall.median ?? null;
    const ss = resultOf(entry, SS_NAME)?.wall.median ?? null;
    if (sockaudit === null || ss === null) return { label, value: 'no measurement', result: 'FAIL' };
    const ratio = sockaudit / ss;
    return { label, value: `${formatRatio(ratio)} (${formatSeconds(sockaudit)} vs ${formatSeconds(ss)})`, result: ratio <= limit ? 'PASS' : 'FAIL' };
  });
  const rssEntry = byLabel.get(RSS_TARGET.size);
  const rssLabel = `${RSS_TARGET.size}: ${SOCKAUDIT_NAME} median peak RSS < ${RSS_TARGET.limitBytes / 1e6} MB`;
  if (!rssEntry) verdicts.push({ label: rssLabel, value: 'not run', result: 'SKIP' });
  else {
    const kib = resultOf(rssEntry, SOCKAUDIT_NAME)?.rss.median ?? null;
    verdicts.push(
      kib === null
        ? { label: rssLabel, value: 'no measurement (GNU time missing?)', result: 'FAIL' }
        : { label: rssLabel, value: formatMegabytes(kib), result: kib * 1024 < RSS_TARGET.limitBytes ? 'PASS' : 'FAIL' },
    );
  }
  for (const entry of workloads) {
    const sockaudit = resultOf(entry, SOCKAUDIT_NAME);
    if (sockaudit && (sockaudit.failures.length || sockaudit.timedOut)) {
      verdicts.push({
        label: `${entry.size.label}: every timed sockaudit run succeeded`,
        value: sockaudit.timedOut ? 'timed out' : `${sockaudit.failures.length} failed: ${shorten(sockaudit.failures[0], 80)}`,
        result: 'FAIL',
      });
    }
    if (entry.correctness.ok === null) continue;
    verdicts.push({
      label: `${entry.size.label}: sockaudit lists every workload socket (>= sockload's expected count)`,
      value: entry.correctness.census
        ? `${entry.correctness.census.ownedTotal} owned by the workload / ${entry.correctness.census.expectedTotal} expected; ${entry.correctness.census.hostTotal} on the host`
        : entry.correctness.note,
      result: entry.correctness.ok ? 'PASS' : 'FAIL',
    });
  }
  return verdicts;
}

const shorten = (text, length) => (text.length > length ? `${text.slice(0, length - 1)}…` : text);

function renderReport({ machine, options, useGnuTime, skipped, workloads, verdicts, warnings }) {
  const rows = [];
  for (const entry of workloads) {
    const ss = entry.results.find((result) => result.tool.name === SS_NAME)?.wall.median ?? null;
    for (const result of entry.results) {
      const notes = [
        result.timedOut
          ? `timed out (> ${(result.tool.id === 'lsof' ? options.lsofTimeoutMs : options.timeoutMs) / 1000} s) after ${result.wall.count} run(s)`
          : '',
        result.failures.length ? `${result.failures.length} failed run(s): ${shorten(result.failures[0], 60)}` : '',
      ].filter(Boolean).join('; ');
      rows.push([
        `${entry.size.label} (${entry.plan.expected.total} / ${entry.size.procs})`,
        result.tool.name,
        String(result.wall.count),
        result.wall.count ? formatSeconds(result.wall.median) : result.timedOut ? 'timed out' : 'n/a',
        formatSeconds(result.wall.min),
        formatSeconds(result.wall.max),
        formatMegabytes(result.rss.median),
        ss !== null && result.wall.median !== null ? formatRatio(result.wall.median / ss) : 'n/a',
        notes,
      ]);
    }
  }
  const table = markdownTable(
    ['workload (sockets / procs)', 'tool', 'runs', 'median wall', 'min', 'max', 'median peak RSS', 'ratio to ss', 'notes'],
    rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  );
  const targetTable = markdownTable(
    ['target', 'value', 'result'],
    verdicts.map((verdict) => [verdict.label, verdict.value, verdict.result]),
  );
  const inventoryWarnings = workloads
    .filter((entry) => entry.correctness.warnings?.length)
    .map((entry) => `- ${entry.size.label}: sockaudit warnings: ${[...new Set(entry.correctness.warnings)].join(', ')}`);
  return [
    '## Collect benchmark (`npm run bench -- collect`)',
    '',
    describeMachine(machine),
    `- ${options.reps} timed runs per tool and workload (lsof at most ${options.lsofReps}, timeout ${options.lsofTimeoutMs / 1000} s), order alternating per round; every command's stdout to /dev/null`,
    `- wall time: node's monotonic clock around the whole process; peak RSS: ${useGnuTime ? "GNU time's %M (maximum resident set size)" : 'not measured (GNU time missing: apt-get install time)'}`,
    ...warnings.map((warning) => `- **warning**: ${warning}`),
    ...skipped.map((text) => `- skipped: ${text}`),
    '',
    table,
    '',
    targetTable,
    ...(inventoryWarnings.length ? ['', ...inventoryWarnings] : []),
    '',
  ].join('\n');
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const useGnuTime = hasGnuTime();
  const warnings = [];
  if (!useGnuTime) {
    warnings.push('GNU time (/usr/bin/time) not found: peak memory is not measured; install it with `apt-get install time`');
  }
  const { available, skipped } = availableTools(options.tools);
  for (const text of skipped) log(`skipping ${text}`);
  if (!available.some((tool) => tool.id === 'ss')) warnings.push(`${SS_NAME} not run: no ratios`);
  const machine = machineInfo();
  const busy = loadWarning(machine.loadAverage);
  if (busy) warnings.push(busy);
  for (const warning of warnings) log(`warning: ${warning}`);
  log(`${machine.cpuCount} CPUs, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${machine.kernel}, node ${machine.node}, load ${machine.loadAverage.map((value) => value.toFixed(2)).join(' ')}`);

  // Stop the workload if the benchmark is interrupted (sockload also stops on stdin EOF).
  const active = { workload: null };
  const onSignal = async (signal) => {
    log(`${signal}: stopping the workload`);
    await active.workload?.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const workloads = [];
  for (const size of options.sizes) workloads.push(await benchWorkload(size, available, options, useGnuTime, active));
  const after = os.loadavg();
  warnings.push(...(loadWarning(after) && !busy ? [`load average rose to ${after[0].toFixed(2)} during the run: timings may be noisy`] : []));
  const verdicts = evaluateTargets(workloads);
  const report = renderReport({ machine, options, useGnuTime, skipped, workloads, verdicts, warnings });
  process.stdout.write(report);
  if (options.writeResults) {
    writeResultsSection(options.resultsFile, 'collect-bench', report);
    log(`wrote the report to ${options.resultsFile}`);
  }
  return verdicts.some((verdict) => verdict.result === 'FAIL') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`collect-bench: ${error instanceof UsageFailure ? error.message : error.stack ?? error.message}\n`);
    if (error instanceof UsageFailure) process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
  },
);
