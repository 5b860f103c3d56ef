import { alignColumns as alignEscaped } from '../render/align-columns.js';

/**
 * Rows of host text as lines, each indented: cells escaped and capped, padded to their
 * widest cell per column, the last column unpadded (render/align-columns.ts).
 */
export function alignColumns(rows: readonly string[][], indent = ''): string[] {
  return alignEscaped(rows, { indent, separator: '  ' });
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
