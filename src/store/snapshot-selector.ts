/**
 * A parsed snapshot selector (docs/design.md, "Command line"), as the command line gives
 * it (src/options/parse-snapshot-selector.ts) and resolveSnapshot resolves it:
 * - `id`: a number;
 * - `nth-newest`: `latest` (n = 1) or `last N` (the N-th newest; as a diff range, from it
 *   to the newest);
 * - `label`: `@name`, the newest snapshot with that label;
 * - `at-or-before`: an ISO time, or a duration ago (`30m`, `1h`, `2d`, `1w`, optionally
 *   followed by `ago`): the newest snapshot taken at or before it.
 */
export type SnapshotSelector =
  | { kind: 'id'; text: string; id: number }
  | { kind: 'nth-newest'; text: string; n: number; range: boolean }
  | { kind: 'label'; text: string; label: string }
  | { kind: 'at-or-before'; text: string; time: string };
