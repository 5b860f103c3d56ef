/**
 * The one escaping rule of every human-readable output (tables, reports, warnings, errors).
 *
 * Everything read from a host is hostile: any local user picks a process's comm (prctl
 * PR_SET_NAME), its argv and exe path, and a unix socket path may hold newlines and escape
 * sequences; under --proc-root so may the hostname, and labels come back from a database.
 * Printed raw, such text moves root's cursor, retitles the terminal, or forges a whole
 * record on a line of its own. So every piece of host text is escaped where a renderer puts
 * it into a line, in the spirit of `ls -b` and `ss`:
 *
 * - a backslash becomes `\\`, so every backslash in the output starts an escape and the
 *   output is unambiguous (escapeText is injective; unescapeText is its inverse);
 * - `\n`, `\r`, `\t` become those two characters; every other C0 control and DEL becomes
 *   `\xHH` (`\x1b`);
 * - C1 controls, format characters (bidi embeddings, overrides and isolates U+202A-202E and
 *   U+2066-2069, marks U+200E/200F/061C, zero-width characters, U+FEFF, soft hyphen, tag
 *   characters), line and paragraph separators (U+2028/2029), spaces other than U+0020
 *   (no-break and other invisible widths) and lone surrogates become `\uHHHH`, or `\u{HHHHH}`
 *   above U+FFFF;
 * - everything else, including non-ASCII letters, CJK and emoji, passes unchanged.
 *
 * Only the output is escaped: the database and the JSON keep the real bytes. Our own
 * styling (ANSI colour) is added after escaping, around escaped text, so it still works.
 * A zero-width joiner inside an emoji sequence shows as `\u200d`: visibility wins over
 * prettiness in a security tool.
 */

/**
 * What may not reach a terminal as-is: the backslash (it starts our escapes), Cc (C0, DEL,
 * C1), Cf, Cs (lone surrogates), Zl, Zp, and Zs but the plain space (Zs spelled out: a
 * character class cannot subtract without the `v` flag).
 */
const UNSAFE = /[\\\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

const SHORT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0');
}

/** The visible form of one unsafe code point. */
function escapeCodePoint(character: string): string {
  const short = SHORT_ESCAPES[character];
  if (short !== undefined) return short;
  const codePoint = character.codePointAt(0)!;
  if (codePoint < 0x80) return `\\x${hex(codePoint, 2)}`;
  if (codePoint <= 0xffff) return `\\u${hex(codePoint, 4)}`;
  return `\\u{${hex(codePoint, 5)}}`;
}

/**
 * Host text as it may be printed: one line, no control, format or bidi character.
 *
 * @example
 *   escapeText('sshd')                    -> 'sshd'
 *   escapeText('/tmp/x\n\u001b[31mFAKE') -> '/tmp/x\\n\\x1b[31mFAKE'  (printed: /tmp/x\n\x1b[31mFAKE)
 *   escapeText('a\\b')                    -> 'a\\\\b'                   (printed: a\\b)
 *   escapeText('evil\u202etxt.sh')        -> 'evil\\u202etxt.sh'
 *   escapeText('café 東京 🐧')            -> 'café 東京 🐧'
 */
export function escapeText(text: string): string {
  // the common case, printable text, costs one test and no copy
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, escapeCodePoint);
}

/**
 * The inverse of escapeText, for tests and for readers who want the bytes back (the JSON
 * has them too). Throws on text escapeText cannot have produced.
 */
export function unescapeText(text: string): string {
  return text.replace(/\\(?:x([0-9a-f]{2})|u\{([0-9a-f]{5,6})\}|u([0-9a-f]{4})|(.)|$)/gsu, (whole, x?: string, astral?: string, bmp?: string, short?: string) => {
    if (x !== undefined) return String.fromCharCode(parseInt(x, 16));
    if (astral !== undefined) return String.fromCodePoint(parseInt(astral, 16));
    if (bmp !== undefined) return String.fromCharCode(parseInt(bmp, 16));
    if (short === '\\') return '\\';
    if (short === 'n') return '\n';
    if (short === 'r') return '\r';
    if (short === 't') return '\t';
    throw new Error(`not an escape: ${JSON.stringify(whole)}`);
  });
}

/** Characters that mean something anywhere in a markdown table cell or paragraph (CommonMark + GFM). */
const MARKDOWN_SPECIAL = /[\\`*_[\]<|&~]/g;

/** Characters that open a block (heading, quote, list, setext underline) at the start of a line. */
const MARKDOWN_BLOCK_START = /^([ ]*)([#>+\-=])/;

/**
 * Host text for a markdown table cell or paragraph: escapeText, then a backslash before each
 * character markdown would act on: `|` ends a cell, backticks open code, `*` `_` `~`
 * emphasis, `[` `]` links and images, `<` HTML and autolinks, `&` entities (`&#8238;` would
 * bring a bidi override back), and a leading `#` `>` `+` `-` `=` a heading, quote or list.
 * Backslashes are escaped again, so the rendered markdown shows exactly escapeText's form.
 *
 * @example
 *   escapeMarkdown('a|b *c* `d`')  -> 'a\\|b \\*c\\* \\`d\\`'
 *   escapeMarkdown('x\ny')         -> 'x\\\\ny'   (renders as x\ny)
 *   escapeMarkdown('# not a title') -> '\\# not a title'
 */
