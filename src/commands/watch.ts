import { spawn } from 'node:child_process';
import { InputError } from '../errors.js';
import type { CommandIo } from '../io.js';
import type { Inventory, SocketRecord } from '../model/socket-record.js';
import { destroyEventsSource } from '../native/destroy-events.js';
import { nativeAddon } from '../native/native-addon.js';
import { createProcFs } from '../proc/proc-fs.js';
import type { Baseline } from '../review/baseline.js';
import { checkAgainstBaseline, type Violation } from '../review/check.js';
import { parseBaseline, readBaselineFile } from '../review/parse-baseline.js';
import type { CmdlinePolicy } from '../store/cmdline-policy.js';
import { selectedHost } from '../inventory/default-host.js';
import { openStore } from '../store/open-store.js';
import type { FilteredDumper } from '../watch/poll-bound-sockets.js';
import { eventJson, eventText } from '../watch/watch-event.js';
import { escapeText } from '../render/escape-text.js';
import { Watcher } from '../watch/watcher.js';

export interface WatchCommandOptions {
  db?: string;
  /** the live /proc (program.ts refuses a captured tree: watch reads the live kernel). */
  procRoot: string;
  host?: string;
  /** poll every this many ms (at least 100). */
  intervalMs: number;
  /** a full snapshot every this many ms (at least intervalMs). */
  snapshotEveryMs: number;
  json?: boolean;
  baseline?: string;
  /** --on-violation as argv (split on whitespace, never a shell); only with a baseline. */
  violationArgv: string[] | null;
  cmdline: CmdlinePolicy;
  /** the kernel queue for destroy events, in bytes; undefined: the addon's default. */
  eventQueueBytes?: number;
}

/** Violation kinds a live policy reports: the ones about a socket that just appeared. */
const LIVE_KINDS = new Set(['unexpected-listener', 'exposure-wider', 'different-exe', 'different-user']);
/** --on-violation commands running at once, and violations waiting for one (more are not run, and stderr says so). */
const MAX_VIOLATION_COMMANDS = 4;
const MAX_WAITING_COMMANDS = 100;

/**
 * `sockaudit watch`: runs until SIGTERM or SIGINT (then finishes the write in progress,
 * stores what is buffered and exits 0). See src/watch/watcher.ts for the loop and the
 * README ("Watching between snapshots") for what it catches and what it cannot.
 */
export async function watchCommand(options: WatchCommandOptions, io: CommandIo): Promise<number> {
  const { intervalMs, snapshotEveryMs, cmdline, eventQueueBytes, procRoot, violationArgv } = options;
  const baseline = options.baseline === undefined ? null : parseBaseline(readBaselineFile(options.baseline), options.baseline);
  const dumper = nativeAddon as unknown as FilteredDumper | null;
  if (dumper === null) throw new InputError('watch needs the native addon (sock_diag dumps): build it with `npm run build:native`');
  const destroyEvents = destroyEventsSource();
  if (destroyEvents === null) io.stderr('sockaudit: this build of the addon has no destroy events: sockets that live less than one interval are not seen\n');

  // a page cache of 256 KiB, not SQLite's 2000: watch appends events and reads little back,
  // and the full 2 MB was the C heap's growth over a soak's first minutes (main arena 6 -> 9 MB
  // in 3 minutes; 3 MB flat with 256 KiB, bench/watch-soak.mjs with /proc/PID/smaps)
  const store = await openStore({ db: options.db, env: io.env, busyTimeoutMs: 250, pageCacheKiB: 256 });
  const commands = violationArgv === null ? null : new ViolationCommands(violationArgv, io);
  const reportViolations = (sockets: readonly SocketRecord[], meta: Inventory['meta'] | null): void => {
    if (baseline === null) return;
    for (const violation of liveViolations(sockets, meta, baseline)) {
      const at = new Date().toISOString();
      io.stdout(options.json === true ? `${JSON.stringify({ event: 'violation', at, violation })}\n` : `${escapeText(`${at} violation ${violation.kind}: ${violation.message}`)}\n`);
      commands?.run({ at, ...violation });
    }
  };
  const watcher = new Watcher({
    proc: createProcFs(procRoot),
    host: options.host ?? selectedHost({ procRoot }),
    store,
    intervalMs,
    snapshotEveryMs,
    cmdline,
    dumper,
    destroyEvents,
    eventQueueBytes,
    onEvent: (event) => io.stdout(`${options.json === true ? eventJson(event) : eventText(event)}\n`),
    onOpened: reportViolations,
    onNotice: (text) => io.stderr(`sockaudit: ${escapeText(text)}\n`),
    onReady: (namespaces, sockets) =>
      io.stderr(`sockaudit: watching ${sockets} listening and bound sockets, destroy events from ${namespaces} network namespace(s), every ${intervalMs} ms\n`),
  });
  const stop = () => watcher.stop();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await watcher.run();
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    await store.close();
  }
  const { polls, events, snapshots, lost } = watcher.counts;
  io.stderr(`sockaudit: watch stopped: ${polls} polls, ${events} events, ${snapshots} snapshots${lost > 0 ? `, ${lost} destroy events lost` : ''}\n`);
  return 0;
}

/** Violations of the baseline by sockets that just appeared (expired entries are `check`'s to report). */
export function liveViolations(sockets: readonly SocketRecord[], meta: Inventory['meta'] | null, baseline: Baseline): Violation[] {
  const inventory: Inventory = {
    meta: meta ?? { host: '', takenAt: '', bootId: null, kernel: null, procRoot: '/proc', toolVersion: '', durationMs: 0, namespaces: [], ephemeralPorts: null },
    sockets: [...sockets],
    warnings: [],
  };
  return checkAgainstBaseline(inventory, [], baseline, new Date()).violations.filter((violation) => LIVE_KINDS.has(violation.kind));
}

/**
 * Runs --on-violation commands, at most MAX_VIOLATION_COMMANDS at once, each with its
 * violation as one JSON document on stdin; never waits for them. Violations beyond that
 * wait their turn (up to MAX_WAITING_COMMANDS; beyond, a command is not started, and
 * stderr says so).
 */
class ViolationCommands {
  private running = 0;
  private readonly waiting: object[] = [];

  constructor(
    private readonly argv: string[],
    private readonly io: CommandIo,
  ) {}

  run(violation: object): void {
    if (this.running >= MAX_VIOLATION_COMMANDS) {
      if (this.waiting.length >= MAX_WAITING_COMMANDS) {
        this.io.stderr(`sockaudit: --on-violation: ${this.waiting.length} violations already wait for their command; not started for this one\n`);
      } else {
        this.waiting.push(violation);
      }
      return;
    }
    this.running++;
    const program = escapeText(this.argv[0]!);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.running--;
      const next = this.waiting.shift();
      if (next !== undefined) this.run(next);
    };
    let child;
    try {
      child = spawn(this.argv[0]!, this.argv.slice(1), { stdio: ['pipe', 'ignore', 'inherit'] });
    } catch (error) {
      this.io.stderr(`sockaudit: --on-violation: cannot run ${program}: ${error instanceof Error ? error.message : String(error)}\n`);
      finish();
      return;
    }
    child.on('error', (error) => {
      this.io.stderr(`sockaudit: --on-violation: cannot run ${program}: ${error.message}\n`);
      finish();
    });
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) this.io.stderr(`sockaudit: --on-violation: ${program} exited with ${code}\n`);
      finish();
    });
    child.stdin!.on('error', () => undefined); // the command did not read its stdin
    child.stdin!.end(`${JSON.stringify(violation)}\n`);
  }
}


