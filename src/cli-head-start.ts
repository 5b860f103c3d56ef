/**
 * Whether the bin starts the fd scan before loading the rest of the program (see
 * src/inventory/fd-scan-head-start.ts): for collect and snapshot of the live /proc, help
 * not asked for. `args` (process.argv without node and the script) is only glanced at,
 * before commander parses it properly: a head start that goes unused costs nothing but the
 * scan, and one not started only the 10 ms it would have saved.
 *
 * Kept apart from cli.ts so that it can be tested, and free of imports so that every other
 * command starts as fast as before.
 */
export function wantsFdScanHeadStart(args: readonly string[]): boolean {
  // the first word that is neither an option nor the value of one given before the command
  // (`sockaudit --db X snapshot`; --proc-root there rules the head start out anyway)
  const command = args.find((arg, index) => !arg.startsWith('-') && args[index - 1] !== '--db' && args[index - 1] !== '--host');
  if (command !== 'collect' && command !== 'snapshot') return false;
  return !args.some((arg) => arg === '--proc-root' || arg.startsWith('--proc-root=') || arg === '--help' || arg === '-h');
}
