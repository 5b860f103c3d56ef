import { displayWidth, fitCell } from './escape-text.js';

/**
 * The widest a padded column gets, in display columns. Every row is padded to its column's
 * widest cell, so without a cap one long cell (a 1 MB unix path) pads every row of the table
 * to its width. 80 keeps container runtimes' socket paths
 * (`/run/containerd/s/<64 hex digits>`) whole; longer cells end in `…` (the JSON output has
 * the full value).
 */
export const MAX_COLUMN_WIDTH = 80;

/**
 * The widest the last column gets: it is not padded, so a long cell costs only its own row,
 * but one row of a megabyte is still no table. Messages of findings and violations end
 * there and stay whole up to this width.
 */
export const MAX_LAST_COLUMN_WIDTH = 400;

export interface AlignOptions {
  /** put before every row */
  indent?: string;
  /** between two columns */
  separator?: string;
  /** columns padded on the left (numbers) */
  rightAligned?: ReadonlySet<number>;
}

/**
 * Rows of host text as aligned lines: every cell escaped (escape-text.ts) and cut to its
 * column's cap, then padded to its column's widest cell by display width; the last cell of a
 * row is not padded, trailing spaces are trimmed. The one place the tables of collect, show,
 * listening, check and history turn cells into lines, so none can print raw host text.
 */
export function alignColumns(rows: readonly (readonly string[])[], options: AlignOptions = {}): string[] {
  const { indent = '', separator = '  ', rightAligned } = options;
  let columns = 0;
  for (const row of rows) columns = Math.max(columns, row.length);
  const widths = new Array<number>(columns).fill(0);
  // per cell, its UTF-16 length minus its display width: 0 but for escaped or wide text, so
  // padEnd/padStart (which count UTF-16 units) can pad every other cell as they are
  const excess = new Int32Array(rows.length * columns);
  const shown = rows.map((row, rowIndex) => {
    const last = row.length - 1;
    return row.map((cell, column) => {
      const cap = column === last ? MAX_LAST_COLUMN_WIDTH : MAX_COLUMN_WIDTH;
      let text: string;
      let width: number;
      if (isPlain(cell)) {
        // printable ASCII without a backslash, nearly every cell: nothing to escape, width = length
        text = cell.length > cap ? `${cell.slice(0, cap - 1)}…` : cell;
        width = Math.min(cell.length, cap);
      } else {
        text = fitCell(cell, cap);
        width = displayWidth(text);
      }
      excess[rowIndex * columns + column] = text.length - width;
      if (column < last && width > widths[column]!) widths[column] = width;
      return text;
    });
  });
  return shown.map((row, rowIndex) => {
    const padded = row.map((cell, column) => {
      if (column === row.length - 1) return cell;
      const length = widths[column]! + excess[rowIndex * columns + column]!;
      return rightAligned?.has(column) === true ? cell.padStart(length) : cell.padEnd(length);
    });
    return (indent + padded.join(separator)).trimEnd();
  });
}

/** Printable ASCII but the backslash: shown as it is, one column per character (a loop: as fast as a regex here, and no flattening). */
function isPlain(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code > 0x7e || code === 0x5c) return false;
  }
  return true;
}
