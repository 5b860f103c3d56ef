/** The formats `diff --format` writes (src/diff/render-*.ts). */
export const DIFF_FORMATS = ['text', 'json', 'unified', 'markdown'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];
