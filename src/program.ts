/**
 * The sockaudit command line. This file only wires: it declares commands and options,
 * hands the parsed options to the command functions in src/commands/, and is the one place
 * that turns their results and errors into an exit code. Command modules are imported
 * lazily so that `collect` never loads the database driver.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_ERROR, isExpectedError } from './errors.js';
import { processIo, type CommandIo } from './io.js';
import { toolVersion } from './version.js';

type CommandResult = number | Promise<number>;
type Options = Record<string, unknown>;

function addCommonOptions(command: Command): Command {
  return command
    .option('--db <path|url>', 'database file (default: $SOCKAUDIT_DB, /var/lib/sockaudit/sockaudit.db as root, else $XDG_DATA_HOME/sockaudit/sockaudit.db)')
    .option('--proc-root <dir>', 'read a captured /proc tree instead of /proc', '/proc')
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
    .option('--netns <name>', 'only this network namespace (name or inode)');
}

/** Runs one command function; the one place that maps errors to exit codes. */
async function run(options: Options, body: (io: CommandIo) => CommandResult): Promise<void> {
  const io = processIo(options.color !== false);
  try {
    process.exitCode = await body(io);
  } catch (error) {
    process.exitCode = EXIT_ERROR;
    if (options.debug === true) {
      io.stderr(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    } else if (isExpectedError(error)) {
      io.stderr(`sockaudit: ${error.message}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`sockaudit: unexpected error: ${message} (run with --debug for details)\n`);
    }
  }
}

export function buildProgram(): Command {
  const program = new Command('sockaudit')
    .description('Snapshots of every socket on this Linux host, in every network namespace, with their owners; and what changed between any two.')
    .version(toolVersion(), '-V, --version')
    .exitOverride()
    // one line on stderr for a usage error, in the same voice as our own errors
    .configureOutput({
      outputError: (text, write) => write(`sockaudit: ${text.replace(/^error: /, '')}`),
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
      run(options, async (io) => (await import('./commands/collect.js')).collectCommand(options, io)),
    );

  // --- snapshot, list, show, prune, verify (storage) -------------------------------------

  // --- diff --------------------------------------------------------------------------------

  // --- listening, baseline, check, history (security review) -----------------------------

  return program;
}

/** Commander's own errors (unknown flag, missing argument) become exit 2 with one line. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version "errors" are successful exits; commander already printed the text.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_ERROR;
      return;
    }
    throw error;
  }
}
