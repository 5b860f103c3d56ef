/** Rows padded to their widest cell per column, the last column unpadded, each indented. */
export function alignColumns(rows: readonly string[][], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd());
}

const BOLD = '\u001b[1m';
const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[0m';

export function bold(text: string, color: boolean): string {
  return color ? `${BOLD}${text}${RESET}` : text;
}

export function severityText(severity: 'high' | 'medium' | 'low', color: boolean): string {
  if (!color) return severity;
  if (severity === 'high') return `${RED}${severity}${RESET}`;
  if (severity === 'medium') return `${YELLOW}${severity}${RESET}`;
  return severity;
}
