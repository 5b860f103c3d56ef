/**
 * The sockaudit command line. This file only wires: it declares commands and options,
 * hands the parsed options to the command functions in src/commands/, and is the one place
 * that turns their results and errors into an exit code. Command modules are imported
 * lazily so that `collect` never loads the database driver.
 */
import { Command, CommanderError } from 'commander';
import { asDamagedStoreError, EXIT_ERROR, exitCodeOf, isExpectedError, NotFoundError, UsageError } from './errors.js';
import { processIo, type CommandIo } from './io.js';
import { escapeText } from './render/escape-text.js';
import { toolVersion } from './version.js';

type CommandResult = number | Promise<number>;
/** What commander hands over; typed per command by src/options/command-options.ts. */
type Options = Record<string, unknown>;

/**
 * The parsers of each command's options, loaded when a command runs: the command-line
 * boundary, where a bad value becomes a UsageError (commands get typed, valid values).
 */
const typed = () => import('./options/command-options.js');

function addCommonOptions(command: Command): Command {
  return command
    .option('--db <path|url>', 'database file (default: $SOCKAUDIT_DB, /var/lib/sockaudit/sockaudit.db as root, else $XDG_DATA_HOME/sockaudit/sockaudit.db)')
    .option('--proc-root <dir>', 'read a captured /proc tree instead of /proc', '/proc')
    .option('--runtime-root <dir>', "read container runtimes' metadata (var/lib/docker, run/containerd, ...) under DIR instead of / (a captured tree has none without it)")
    .option('--host <name>', 'host name to record and select (default: the kernel hostname)')
    .option('--no-color', 'never colour the output (NO_COLOR also turns colour off)')
    .option('--debug', 'print stack traces for errors');
}

function addFilterOptions(command: Command): Command {
  return command
    .option('--family <list>', 'families, comma-separated: tcp,udp,udplite,raw,icmp,unix,packet,netlink,sctp (tcp6, udp6... select one IP version)')
    .option('--port <n>', 'local or remote port')
    .option('--state <list>', 'states, comma-separated, e.g. LISTEN,ESTABLISHED')
    .option('--listening', 'only sockets that can receive from outside their process')
    .option('--pid <n>', 'only sockets owned by this pid')
    .option('--exe <path>', 'only sockets owned by this executable')
    .option('--netns <name>', 'only this network namespace (name or inode)')
    .option('--container <name>', 'only sockets of this container (name, id or id prefix), or of this pod (namespace/name)');
}

/**
 * The options every command takes, which are also accepted before the command
 * (`sockaudit --db X snapshot`). Given in both places, the command's own wins: it is
 * the nearer, more specific word, as with git's `-C`-style options repeated later.
 */
const COMMON_OPTION_KEYS = ['db', 'procRoot', 'host', 'color', 'debug'] as const;