export function escapeMarkdown(text: string): string {
  return escapeText(text).replace(MARKDOWN_SPECIAL, '\\$&').replace(MARKDOWN_BLOCK_START, '$1\\$2');
}

/**
 * Host text as markdown inline code inside a table cell: escapeText, in a backtick fence
 * longer than any backtick run inside, with `|` escaped (GFM splits cells before it parses
 * code spans; escapeText doubled every backslash, so `\|` is always read as an escaped pipe).
 * Inside code, backslashes are literal: it renders as escapeText's form.
 *
 * @example
 *   markdownCode('unix stream /run/a|b.sock host') -> '`unix stream /run/a\\|b.sock host`'
 */
export function markdownCode(text: string): string {
  const escaped = escapeText(text);
  const longest = Math.max(0, ...(escaped.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = escaped.startsWith('`') || escaped.endsWith('`') || escaped === '' ? ' ' : '';
  return `${fence}${pad}${escaped}${pad}${fence}`.replace(/\|/g, '\\|');
}

/** Combining marks take no column of their own. */
const ZERO_WIDTH = /^\p{M}$/u;

/**
 * East Asian wide and fullwidth ranges (Unicode's EastAsianWidth W and F, main blocks) and
 * the emoji pictographs: two columns each. An approximation of wcwidth(3) that stays within
 * this file; a miss only misaligns one row, it never breaks a line.
 */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x23e9, 0x23ec],
  [0x23f0, 0x23f0],
  [0x23f3, 0x23f3],
  [0x25fd, 0x25fe],
  [0x2614, 0x2615],
  [0x2648, 0x2653],
  [0x267f, 0x267f],
  [0x2693, 0x2693],
  [0x26a1, 0x26a1],
  [0x26aa, 0x26ab],
  [0x26bd, 0x26be],
  [0x26c4, 0x26c5],
  [0x26ce, 0x26ce],
  [0x26d4, 0x26d4],
  [0x26ea, 0x26ea],
  [0x26f2, 0x26f5],
  [0x26fa, 0x26fd],
  [0x2705, 0x2705],
  [0x270a, 0x270b],
  [0x2728, 0x2728],
  [0x274c, 0x274c],
  [0x2753, 0x2755],
  [0x2757, 0x2757],
  [0x2795, 0x2797],
  [0x27b0, 0x27b0],
  [0x27bf, 0x27bf],
  [0x2b1b, 0x2b1c],
  [0x2b50, 0x2b50],
  [0x2b55, 0x2b55],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f0cf, 0x1f0cf],
  [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a],
  [0x1f200, 0x1f251],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f7e0, 0x1f7eb],
  [0x1f90c, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

function isWide(codePoint: number): boolean {
  if (codePoint < 0x1100) return false;
  let low = 0;
  let high = WIDE_RANGES.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [start, end] = WIDE_RANGES[middle]!;
    if (codePoint < start) high = middle - 1;
    else if (codePoint > end) low = middle + 1;
    else return true;
  }
  return false;
}

function charWidth(character: string): number {
  const codePoint = character.codePointAt(0)!;
  if (codePoint < 0x300) return 1; // ASCII and Latin: the common case, no regex
  if (ZERO_WIDTH.test(character)) return 0;
  return isWide(codePoint) ? 2 : 1;
}

/**
 * The columns escaped text takes on a terminal: combining marks 0, wide and fullwidth
 * characters 2, everything else 1. Only for text escapeText has made safe.
 *
 * @example displayWidth('sshd') -> 4; displayWidth('東京') -> 4; displayWidth('e\u0301') -> 1
 */
export function displayWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const character of text) width += charWidth(character);
  return width;
}

/** Text padded with spaces to a display width (never cut). */
export function padToWidth(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const missing = width - displayWidth(text);
  if (missing <= 0) return text;
  return align === 'left' ? text + ' '.repeat(missing) : ' '.repeat(missing) + text;
}

/**
 * Host text escaped and cut to at most `maxWidth` display columns, ending in `…` when cut.
 * The cut falls between escapes, never inside one (`\x1b` is kept whole or dropped whole),
 * and never splits a surrogate pair; a combining mark stays with its base.
 *
 * @example
 *   fitCell('/run/user/1000/very/long/path.sock', 16) -> '/run/user/1000/…'
 *   fitCell('a\u001bb', 3)                             -> 'a…'
 */
export function fitCell(text: string, maxWidth: number): string {
  const escaped = escapeText(text);
  if (displayWidth(escaped) <= maxWidth) return escaped;
  const room = maxWidth - 1; // for the ellipsis
  let width = 0;
  let cut = '';
  for (const character of text) {
    const shown = UNSAFE.test(character) ? escapeCodePoint(character) : character;
    const shownWidth = displayWidth(shown);
    if (width + shownWidth > room) break;
    width += shownWidth;
    cut += shown;
  }
  return `${cut}…`;
}
