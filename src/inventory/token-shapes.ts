/**
 * Secrets recognised by their shape wherever they are in a command line, whatever the
 * option before them: access tokens with a vendor prefix, JWTs, PEM private key blocks, and
 * long high-entropy values after `=`.
 *
 * The shapes are gitleaks' (github.com/gitleaks/gitleaks, config/gitleaks.toml, read at
 * commit b58d3f10), rule ids: aws-access-token, github-pat, github-oauth, github-app-token,
 * github-refresh-token, github-fine-grained-pat, gitlab-pat, slack-bot-token,
 * slack-user-token, slack-app-token, slack-legacy-token, slack-legacy-bot-token,
 * slack-legacy-workspace-token, slack-config-access-token, jwt, private-key, gcp-api-key,
 * stripe-access-token, npm-access-token, openai-api-key, anthropic-api-key,
 * digitalocean-pat, pypi-upload-token. Two changes, both towards hiding more:
 * - a token must start a RUN (a run of `[A-Za-z0-9_-]`, the base64url alphabet, that starts
 *   at a letter, digit or `_`; gitleaks anchors most of these at a word boundary too), and
 *   the whole run is hidden, not only the part the shape covers;
 * - gitleaks' per-rule entropy minimum is not applied: hiding a low-entropy look-alike
 *   costs a little context.
 *
 * Cost: a word is cut into runs in one pass; each shape is a regex anchored at the start of
 * a run with bounded repetition (or a final class repetition that never backtracks), tried
 * once per run; runs do not overlap. So the work is linear in the length of the word,
 * whatever it holds (a command line can be megabytes, and any local user writes it).
 */

/** One gitleaks rule, anchored at the start of a run; tested against the run and what follows it. */
const RUN_SHAPES: readonly RegExp[] = [
  /^(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}/, // aws-access-token
  /^gh[pousr]_[0-9A-Za-z]{36}/, // github-pat, github-oauth, github-app-token (ghu, ghs), github-refresh-token
  /^github_pat_\w{82}/, // github-fine-grained-pat
  /^glpat-[\w-]{20}/, // gitlab-pat
  /^xox[bpaerso]-[0-9A-Za-z-]{8,}/, // slack-bot-token, slack-user-token, slack-legacy-*, (xoxe: slack-config-*)
  /^xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+/i, // slack-app-token
  /^AIza[\w-]{35}/, // gcp-api-key
  /^(?:sk|rk)_(?:test|live|prod)_[a-zA-Z0-9]{10}/, // stripe-access-token
  /^npm_[a-z0-9]{36}/i, // npm-access-token
  /^sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{58}/, // openai-api-key (project, service account, admin)
  /^sk-[a-zA-Z0-9]{20}T3BlbkFJ[a-zA-Z0-9]{20}/, // openai-api-key (legacy)
  /^sk-ant-(?:api|admin)\d\d-[a-zA-Z0-9_-]{80}/, // anthropic-api-key, anthropic-admin-api-key
  /^dop_v1_[a-f0-9]{64}/, // digitalocean-pat
  /^pypi-AgEIcHlwaS5vcmc[\w-]{50}/, // pypi-upload-token
];

/** gitleaks' jwt: `ey` + 17 or more, a dot, `ey` + 17 or more, a dot, an optional signature. */
const JWT_HEADER = /^ey[a-zA-Z0-9]{17}/;
const JWT_PAYLOAD = /^ey[a-zA-Z0-9_-]{17}/;

/** A character of a run: [A-Za-z0-9_-]. */
function isRunChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
}

/**
 * The text with every vendor token and JWT replaced by `replacement`.
 * @example redactTokenShapes('--x=ghp_' + 'a'.repeat(36), '<redacted>') -> '--x=<redacted>'
 *          redactTokenShapes('Bearer eyJhbGciOiJIUzI1NiJ9x.eyJzdWIiOiIxMjM0NTY3ODkw.sig', 'R') -> 'Bearer R'
 */
