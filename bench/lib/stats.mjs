/*
 * stats.mjs - summaries of repeated measurements.
 */

/** Median; the mean of the two middle values for an even count; null for no values. */
export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** { median, min, max, count } of the values; nulls when there are none. */
export function summarize(values) {
  if (values.length === 0) return { median: null, min: null, max: null, count: 0 };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), count: values.length };
}