/** "see sockaudit diff --help", for the command being run: the end of every usage error line. */
let usageHint = 'see sockaudit --help';

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/** Runs one command function; the one place that maps errors to exit codes. */
async function run(options: Options, body: (io: CommandIo) => CommandResult): Promise<void> {
  const io = processIo(options.color !== false);
  try {
    if (options.debug === true) await debugNativeAddon(io);
    process.exitCode = await body(io);
  } catch (thrown) {
    const error = asDamagedStoreError(thrown);
    process.exitCode = isExpectedError(error) ? exitCodeOf(error) : EXIT_ERROR;
    if (options.debug === true) {
      // the stack keeps its lines; each is escaped, as a message may quote host text
      const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
      io.stderr(`${trace.split('\n').map((line) => escapeText(line)).join('\n')}\n`);
    } else if (error instanceof UsageError || error instanceof NotFoundError) {
      // a usage error may quote what the user typed: escaped, one line (escape-text.ts);
      // so may a value that names nothing (a selector, a --netns): the user's to change
      io.stderr(`sockaudit: ${escapeText(error.message)}; ${usageHint}\n`);
    } else if (isExpectedError(error)) {
      // a message may quote host text or what the user typed: escaped, one line (escape-text.ts)
      io.stderr(`sockaudit: ${escapeText(error.message)}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`sockaudit: unexpected error: ${escapeText(message)} (run with --debug for details)\n`);
    }
  }
}

/** With --debug: whether the native addon is in use, and if not, why (`doctor` says more). */
async function debugNativeAddon(io: CommandIo): Promise<void> {
  const { nativeAddonStatus: status } = await import('./native/native-addon.js');
  io.stderr(status.loaded
    ? `sockaudit: debug: native addon loaded from ${status.origin === 'prebuild' ? 'the prebuild' : 'the compiled build'} ${status.file}\n`
    : `sockaudit: debug: native addon not loaded (${status.reason}); using the JavaScript paths\n`);
}

export function buildProgram(): Command {
  const program = new Command('sockaudit')
    .description('Snapshots of every socket on this Linux host, in every network namespace, with their owners; and what changed between any two.')
    .version(toolVersion(), '-V, --version')
    .exitOverride()
    // options before the command belong to the program, after it to the command
    .enablePositionalOptions();
  addCommonOptions(program);
  program.hook('preAction', (_program, actionCommand) => {
    usageHint = `see ${commandPath(actionCommand)} --help`;
    for (const key of COMMON_OPTION_KEYS) {
      if (program.getOptionValueSource(key) === 'cli' && actionCommand.getOptionValueSource(key) !== 'cli') {
        actionCommand.setOptionValueWithSource(key, program.getOptionValue(key), 'cli');
      }
    }
  });

  // --- collect ---------------------------------------------------------------------------
  addFilterOptions(addCommonOptions(program.command('collect')))
    .description('list every socket now, with owners; stores nothing')
    .option('--json', 'print the inventory as JSON (the socket record contract)')
    .addHelpText('after', `
Examples:
  sockaudit collect                         every socket, ss-style table
  sockaudit collect --listening --family tcp,udp
  sockaudit collect --json > inventory.json
  sockaudit collect --proc-root fixtures/proc/edge-cases`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/collect.js')).collectCommand((await typed()).collectOptions(options), io)),
    );

  // --- snapshot, list, show, prune, verify (storage) -------------------------------------
  addCommonOptions(program.command('snapshot'))
    .description('collect every socket now and store it as the next snapshot (only what changed is written)')
    .option('--label <label>', 'name this snapshot, to select it later as @label')
    .option('--quiet', 'print nothing on success (for cron); errors still print one line on stderr')
    .option('--json', 'print { id, takenAt, host, label, socketCount, written, durationMs, warnings }')
    .option('--cmdline <mode>', 'owners\' command lines to store: full, redacted (secret-looking values hidden) or none', 'redacted')
    .option('--accept-loss', 'when the database is behind its witness (snapshots lost), record the loss in this snapshot and go on')
    .addHelpText('after', `
Examples:
  sockaudit snapshot                        store a snapshot in the default database
  sockaudit snapshot --quiet                from cron: * * * * * root sockaudit snapshot --quiet
  sockaudit snapshot --label pre-deploy     select it later as @pre-deploy
  sockaudit snapshot --db /srv/s.db --json`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/snapshot.js')).snapshotCommand((await typed()).snapshotOptions(options), io)),
    );

  addCommonOptions(program.command('list'))
    .description('list stored snapshots of this host, newest first')
    .option('--limit <n>', 'at most N snapshots')
    .option('--json', 'print [{ id, takenAt, host, label, socketCount }]')
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/list.js')).listCommand((await typed()).listOptions(options), io)),
    );

  addFilterOptions(addCommonOptions(program.command('show')))
    .description('print a stored snapshot like collect does (default: the latest)')
    .argument('[snapshot...]', 'id, latest, last N, @label, ISO time, or 1h / 2d ago')
    .option('--json', 'print the snapshot as JSON (the socket record contract; queues are null)')
    .addHelpText('after', `
Examples:
  sockaudit show                            the latest snapshot
  sockaudit show 42 --listening
  sockaudit show @pre-deploy --json
  sockaudit show 2h ago --family tcp`)
    .action((selectors: string[], options: Options) =>
      run(options, async (io) => (await import('./commands/show.js')).showCommand((await typed()).showOptions(selectors, options), io)),
    );

  addCommonOptions(program.command('prune'))
    .description('remove old snapshots of this host; the rest stay readable and verifiable')
    .option('--keep <n>', 'keep the newest N snapshots')
    .option('--older-than <age>', 'remove snapshots taken before this age (30d, 12h, 2w) or ISO time')
    .option('--json', 'print what was removed as JSON')
    .option('--quiet', 'print nothing on success (for cron)')
    .option('--vacuum', 'then rewrite the database file without the freed space, so that it shrinks (needs room for a copy)')
    .addHelpText('after', `
The newest snapshot is always kept. Without --vacuum the file keeps its size and later
snapshots reuse the freed space. Examples:
  sockaudit prune --keep 1000
  sockaudit prune --older-than 30d
  sockaudit prune --older-than 90d --vacuum`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/prune.js')).pruneCommand((await typed()).pruneOptions(options), io)),
    );

  addCommonOptions(program.command('verify'))
    .description('check the file (SQLite integrity_check), every stored snapshot (socket count, content hash, hash chain) in one pass over the stored changes, and the witness')
    .option('--quick', 'SQLite quick_check instead of integrity_check: every page is still read, but indexes are not compared with their tables (faster on large files)')
    .option('--json', 'print { ok, hosts, snapshots, check, witness, problems }')
    .addHelpText('after', `
Checks, in order: SQLite's integrity_check (--quick: quick_check) and foreign_key_check;
every snapshot checked against its content hash and the hash of the one before it; each
host's newest snapshot against the witness file beside the database (DB.witness).

Exit codes: 0 all verified; 1 problems found (every one is listed: a damaged or emptied
file, a damaged row, a bad hash, snapshots missing per the witness); 2 error (no database,
unreadable).`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/verify.js')).verifyCommand((await typed()).verifyOptions(options), io)),
    );

  // --- push (fleet) -----------------------------------------------------------------------
  addCommonOptions(program.command('push'))
    .description('ship every local snapshot the central store (--to postgres://...) does not have yet, oldest first')
    .option('--to <url>', 'the central store: postgres://user@host/db (or a file)')
    .option('--json', 'print { ok, to, hosts: [{ host, pushed, present, centralHead, refused }] }')
    .option('--quiet', 'print nothing unless a host is refused (for cron)')
    .addHelpText('after', `
Each snapshot goes in its own transaction; a run killed or cut off resumes where it stopped.
A host whose history forks from, or falls behind, what the central store has is refused.
Examples:
  sockaudit push --to postgres://web-7@db.example/fleet?sslmode=verify-full
  cron: */5 * * * * root sockaudit push --quiet --to postgres://web-7@db.example/fleet
Exit codes: 0 up to date, 1 a host's history was refused (named with the snapshot), 2 error.`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/push.js')).pushCommand((await typed()).pushOptions(options), io)),
    );

  const fleet = program.command('fleet').description('set up a central PostgreSQL store for many hosts: roles and row-level security');
  addCommonOptions(fleet.command('init'))
    .description('create the schema, the roles sockaudit_host and sockaudit_reader, and the row-level security (run as the admin; safe to rerun)')
    .addHelpText('after', `
Example:
  sockaudit fleet init --db postgres://admin@db.example/fleet?sslmode=verify-full`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/fleet.js')).fleetInitCommand((await typed()).fleetOptions(options), io)),
    );
  addCommonOptions(fleet.command('add-host').argument('<name>', 'the host name its snapshots carry'))
    .description('create the login role of one host: it may add its own snapshots, nothing else')
    .option('--password-file <file>', 'set the role\'s password from the first line of this file')
    .addHelpText('after', `
Example:
  sockaudit fleet add-host web-7 --db postgres://admin@db.example/fleet --password-file web-7.pw`)
    .action((name: string, options: Options) =>
      run(options, async (io) => (await import('./commands/fleet.js')).fleetAddHostCommand((await typed()).fleetHostName(name), (await typed()).fleetOptions(options), io)),
    );

  // --- diff --------------------------------------------------------------------------------
  addFilterOptions(addCommonOptions(program.command('diff')))
    .description('what was opened, closed, changed and rebound between two snapshots (default: last 2)')
    .argument('[selectors...]', 'FROM and TO: id, latest, last N, @label, ISO time, 1h or 2d ago')
    .option('--format <format>', 'text, json, unified or markdown', 'text')
    .option('--sockets', 'report every socket instead of counting client connections and ephemeral listeners')
    .option('--verbose', 'also list inode-only changes (the same owners reopened a socket) in text and markdown')
    .option('--to-host <name>', 'host-vs-host: FROM from --host, TO from this host (each default latest), without inodes, pids and fds')
    .addHelpText('after', `
Examples:
  sockaudit diff                            the two newest snapshots (= diff last 2)
  sockaudit diff last 5                     the fifth newest against the newest
  sockaudit diff @pre-deploy latest         a labelled snapshot against the newest
  sockaudit diff 2h ago latest --listening  what listens now that did not two hours ago
  sockaudit diff 12 14 --format json        for scripts (the contract: docs/design.md)
  sockaudit diff --format markdown          a table for a ticket or pull request
  sockaudit diff --host web-1 --to-host web-7 --listening   how web-7 drifted from web-1

Exit codes: 0 no differences, 1 differences, 2 error.`)
    .action((selectors: string[], options: Options) =>
      run(options, async (io) => (await import('./commands/diff.js')).diffCommand((await typed()).diffOptions(selectors, options), io)),
    );

  // --- listening, baseline, check, history (security review) -----------------------------
  addCommonOptions(program.command('listening'))
    .description('what listens where: by exposure (widest first), with netns, owner exe, user, pids, and findings')
    .argument('[snap...]', 'snapshot: id, latest, @label, ISO time, 1h or 2d ago (default: latest, or a fresh look when nothing is stored)')
    .option('--json', 'print { source, listeners, findings } as JSON')
    .option('--all-hosts', 'every host\'s latest snapshot in the store, grouped by port and exposure, naming the hosts')
    .option('--port <n>', 'with --all-hosts: only this local port')
    .option('--exposure <group>', 'with --all-hosts: only wildcard, specific, link-local, loopback, interface or local')
    .addHelpText('after', `
Examples:
  sockaudit listening                       the latest snapshot (or now, with no database)
  sockaudit listening --all-hosts --port 443 --db postgres://reviewer@db/fleet
  sockaudit listening 2d ago                as it was two days ago
  sockaudit listening --json | jq '.findings[] | select(.severity == "high")'

Finding kinds: packet-socket (high; medium for DHCP/LLDP daemons), raw-socket (medium),
exe-deleted (medium; high under a temp dir), exe-in-temp-dir (high), masquerade (high),
root-wildcard-listener (low).`)
    .action((snap: string[], options: Options) =>
      run(options, async (io) =>
        options.allHosts === true
          ? (await import('./commands/listening-all-hosts.js')).listeningAllHostsCommand((await typed()).listeningAllHostsOptions(options), io)
          : (await import('./commands/listening.js')).listeningCommand((await typed()).reviewOptions(snap, options), io),
      ),
    );

  addCommonOptions(program.command('hosts'))
    .description('every host in the store: snapshot count, first and last snapshot, sockets in the latest')
    .option('--json', 'print [{ host, snapshots, firstTakenAt, lastTakenAt, latestId, socketCount, stale }]')
    .option('--stale <duration>', 'mark hosts whose latest snapshot is older, e.g. 15m, 2h, 1d (exit 1 when one is)')
    .addHelpText('after', `
Examples:
  sockaudit hosts --db postgres://reviewer@db.example/fleet
  sockaudit hosts --stale 15m --json

Exit codes: 0, 1 a host is stale (with --stale), 2 error.`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/hosts.js')).hostsCommand((await typed()).hostsOptions(options), io)),
    );

  const baselineCommand = program.command('baseline').description('create a baseline of allowed listeners and accepted findings for `check`');
  addCommonOptions(baselineCommand.command('create'))
    .description('print a baseline (JSON) that allows what listens in SNAP and accepts its findings')
    .argument('[snap...]', 'snapshot (default: latest, or a fresh look when nothing is stored)')
    .addHelpText('after', `
Examples:
  sockaudit baseline create > /etc/sockaudit/baseline.json
  sockaudit baseline create @pre-deploy > baseline.json

Edit the file: narrow "exposure" (loopback, link-local, specific, wildcard), add a
"comment" and an "expires" date (2026-12-31) to entries; "exe": null allows any program.`)
    .action((snap: string[], options: Options) =>
      run(options, async (io) => (await import('./commands/baseline.js')).baselineCreateCommand((await typed()).reviewOptions(snap, options), io)),
    );

  addCommonOptions(program.command('check'))
    .description('hold a snapshot against a baseline: unexpected listeners, wider exposure or IP versions (dual-stack), other exes, unaccepted findings')
    .argument('[snap...]', 'snapshot (default: latest, or a fresh look when nothing is stored)')
    .requiredOption('--baseline <file>', 'baseline JSON, as written by `baseline create`')
    .option('--json', 'print { source, baseline, ok, violations, findings } as JSON')
    .option('--all-hosts', 'every host\'s latest snapshot in the store; exit 1 naming each host that violates')
    .addHelpText('after', `
Examples:
  sockaudit check --baseline /etc/sockaudit/baseline.json
  sockaudit snapshot --quiet && sockaudit check --baseline baseline.json --json
  sockaudit check --baseline web.json --all-hosts --db postgres://reviewer@db.example/fleet

Exit codes: 0 clean, 1 violations, 2 error (a malformed baseline names the file and the problem).`)
    .action((snap: string[], options: Options) =>
      run(options, async (io) => (await import('./commands/check.js')).checkCommand((await typed()).checkOptions(snap, options), io)),
    );

  addCommonOptions(program.command('history'))
    .description('when matching sockets were first and last seen, with their owners, across all snapshots')
    .option('--port <n>', 'local or remote port')
    .option('--path <path>', 'unix socket path (@name for an abstract one)')
    .option('--exe <path>', 'an owner executable')
    .option('--family <family>', 'tcp, udp, unix, packet... (tcp6 for one IP version)')
    .option('--json', 'print { host, filter, periods } as JSON')
    .option('--all-hosts', 'every host in the store, one after the other (JSON: { hosts: [...] })')
    .addHelpText('after', `
Examples:
  sockaudit history --port 22
  sockaudit history --exe /usr/sbin/nginx --family tcp
  sockaudit history --path /run/docker.sock --json
  sockaudit history --all-hosts --port 22 --db postgres://reviewer@db.example/fleet`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/history.js')).historyCommand((await typed()).historyOptions(options), io)),
    );

  addCommonOptions(program.command('doctor'))
    .description('which collection paths work here and why (addon, sock_diag, namespaces, owners) and the database\'s state')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Examples:
  sockaudit doctor                          why is it slow here? why are owners missing?
  sockaudit doctor --json | jq .checks

