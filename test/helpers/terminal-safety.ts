/**
 * What a human-readable output may contain, per the escaping rule (src/render/escape-text.ts):
 * no C0 control but the newline ending each line, no DEL, no C1 control, no format or bidi
 * character, no line or paragraph separator, no lone surrogate. Our own colours (SGR
 * sequences, `ESC [ digits m`) are allowed only when `colour` is set.
 */
const FORBIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * The forbidden code points of an output, as `U+XXXX at N` (empty when it is safe).
 * `patch`: a unified diff, whose `---`/`+++` header lines separate the file name from its
 * time with a tab, as diff -u and every patch tool do; that tab is ours, never host text.
 */
export function unsafeCharacters(text: string, options: { colour?: boolean; patch?: boolean } = {}): string[] {
  let checked = options.colour === true ? text.replace(SGR, '') : text;
  if (options.patch === true) checked = checked.replace(/^(---|\+\+\+) (sockaudit\/[^\t\n]*)\t/gm, '$1 $2 ');
  const found: string[] = [];
  let offset = 0;
  for (const character of checked) {
    if (FORBIDDEN.test(character)) found.push(`U+${character.codePointAt(0)!.toString(16).padStart(4, '0')} at ${offset}`);
    offset += character.length;
    if (found.length >= 5) break;
  }
  return found;
}

/** The lines of an output that ends with a newline (none for ""). */
export function outputLines(text: string): string[] {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`output does not end with a newline: ${JSON.stringify(text.slice(-40))}`);
  return text.slice(0, -1).split('\n');
}
