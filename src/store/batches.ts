/**
 * Splits rows into batches small enough for one statement's bound parameters (SQLite
 * allows 32766, PostgreSQL 65535).
 *
 * @example batches([1, 2, 3, 4, 5], 2) -> [[1, 2], [3, 4], [5]]
 */
export function batches<T>(rows: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += size) result.push(rows.slice(start, start + size));
  return result;
}

/** Rows per INSERT for a table of `columns` columns, staying under 30,000 parameters. */
export function rowsPerInsert(columns: number): number {
  return Math.max(1, Math.floor(30_000 / columns));
}