Exit codes: 0 as good as this machine allows (limits such as not being root are reported),
1 something to fix (each PROBLEM line says what to do), 2 error.`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/doctor.js')).doctorCommand((await typed()).doctorOptions(options), io)),
    );

  // --- watch, events (between snapshots) ------------------------------------------------------
  addCommonOptions(program.command('watch'))
    .description('run in the foreground: report listeners opening and closing, and short-lived sockets, as they happen; a snapshot every --snapshot-every')
    .option('--interval <duration>', 'poll the listening and bound sockets this often', '1s')
    .option('--snapshot-every <duration>', 'take a full snapshot this often (as `snapshot` does)', '5m')
    .option('--json', 'print each event as one JSON line')
    .option('--baseline <file>', 'report a listener the baseline does not allow as soon as it appears')
    .option('--on-violation <cmd>', 'run CMD (split on spaces, no shell) with each violation as JSON on stdin')
    .option('--cmdline <mode>', 'owners\' command lines to store: full, redacted or none', 'redacted')
    .option('--event-buffer <size>', 'kernel queue for destroy events per namespace (beyond it events are lost, and counted)', '4M')
    .addHelpText('after', `
Examples:
  sockaudit watch                           events as text lines; a snapshot every 5 minutes
  sockaudit watch --json --interval 2s
  sockaudit watch --baseline /etc/sockaudit/baseline.json --on-violation "/usr/local/bin/alert --team sec"

