/**
 * Line and field scanning over the text of a /proc file without building a string per
 * line or per field: the hot path of the collector parses tens of thousands of lines.
 */

/** A line that could not be parsed: 1-based line number in its file and why. */
export interface ParseProblem {
  line: number;
  reason: string;
}

/** What a table parser returns: the rows it understood and the lines it skipped. */
export interface TableParse<Row> {
  rows: Row[];
  problems: ParseProblem[];
}

/**
 * Whitespace-separated field boundaries of one line, reused from line to line.
 * After `scan`, field i is text[starts[i], ends[i]).
 */
export class FieldScanner {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  count = 0;

  constructor(readonly maxFields: number) {
    this.starts = new Int32Array(maxFields);
    this.ends = new Int32Array(maxFields);
  }

  /** Splits text[start, end) on spaces and tabs into at most maxFields fields. */
  scan(text: string, start: number, end: number): number {
    let count = 0;
    let i = start;
    while (i < end && count < this.maxFields) {
      let code = text.charCodeAt(i);
      while (i < end && (code === 32 || code === 9)) code = text.charCodeAt(++i);
      if (i >= end) break;
      this.starts[count] = i;
      while (i < end && code !== 32 && code !== 9) code = text.charCodeAt(++i);
      this.ends[count] = i;
      count++;
    }
    this.count = count;
    return count;
  }

  field(text: string, index: number): string {
    return text.slice(this.starts[index], this.ends[index]);
  }
}

/** Calls `visit(start, end, lineNumber)` for every line of `text` (1-based numbers). */
export function forEachLine(text: string, visit: (start: number, end: number, lineNumber: number) => void): void {
  let start = 0;
  let lineNumber = 1;
  const length = text.length;
  while (start < length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = length;
    visit(start, end, lineNumber);
    start = end + 1;
    lineNumber++;
  }
}

/** The header (first line) of a /proc table split into column names. */
export function headerColumns(text: string): string[] {
  const end = text.indexOf('\n');
  return (end < 0 ? text : text.slice(0, end)).trim().split(/\s+/);
}
