/*
 * results-file.mjs - keep one section per benchmark in bench/RESULTS.md, replacing it on each
 * --write-results run and leaving the other benchmarks' sections alone.
 *
 * A section sits between `<!-- NAME:start -->` and `<!-- NAME:end -->`; a file without it gets
 * the section appended.
 */
import fs from 'node:fs';

/** Pure: the text with the NAME section set to `body`. */
export function replaceSection(text, name, body) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = from === -1 ? -1 : text.indexOf(end, from);
  if (from !== -1 && to !== -1) return `${text.slice(0, from)}${section}${text.slice(to + end.length)}`;
  const base = text.trimEnd();
  return `${base}${base ? '\n\n' : ''}${section}\n`;
}

/** Writes `body` as the NAME section of the results file, creating the file if needed. */
export function writeResultsSection(file, name, body, title = '# Benchmark results') {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `${title}\n`;
  fs.writeFileSync(file, replaceSection(text, name, body));
}