Stops on SIGTERM or SIGINT after the write in progress (exit 0). See contrib/systemd/sockaudit-watch.service.`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/watch.js')).watchCommand((await typed()).watchOptions(options), io)),
    );

  addCommonOptions(program.command('events'))
    .description('the events `watch` stored, oldest first')
    .option('--since <age|time>', 'only events since then: 1h, 2d (ago) or an ISO time')
    .option('--port <n>', 'local or remote port')
    .option('--json', 'one JSON line per event')
    .addHelpText('after', `
Examples:
  sockaudit events --since 1h
  sockaudit events --port 4444 --json`)
    .action((options: Options) =>
      run(options, async (io) => (await import('./commands/events.js')).eventsCommand((await typed()).eventsOptions(options), io)),
    );

  return withOneLineUsageErrors(program);
}

/** The command whose subcommand was missing, when commander's error-help was about to print (main() says it in one line). */
let missingSubcommandOf: Command | null = null;

/**
 * Every usage error is one line on stderr, in the same voice as our own errors and ending
 * with where to read more: commander's own (unknown option, missing argument) through
 * outputError; its help dump for a missing subcommand (34 lines on stderr) is swallowed
 * here and replaced by one line in main().
 */
function withOneLineUsageErrors(program: Command): Command {
  const configure = (command: Command) => {
    const path = commandPath(command);
    command.configureOutput({
      outputError: (text) => void process.stderr.write(`sockaudit: ${escapeText(text.replace(/^error: /, '').trimEnd().replace(/\.$/, ''))}; see ${path} --help\n`),
      // only error-help goes here (help asked for goes to stdout): see main()
      writeErr: () => void (missingSubcommandOf = command),
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  return program;
}

/** Commander's own errors (unknown flag, missing argument) become exit 2 with one line. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  missingSubcommandOf = null;
  usageHint = 'see sockaudit --help';
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version "errors" are successful exits; commander already printed the text.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR;
      const missing = missingSubcommandOf as Command | null; // set by writeErr during parseAsync
      if (error.code === 'commander.help' && error.exitCode !== 0 && missing !== null) {
        const path = commandPath(missing);
        const names = missing.commands.map((command) => command.name()).join(', ');
        process.stderr.write(`sockaudit: ${path === 'sockaudit' ? 'no command given' : `no subcommand given for ${path.replace(/^sockaudit /, '')}`} (one of: ${names}); see ${path} --help\n`);
      }
      return;
    }
    throw error;
  }
}
