import type { ParseProblem } from './field-scanner.js';

/**
 * Column positions taken from a table's header line, for files whose layout differs
 * between kernels (net/netlink has 8 or 10 columns) or is wide (net/packet, net/sctp/*).
 */
export function columnIndexes<Name extends string>(
  header: readonly string[],
  required: readonly Name[],
  optional: readonly string[],
  problems: ParseProblem[],
): Record<Name, number> & Record<string, number> | null {
  const indexes: Record<string, number> = {};
  for (const name of [...required, ...optional]) indexes[name] = header.indexOf(name);
  const missing = required.filter((name) => indexes[name]! < 0);
  if (missing.length > 0) {
    problems.push({ line: 1, reason: `unrecognised header: no column ${missing.map((name) => `"${name}"`).join(', ')}` });
    return null;
  }
  return indexes as Record<Name, number> & Record<string, number>;
}
