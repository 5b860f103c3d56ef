/*
 * markdown-table.mjs - a GitHub markdown table whose columns line up in a terminal too.
 *
 *   markdownTable(['tool', 'wall'], [['ss', '0.120 s']], ['left', 'right'])
 *   | tool |    wall |
 *   | :--- | ------: |
 *   | ss   | 0.120 s |
 */

export function markdownTable(headers, rows, align = []) {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? '').replaceAll('|', '\\|')));
  const widths = headers.map((_, column) => Math.max(3, ...cells.map((row) => row[column]?.length ?? 0)));
  const pad = (text, column) =>
    align[column] === 'right' ? text.padStart(widths[column]) : text.padEnd(widths[column]);
  const line = (row) => `| ${widths.map((_, column) => pad(row[column] ?? '', column)).join(' | ')} |`;
  const rule = `| ${widths
    .map((width, column) => (align[column] === 'right' ? `${'-'.repeat(width - 1)}:` : `:${'-'.repeat(width - 1)}`))
    .join(' | ')} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}