export function redactTokenShapes(text: string, replacement: string): string {
  let out = '';
  let copied = 0;
  let index = 0;
  while (index < text.length) {
    // a run starts at a letter, digit or `_` (after `--` in `--ghp_...`), and goes on over `-`
    const first = text.charCodeAt(index);
    if (!isRunChar(first) || first === 45 /* - */) {
      index++;
      continue;
    }
    let end = index;
    while (end < text.length && isRunChar(text.charCodeAt(end))) end++;
    // at most the longest shape's length is needed to test a run (pypi: 19 + 50)
    const head = text.slice(index, Math.min(end, index + 128));
    let hideTo = -1;
    if (RUN_SHAPES.some((shape) => shape.test(head))) hideTo = end;
    else if (JWT_HEADER.test(head)) hideTo = jwtEnd(text, end);
    if (hideTo < 0) {
      index = end;
      continue;
    }
    out += text.slice(copied, index) + replacement;
    copied = index = hideTo;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where a JWT whose header run ends at `headerEnd` ends, or -1 when it is not one. */
function jwtEnd(text: string, headerEnd: number): number {
  if (text.charCodeAt(headerEnd) !== 46 /* . */) return -1;
  let end = headerEnd + 1;
  while (end < text.length && (isRunChar(text.charCodeAt(end)) || text[end] === '/' || text[end] === '\\')) end++;
  if (!JWT_PAYLOAD.test(text.slice(headerEnd + 1, Math.min(end, headerEnd + 64)))) return -1;
  if (text.charCodeAt(end) !== 46) return end;
  end++;
  while (end < text.length && (isRunChar(text.charCodeAt(end)) || text[end] === '/' || text[end] === '\\' || text[end] === '=')) end++;
  return end;
}

/**
 * Where each PEM private key block of `text` is (gitleaks' private-key: `-----BEGIN` ...
 * `PRIVATE KEY` ... `-----`, then up to the END line's closing `-----`; without an END line,
 * to the end of the text). `text` may hold element separators (NUL) and any whitespace.
 * One left-to-right pass of indexOf: linear.
 * @example privateKeyBlocks('x -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- y')
 *          -> [[2, 62]]
 */
export function privateKeyBlocks(text: string): [start: number, end: number][] {
  const blocks: [number, number][] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('-----BEGIN', from);
    if (start < 0) break;
    // the type between BEGIN and the next `-----`: `RSA PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`
    // (spaces may be argument separators, NUL, when the block was not quoted)
    const typeEnd = text.indexOf('-----', start + 10);
    const type = typeEnd < 0 || typeEnd - start > 120 ? null : text.slice(start + 10, typeEnd);
    if (type === null || !/^[ \t\0A-Z0-9_-]*PRIVATE[ \t\0]+KEY(?:[ \t\0]+BLOCK)?$/i.test(type)) {
      from = start + 10;
      continue;
    }
    const afterHeader = typeEnd + 5;
    const endLine = text.indexOf('-----END', afterHeader);
    if (endLine < 0) {
      blocks.push([start, text.length]);
      break;
    }
    const close = text.indexOf('-----', endLine + 8);
    const end = close < 0 ? text.length : close + 5;
    blocks.push([start, end]);
    from = end;
  }
  return blocks;
}

/**
 * Whether a value given after `=` looks like a generated secret although its name says
 * nothing: at least 20 characters, all of the base64/base64url/hex alphabet
 * (`[A-Za-z0-9+/=_-]`, so no `.` or `:`: host names, versions, URLs and image names are
 * out), upper case, lower case and digits all present, the character class changing at
 * least once every 3 characters on average (random text changes about every 1.6; CamelCase
 * names such as `MyApplicationServer2024` rarely), Shannon entropy of at least 3.5 bits per
 * character (gitleaks' generic-api-key threshold), and not starting with `/` (a path).
 * Scanning stops at the first character outside the alphabet (every list separator is).
 * Hex-only values (hashes, container ids, UUIDs) are never caught: they have no upper case.
 * @example isHighEntropyValue('Zx9Qk2LmP0vR7sT4uW1yB3nC') -> true
 *          isHighEntropyValue('MyApplicationServer2024') -> false
 *          isHighEntropyValue('123e4567-e89b-12d3-a456-426614174000') -> false
 */
export function isHighEntropyValue(text: string, from = 0, to = text.length): boolean {
  // a quoted value: the quotes are not part of it
  if (text[from] === '"' || text[from] === "'") from++;
  if (to > from && (text[to - 1] === '"' || text[to - 1] === "'")) to--;
  const length = to - from;
  if (length < MIN_ENTROPY_LENGTH) return false;
  if (text[from] === '/') return false; // a path (a base64 value starting with `/` is let through: 1 in 64)
  const counts = new Map<number, number>();
  let upper = false;
  let lower = false;
  let digit = false;
  let changes = 0;
  let previousClass = -1;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    let charClass: number;
    if (code >= 65 && code <= 90) (upper = true), (charClass = 0);
    else if (code >= 97 && code <= 122) (lower = true), (charClass = 1);
    else if (code >= 48 && code <= 57) (digit = true), (charClass = 2);
    else if (code === 43 || code === 47 || code === 61 || code === 95 || code === 45) charClass = 3;
    else return false;
    if (previousClass >= 0 && charClass !== previousClass) changes++;
    previousClass = charClass;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  if (!upper || !lower || !digit || changes * 3 < length) return false;
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy >= MIN_ENTROPY_BITS;
}

/** bits per character; gitleaks' generic-api-key rule uses the same. */
export const MIN_ENTROPY_BITS = 3.5;
/** characters; shorter values after `=` are not judged by entropy. */
export const MIN_ENTROPY_LENGTH = 20;
