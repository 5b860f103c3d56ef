import { isSecretHeader, looksLikePath, secretNameKind } from './secret-names.js';
import { isHighEntropyValue, privateKeyBlocks, redactTokenShapes } from './token-shapes.js';
import { redactUrlUserInfo } from './url-user-info.js';

/**
 * Redacts secrets from a process's argv before it is stored (`snapshot --cmdline redacted`,
 * the default). A socket inventory is kept for months: a password typed on a daemon's
 * command line must not be kept with it. It errs on the side of hiding too much: an
 * over-redacted value costs a little context, a leaked one costs a credential.
 *
 * It works on argv ELEMENTS (/proc/PID/cmdline's NUL-separated list), so a value holding
 * spaces is one value: `--password "correct horse battery staple"` is stored as
 * `--password <redacted>`, and so is `PASSWORD=my secret phrase` (env's argument) as
 * `PASSWORD=<redacted>`. An element that holds whitespace and is not a value (the script
 * after `-c`, `-lc`: `sh -c '...'`; a title set with setproctitle) is read word by word with
 * the same rules, a value that opens a quote running to the word that closes it
 * (`PASSWORD='a b c'`).
 *
 * What is hidden (secret names: secret-names.ts; shapes: token-shapes.ts):
 * - the value of an option or variable whose name names a secret, in every form:
 *   `--password=x`, `--password x`, `-token x`, `--password:x`, `PASSWORD=x`, `MYSQL_PWD=x`,
 *   `-Dx.password=x`; in option lists, URL queries, nested assignments and JSON members
 *   (`a=1,password=x`, `?token=x&`, `X-Amz-Signature=`, `--set=db.password=x`,
 *   `{"password": "x"}`). A `key` value (`--key`, `--ssh-key`, `--private-key`) is kept when
 *   it is a path: a path to a key is not the key;
 * - a secret option with its value LATER: `--password --verbose X` hides X. The rule: after a
 *   secret option without a value, long options (`--name`, `--name=v`, `--`) are passed over
 *   and the next argument that is not one is hidden. A boolean `--password` (prompting)
 *   followed by options cannot be told from one whose value comes later, so
 *   `psql --password --host db` loses `db`: a hidden host name is the cheaper mistake;
 * - headers: `-H`/`--header`/`--proxy-header` values and any `Name: value` argument whose
 *   name is Authorization, Proxy-Authorization, Cookie or names a secret (`X-Api-Key: x`):
 *   the value after the colon; a bare `Authorization:` hides the next argument, and the one
 *   after it when that is a scheme (`Bearer`, `Basic`, ...);
 * - `--cookie`/curl's `-b` values, unless a file name (no `=`, and a `/` or a `.`);
 * - `user:password` of `-u`/`--user`/`-U`/`--proxy-user` (the part after the colon; kept
 *   when it is all digits outside curl: `docker --user 1000:1000`), and URL user info
 *   (url-user-info.ts);
 * - `-pSECRET` after a mysql client (mysql, mariadb, mysqldump, mysqladmin, mysqlsh,
 *   mysqlimport, mysqlcheck, mysqlshow, mysqlbinlog, mariadb-dump, mariadb-admin) named by
 *   the exe, argv[0] or any later argument (`sudo mysql -pX`, `docker exec db mysql -pX`,
 *   `sh -c 'mysqladmin -pX ping'`); elsewhere `-p 8080` and `-p8080` stay; likewise
 *   redis-cli's `-a X` and sshpass's `-p X`/`-pX`;
 * - vendor token shapes and JWTs anywhere, PEM private key blocks across arguments, and
 *   long high-entropy values after `=` (token-shapes.ts).
 *
 * Not covered (documented limits): other programs' short options (`-p`, `-a`, `-k` mean
 * other things elsewhere), secrets in positional
 * arguments with no telling name or shape, hex-only or low-entropy values after `=` with a
 * neutral name, and secrets in the environment (never read).
 *
 * Cost: every step is one left-to-right pass over an element or a word, or regexes anchored
 * at one position with bounded or non-backtracking repetition: linear in the length of argv.
 *
 * @example redactArgv(['app', '--password', 'correct horse battery staple', '--port', '80'])
 *            -> ['app', '--password', '<redacted>', '--port', '80']
 *          redactArgv(['env', 'PASSWORD=my secret phrase', 'app'])  -> ['env', 'PASSWORD=<redacted>', 'app']
 *          redactArgv(['curl', '--header=Authorization: Basic QWxh']) -> ['curl', '--header=Authorization: <redacted>']
 *          redactArgv(['mysql', '-uroot', '-ps3cret', '-p', 'db'])    -> ['mysql', '-uroot', '-p<redacted>', '-p', 'db']
 *          redactArgv(['app', '--password', '--verbose', 'X'])        -> ['app', '--password', '--verbose', '<redacted>']
 *          redactArgv(['app', '--key', '/etc/ssl/key.pem', '-p', '8080']) -> unchanged
 */
