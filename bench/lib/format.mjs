/*
 * format.mjs - number formatting shared by the benchmark tables.
 */

/** 1234.5 ms -> "1.235 s"; null -> "n/a". */
export const formatSeconds = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(3)} s`);

/** Peak RSS in KiB (as GNU time's %M reports it) -> "123.4 MB" (10^6 bytes); null -> "n/a". */
export const formatMegabytes = (kib) => (kib === null || kib === undefined ? 'n/a' : `${((kib * 1024) / 1e6).toFixed(1)} MB`);

/** 0.4567 -> "0.46"; null -> "n/a". */
export const formatRatio = (ratio) => (ratio === null || ratio === undefined || !Number.isFinite(ratio) ? 'n/a' : ratio.toFixed(2));
