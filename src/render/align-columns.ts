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
  const cells = rows.map((row) => row.map((cell, column) => fitCell(cell, column === row.length - 1 ? MAX_LAST_COLUMN_WIDTH : MAX_COLUMN_WIDTH)));
  const widths: number[] = [];
  const cellWidths = cells.map((row) =>
    row.map((cell, column) => {
      const width = displayWidth(cell);
      if (column < row.length - 1) widths[column] = Math.max(widths[column] ?? 0, width);
      return width;
    }),
  );
  return cells.map((row, rowIndex) => {
    const parts = row.map((cell, column) => {
      if (column === row.length - 1) return cell;
      const missing = widths[column]! - cellWidths[rowIndex]![column]!;
      if (missing <= 0) return cell;
      return rightAligned?.has(column) === true ? ' '.repeat(missing) + cell : cell + ' '.repeat(missing);
    });
    return (indent + parts.join(separator)).trimEnd();
  });
}