export function redactArgv(argv: readonly string[], exe: string | null = null): string[] {
  const elements = redactPrivateKeyBlocks(argv);
  const programs: Programs = { ...NO_PROGRAMS };
  notePrograms(programs, exe === null ? '' : exe.replace(/ \(deleted\)$/, ''));
  return redactUnits(elements, programs, false).units;
}

export const REDACTED = '<redacted>';

/** mysql-family clients, whose `-pSECRET` is a password (by basename). */
const MYSQL_CLIENTS = new Set(['mysql', 'mariadb', 'mysqldump', 'mysqladmin', 'mysqlsh', 'mysqlimport', 'mysqlcheck', 'mysqlshow', 'mysqlbinlog', 'mariadb-dump', 'mariadb-admin', 'mariadb-import', 'mariadb-check']);
/** the programs whose short options the redactor knows; set once named, until a shell separator. */
interface Programs {
  mysql: boolean;
  curl: boolean;
  /** redis-cli's `-a PASSWORD` */
  redisCli: boolean;
  /** sshpass's `-p PASSWORD` / `-pPASSWORD` */
  sshpass: boolean;
}

const NO_PROGRAMS: Readonly<Programs> = { mysql: false, curl: false, redisCli: false, sshpass: false };

function notePrograms(programs: Programs, word: string): void {
  if (word.length > 256) return;
  const name = word.slice(word.lastIndexOf('/') + 1).replace(/^["']+|["']+$/g, '');
  if (MYSQL_CLIENTS.has(name)) programs.mysql = true;
  else if (name === 'curl') programs.curl = true;
  else if (name === 'redis-cli') programs.redisCli = true;
  else if (name === 'sshpass') programs.sshpass = true;
}

/** What the previous unit said the next one is. */
type Pending =
  | 'nothing'
  /** the value of a secret option (passed over: long options) */
  | 'secret'
  /** the value of a key option: a secret unless a path */
  | 'key'
  | 'cookie'
  | 'user-password'
  /** the value of -H/--header: `Name: value` */
  | 'header'
  /** after a bare `Authorization:`: the credentials (a scheme word, then one more) */
  | 'header-value'
  | 'header-credentials';

/** A unit's redaction: its new text, what the next unit is, and a quote it opened and left open (word mode). */
interface UnitResult {
  text: string;
  pending: Pending;
  openQuote: string | null;
}

/**
 * Redacts a sequence of units: argv elements (`words` false), or the words of one element
 * (`words` true: quotes may span words, and a shell separator forgets the programs named).
 */
function redactUnits(units: readonly string[], programs: Programs, words: boolean): { units: string[]; removed: boolean[] } {
  const out = units.slice();
  const removed = new Array<boolean>(units.length).fill(false);
  let pending: Pending = 'nothing';
  for (let index = 0; index < units.length; index++) {
    const unit = units[index]!;
    let result: UnitResult | null = null;
    if (pending !== 'nothing') result = takeValue(pending, unit, programs, words);
    // the script of `sh -c`, `bash -lc`, `su -c`: shell text, read word by word
    if (result === null && !words && index > 0 && /^-[a-z]*c$/.test(units[index - 1]!) && /\s/.test(unit)) result = { text: redactWords(unit), pending: 'nothing', openQuote: null };
    if (result === null) {
      // not the value that was expected (a long option after `--password`): a unit of its
      // own, and the expectation stands unless it sets another
      const standing: Pending = pending;
      result = redactUnit(unit, programs, words);
      if (result.pending === 'nothing' && (standing === 'secret' || standing === 'key')) result.pending = standing;
    }
    out[index] = result.text;
    pending = result.pending;
    if (words && result.openQuote !== null) {
      // swallow the words up to the one that closes the quote (or the end of the element)
      let close = index + 1;
      while (close < units.length && !endsWithQuote(units[close]!, result.openQuote)) close++;
      for (let swallowed = index + 1; swallowed <= close && swallowed < units.length; swallowed++) {
        out[swallowed] = '';
        removed[swallowed] = true;
      }
      index = close;
    }
    notePrograms(programs, unit);
    if (words && (/^(?:;|&&|\|\||\||&)$/.test(unit) || unit.endsWith(';'))) Object.assign(programs, NO_PROGRAMS);
  }
  return { units: out, removed };
}

function endsWithQuote(word: string, quote: string): boolean {
  return word.endsWith(quote) && !word.endsWith(`\\${quote}`);
}

/** A unit as the value `pending` expects, or null when it is not that value (and is a unit of its own). */
function takeValue(pending: Pending, unit: string, programs: Programs, words: boolean): UnitResult | null {
  const opens = (value: string) => (words ? openedQuote(value) : null);
  const hidden = (): UnitResult => ({ text: unit === '' ? '' : REDACTED, pending: 'nothing', openQuote: opens(unit) });
  switch (pending) {
    case 'secret':
      return unit.startsWith('--') ? null : hidden();
    case 'key':
      if (unit.startsWith('--')) return null;
      return looksLikePath(unquote(unit)) ? { text: unit, pending: 'nothing', openQuote: null } : hidden();
    case 'cookie':
      return isCookieFile(unquote(unit)) ? { text: unit, pending: 'nothing', openQuote: null } : hidden();
    case 'user-password':
      return { text: redactUserPassword(unit, programs), pending: 'nothing', openQuote: null };
    case 'header':
      return redactHeader(unit, words) ?? null;
    case 'header-value':
      return { text: REDACTED, pending: AUTH_SCHEMES.has(unquote(unit).toLowerCase()) ? 'header-credentials' : 'nothing', openQuote: null };
    case 'header-credentials':
      return { text: REDACTED, pending: 'nothing', openQuote: null };
    default:
      return null;
  }
}

const AUTH_SCHEMES = new Set(['basic', 'bearer', 'token', 'digest', 'negotiate', 'ntlm', 'apikey', 'api-key', 'aws4-hmac-sha256', 'hoba', 'mutual', 'vapid']);

/** A quote that a value opens and does not close: `'a` -> `'`; `'a'`, `a` -> null. */
function openedQuote(value: string): string | null {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return null;
  return value.length >= 2 && endsWithQuote(value, quote) ? null : quote;
}

/** The value without the quotes around it (index loops: a regex `["']+$` is quadratic on a run of quotes). */
function unquote(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === '"' || value[start] === "'")) start++;
  while (end > start && (value[end - 1] === '"' || value[end - 1] === "'")) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isCookieFile(value: string): boolean {
  return value !== '' && !value.includes('=') && (value.includes('/') || value.includes('.'));
}

/** `user:password` -> `user:<redacted>`; kept outside curl when the part after the colon is all digits (uid:gid). */
function redactUserPassword(value: string, programs: Programs): string {
  const colon = value.indexOf(':');
  if (colon < 0 || colon === value.length - 1) return value;
  const password = value.slice(colon + 1);
  if (!programs.curl && /^\d+["']?$/.test(password)) return value;
  return `${value.slice(0, colon + 1)}${REDACTED}`;
}

/** The name a unit starts with: quotes, dashes, a name, and the separator after it. */
const UNIT_HEAD = /^(["']?)(-{0,2})([A-Za-z_][\w.-]*)([=:]?)/;
/** `Name:` or `Name: value` of an HTTP header. */
const HEADER = /^(["']?)([A-Za-z][\w-]*)[ \t]*:/;

/** -H's value: `Name: value` with the value hidden when the name says so; null when it is no header. */
function redactHeader(unit: string, words: boolean): UnitResult | null {
  const header = HEADER.exec(unit);
  if (header === null || !isSecretHeader(header[2]!)) return header === null ? null : { text: redactFreeText(unit, words), pending: 'nothing', openQuote: null };
  const rest = unit.slice(header[0].length);
  const quote = header[1]!;
  if (rest.trim() === '' || rest.trim() === quote) {
    // `Authorization:` alone (the words after it are the credentials), or `"Authorization:` opening a quote
    // (the quote is closed again after the credentials, which the words up to it were)
    if (words && quote !== '' && !rest.endsWith(quote)) return { text: `${header[0]} ${REDACTED}${quote}`, pending: 'nothing', openQuote: quote };
    return { text: unit, pending: 'header-value', openQuote: null };
  }
  const space = /^[ \t]*/.exec(rest)![0];
  const open = words && quote !== '' && !endsWithQuote(unit, quote) ? quote : null;
  return { text: `${header[0]}${space}${REDACTED}${open ?? ''}`, pending: 'nothing', openQuote: open };
}

/** A unit that is no expected value: an option, an assignment, a header, or free text. */
function redactUnit(unit: string, programs: Programs, words: boolean): UnitResult {
  const plain = (text: string, pending: Pending = 'nothing'): UnitResult => ({ text, pending, openQuote: null });
  if (unit === '') return plain(unit);
  // mysql's -pSECRET (attached only: `-p` alone prompts, and `-p db` names a database)
  if (programs.mysql && /^["']?-p[^-]/.test(unit)) return plain(unit.slice(0, unit.indexOf('-p') + 2) + REDACTED);
  // curl's -ubob:pw
  if (programs.curl && /^-u[^-]/.test(unit)) return plain(`-u${redactUserPassword(unit.slice(2), programs)}`);
  // redis-cli -a PASSWORD, sshpass -p PASSWORD / -pPASSWORD
  if ((programs.redisCli && unit === '-a') || (programs.sshpass && unit === '-p')) return plain(unit, 'secret');
  if (programs.sshpass && /^-p./.test(unit)) return plain(`-p${REDACTED}`);
  // a JSON member whose value is the next word: `{"password":` `"a b"}`
  if (unit.endsWith('":') && secretNameKind(quotedNameBefore(unit, unit.length - 2) ?? '') !== 'none') return plain(redactFreeText(unit, words), 'secret');
  const head = UNIT_HEAD.exec(unit);
  if (head === null) return plain(redactFreeText(unit, words));
  const [whole, , dashes, name, separator] = head as unknown as [string, string, string, string, string];
  const option = dashes !== '';
  const kind = optionKind(name, option, dashes.length, programs);
  if (separator === '') {
    if (whole.length !== unit.length) return plain(redactFreeText(unit, words));
    // a bare option: its value is the next unit
    if (option && kind !== 'nothing') return plain(unit, kind);
    // a bare `Authorization:`-style name is handled with headers (separator ':'); a plain word
    return plain(redactFreeText(unit, words));
  }
  const value = unit.slice(whole.length);
  // `PASSWORD='a b' app -x`: shell text (sh -c), not one value: read word by word
  if (!words && (value[0] === '"' || value[0] === "'") && /\s/.test(value)) return plain(redactWords(unit));
  if (separator === ':') {
    if (!option && HEADER.test(unit)) {
      const header = redactHeader(unit, words);
      if (header !== null && header.text !== unit) return header;
      if (header !== null && header.pending !== 'nothing') return header;
    }
    if (option && (kind === 'secret' || (kind === 'key' && !looksLikePath(unquote(value))))) return hideValue(unit, whole.length, value, words);
    return plain(redactFreeText(unit, words));
  }
  // name=value
  switch (kind) {
    case 'secret':
      return value === '' ? plain(unit) : hideValue(unit, whole.length, value, words);
    case 'key':
      return value === '' || looksLikePath(unquote(value)) ? plain(unit) : hideValue(unit, whole.length, value, words);
    case 'cookie':
      return value === '' || isCookieFile(unquote(value)) ? plain(unit) : hideValue(unit, whole.length, value, words);
    case 'user-password':
      return plain(unit.slice(0, whole.length) + redactUserPassword(value, programs));
    case 'header': {
      const header = redactHeader(value, words);
      if (header === null) return plain(unit.slice(0, whole.length) + redactFreeText(value, words));
      return { ...header, text: unit.slice(0, whole.length) + header.text };
    }
    default:
      return plain(redactFreeText(unit, words));
  }
}

/** `prefix` kept, the value after it hidden (with a quote it opens, in word mode). */
function hideValue(unit: string, prefixLength: number, value: string, words: boolean): UnitResult {
  return { text: unit.slice(0, prefixLength) + REDACTED, pending: 'nothing', openQuote: words ? openedQuote(value) : null };
}

/** What an option or variable name expects as its value. */
function optionKind(name: string, option: boolean, dashes: number, programs: Programs): Pending {
  if (option) {
    if ((dashes === 1 && name === 'H') || name === 'header' || name === 'proxy-header') return 'header';
    if ((dashes === 1 && (name === 'u' || name === 'U')) || name === 'user' || name === 'proxy-user') return 'user-password';
    if ((dashes === 1 && name === 'b' && programs.curl) || name === 'cookie') return 'cookie';
  }
  const kind = secretNameKind(name);
  return kind === 'none' ? 'nothing' : kind;
}

/**
 * Free text: an element (read word by word when it holds whitespace) or a word. Hides URL
 * user info, secret-named and high-entropy assignments inside it, and token shapes.
 */
function redactFreeText(text: string, words: boolean): string {
  if (!words && /\s/.test(text)) return redactWords(text);
  return redactTokenShapes(redactJsonMembers(redactAssignments(redactUrlUserInfo(text, REDACTED))), REDACTED);
}

/**
 * JSON members whose name names a secret, inside a word: `{"password":"x","user":"bob"}` ->
 * `{"password":"<redacted>","user":"bob"}` (ansible's --extra-vars, kubectl's --overrides).
 * A member split over words (`{"password": "a b"}`) is handled by redactUnit: a word ending
 * in `"password":` makes the next one a secret value.
 * Cost, linear: one indexOf pass over `":`; a name is looked for at most 128 characters back;
 * a quoted value ends at the next `"`, another at the next `,` or `}` (cached positions).
 */
function redactJsonMembers(word: string): string {
  let search = word.indexOf('":');
  if (search < 0) return word;
  let out = '';
  let copied = 0;
  const nextStop = nextPositionFinder(word);
  while (search >= 0) {
    const colon = search;
    search = word.indexOf('":', colon + 2);
    const kind = secretNameKind(quotedNameBefore(word, colon) ?? '');
    if (kind === 'none') continue;
    const quoted = word[colon + 2] === '"';
    const valueStart = colon + 2 + (quoted ? 1 : 0);
    let valueEnd = quoted ? word.indexOf('"', valueStart) : Math.min(nextStop(',', valueStart), nextStop('}', valueStart));
    if (valueEnd < 0) valueEnd = word.length;
    if (valueEnd === valueStart) continue;
    if (kind === 'key' && looksLikePath(word.slice(valueStart, Math.min(valueEnd, valueStart + 256)))) continue;
    out += word.slice(copied, valueStart) + REDACTED;
    copied = valueEnd;
    if (search >= 0 && search < valueEnd) search = word.indexOf('":', valueEnd);
  }
  return copied === 0 ? word : out + word.slice(copied);
}

/** The JSON member name that ends with the `"` at `closeQuote` (`{"name":` -> name), looked for 128 characters back at most. */
function quotedNameBefore(word: string, closeQuote: number): string | null {
  for (let index = closeQuote - 1; index >= 0 && index >= closeQuote - 129; index--) {
    if (word[index] !== '"') continue;
    const name = word.slice(index + 1, closeQuote);
    return /^[A-Za-z_][\w.-]*$/.test(name) ? name : null;
  }
  return null;
}

/** An element holding whitespace, word by word (whitespace kept as it was). */
function redactWords(element: string): string {
  const parts = element.split(/(\s+)/);
  const words: string[] = [];
  for (let index = 0; index < parts.length; index += 2) words.push(parts[index]!);
  const { units, removed } = redactUnits(words, { ...NO_PROGRAMS }, true);
  let out = '';
  for (let index = 0; index < units.length; index++) {
    if (removed[index]) continue;
    if (index > 0) out += parts[index * 2 - 1]!;
    out += units[index]!;
  }
  return out;
}

/**
 * `name=value` inside a word: at its start (`--x=`, `NAME=`), after a list separator
 * (`a=1,password=x`, `?token=x&y=1`) or nested in a value (`--set=db.password=x`). A value is hidden when the name names a secret (a
 * key: unless it is a path) or when the value looks generated (isHighEntropyValue).
 *
 * Cost, linear: candidates are the word's start and the characters after `,;&?`, in order;
 * a name stops at the first character that is not a name's (separators are not); a hidden
 * value is skipped whole; the end of a value is found through one cached next position per
 * stop character (positions only grow); the entropy test stops at the first character
 * outside the base64 alphabet (every separator but `=` is) and, nested, at the next `=`.
 */
function redactAssignments(word: string): string {
  if (word.indexOf('=') < 0) return word;
  let out = '';
  let copied = 0;
  const nextStop = nextPositionFinder(word);
  for (let start = 0; start < word.length; start++) {
    if (start > 0 && !LIST_SEPARATORS.includes(word[start - 1]!)) continue;
    if (start < copied) continue; // inside a hidden value
    ASSIGNMENT_NAME.lastIndex = start;
    const match = ASSIGNMENT_NAME.exec(word);
    if (match === null) continue;
    const separator = start === 0 ? '' : word[start - 1]!;
    const valueStart = start + match[0].length;
    const valueEnd =
      separator === ''
        ? word.length
        : separator === '?' || separator === '&'
          ? Math.min(nextStop('&', valueStart), nextStop('#', valueStart))
          : separator === '='
            ? Math.min(nextStop(',', valueStart), nextStop(';', valueStart), nextStop('&', valueStart), nextStop('#', valueStart))
            : Math.min(nextStop(',', valueStart), nextStop(';', valueStart));
    if (valueEnd === valueStart) continue;
    const kind = secretNameKind(match[1]!);
    // a nested assignment's value is judged up to the next `=` (which is in the base64
    // alphabet: the test must not run over the next nested one)
    const judgedEnd = separator === '=' ? Math.min(valueEnd, nextStop('=', valueStart)) : valueEnd;
    const hide =
      kind === 'secret' ||
      (kind === 'key' && !looksLikePath(word.slice(valueStart, Math.min(valueEnd, valueStart + 256)))) ||
      isHighEntropyValue(word, valueStart, judgedEnd);
    if (!hide) continue;
    out += word.slice(copied, valueStart) + REDACTED;
    copied = valueEnd;
  }
  return copied === 0 ? word : out + word.slice(copied);
}

/** `,;` option lists, `?&` URL queries, `=` a nested assignment (helm's `--set=db.password=x`). */
const LIST_SEPARATORS = ',;&?=';
/** at a candidate: optional quote, up to two dashes, the name (group 1), `=`. */
const ASSIGNMENT_NAME = /["']?-{0,2}([A-Za-z_][\w.-]*)=/y;

/** `find(char, from)`: the index of `char` at or after `from` (or the text's length), for `from` that never decreases. */
function nextPositionFinder(text: string): (char: string, from: number) => number {
  const found = new Map<string, number>();
  return (char, from) => {
    const known = found.get(char);
    if (known !== undefined && known >= from) return known;
    const at = text.indexOf(char, from);
    const position = at < 0 ? text.length : at;
    found.set(char, position);
    return position;
  };
}

/**
 * PEM private key blocks, which span arguments when not quoted: each block becomes
 * `<redacted>` in every argument it touched (the arguments stay as many).
 */
function redactPrivateKeyBlocks(argv: readonly string[]): readonly string[] {
  if (!argv.some((element) => element.includes('-----BEGIN'))) return argv;
  const joined = argv.join('\0');
  const blocks = privateKeyBlocks(joined);
  if (blocks.length === 0) return argv;
  let out = '';
  let copied = 0;
  for (const [start, end] of blocks) {
    const separators = joined.slice(start, end).split('\0').length - 1;
    out += joined.slice(copied, start) + Array.from({ length: separators + 1 }, () => REDACTED).join('\0');
    copied = end;
  }
  return (out + joined.slice(copied)).split('\0');
}
