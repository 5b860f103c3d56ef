/**
 * Redacts the values of secret-looking arguments from a command line before it is stored
 * (DESIGN.md, "Storage"; `snapshot --cmdline redacted`, the default). A socket inventory is
 * kept for months: a password typed on a daemon's command line must not be kept with it.
 *
 * The input is argv joined with single spaces (SocketOwner.cmdline), so the redactor works
 * on whitespace-separated tokens. It errs on the side of hiding too much: an over-redacted
 * value costs a little context, a leaked one costs a credential.
 *
 * What counts as a secret name: the option or variable name is split into words (at `-`,
 * `_`, `.` and camelCase humps) and its LAST word (or last two words) names a secret:
 * password, passwd, passphrase, pass, secret, token, auth, authorization, credential(s),
 * apikey / api-key, access-key, private-key, secret-key, secret-id, session-key; or the last
 * word ends in password/passwd/passphrase/secret/token/apikey/accesskey/privatekey/secretkey
 * (`--dbpassword`, `--requirepass` and `--masterauth` of redis too). Names whose last word
 * says the value is not the secret itself are left alone: `--password-file`, `--token-path`,
 * `--password-stdin`, `--auth-type`, `--no-password`.
 *
 * Deliberately NOT handled (documented limits):
 * - short flags such as `-p secret` or `-psecret` (mysql) and `-a secret` (redis-cli): `-p`
 *   is a port, a profile or a path as often as a password, and redacting every `-p` value
 *   would hide the ports the tool exists to show;
 * - a secret containing spaces passed as one argument (`--password 'a b'`): after argv is
 *   joined with spaces only the first word is known to be the value;
 * - secrets in positional arguments with no telling name.
 *
 * @example
 *   redactCmdline('app --password=hunter2 --port 80')      -> 'app --password=<redacted> --port 80'
 *   redactCmdline('app --api-key abc123 -v')               -> 'app --api-key <redacted> -v'
 *   redactCmdline('env DB_PASSWORD=x GITHUB_TOKEN=y app')  -> 'env DB_PASSWORD=<redacted> GITHUB_TOKEN=<redacted> app'
 *   redactCmdline('psql postgres://bob:s3cret@db/app')     -> 'psql postgres://bob:<redacted>@db/app'
 *   redactCmdline('java -Dspring.datasource.password=x -jar a.jar')
 *                                                          -> 'java -Dspring.datasource.password=<redacted> -jar a.jar'
 *   redactCmdline('mount -o username=bob,password=x,uid=0') -> 'mount -o username=bob,password=<redacted>,uid=0'
 *   redactCmdline('curl -H Authorization: Bearer abc.def')  -> 'curl -H Authorization: <redacted> <redacted>'
 */
export function redactCmdline(cmdline: string): string {
  const parts = cmdline.split(/(\s+)/);
  // what the next token is, once the previous one told us
  let pending: 'nothing' | 'secret' | 'user-colon-password' = 'nothing';
  let authorizationWords = 0;
  for (let index = 0; index < parts.length; index++) {
    const token = parts[index]!;
    if (token === '' || /^\s+$/.test(token)) continue;
    if (authorizationWords > 0) {
      // `Authorization: Bearer TOKEN` / `Authorization: Basic B64`: hide the scheme's value
      parts[index] = REDACTED;
      authorizationWords = /^(bearer|basic|token|digest)$/i.test(token) ? authorizationWords - 1 : 0;
      continue;
    }
    const expected = pending;
    pending = 'nothing';
    // another long option: the flag before was a boolean (`--password` that prompts)
    if (expected !== 'nothing' && !token.startsWith('--')) {
      parts[index] = expected === 'secret' ? REDACTED : redactUserColonPassword(token);
      continue;
    }
    if (/^["']?authorization:$/i.test(token)) {
      authorizationWords = 2;
      continue;
    }
    const bareOption = /^-{1,2}([A-Za-z][\w.-]*)$/.exec(token);
    if (bareOption !== null) {
      const name = bareOption[1]!;
      if (isSecretName(name)) pending = 'secret';
      else if (USER_COLON_PASSWORD_OPTIONS.has(name)) pending = 'user-colon-password';
      continue;
    }
    parts[index] = redactToken(token);
  }
  return parts.join('');
}

export const REDACTED = '<redacted>';

/** Options whose value is `user:password` (curl, wget): the part after the colon is hidden. */
const USER_COLON_PASSWORD_OPTIONS = new Set(['u', 'user', 'proxy-user', 'http-user']);

function redactUserColonPassword(value: string): string {
  const colon = value.indexOf(':');
  return colon < 0 || colon === value.length - 1 ? value : `${value.slice(0, colon + 1)}${REDACTED}`;
}

/** `name=value` assignments inside one token, and URL user info. */
function redactToken(token: string): string {
  let result = redactUrlUserInfo(token);
  // an assignment at the start of the token (`--password=x`, `PASSWORD=x`, `-Dx.password=x`)
  // or after a list separator (`a=1,password=x`, `?token=x&y=1`)
  const assignment = /(^|[,;&?])(["']?-{0,2}[A-Za-z_][\w.-]*)=/g;
  let match: RegExpExecArray | null;
  while ((match = assignment.exec(result)) !== null) {
    const separator = match[1]!;
    const name = match[2]!.replace(/^["']?-{0,2}/, '');
    const valueStart = match.index + match[0].length;
    if (!isSecretName(name)) continue;
    const valueEnd = endOfValue(result, valueStart, separator);
    if (valueEnd === valueStart) continue;
    result = result.slice(0, valueStart) + REDACTED + result.slice(valueEnd);
    assignment.lastIndex = valueStart + REDACTED.length;
  }
  return result;
}

/**
 * Where an assigned value ends: at the end of the token for a leading assignment (a comma in
 * a password is then hidden too), at the next `&`/`#` in a URL query, at the next `,`/`;`
 * in an option list.
 */
function endOfValue(text: string, start: number, separator: string): number {
  const stops = separator === '' ? '' : separator === '?' || separator === '&' ? '&#' : ',;';
  for (let index = start; index < text.length; index++) {
    if (stops.includes(text[index]!)) return index;
  }
  return text.length;
}

const URL_USER_INFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*):([^\s/?#]*)@/;
/** fallback when the password itself holds a `/`, `?` or `#`: hide up to the last `@`. */
const URL_USER_INFO_GREEDY = /([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:]*):(\S*)@/;

function redactUrlUserInfo(token: string): string {
  const replace = (_: string, prefix: string, password: string) =>
    password === '' ? `${prefix}:@` : `${prefix}:${REDACTED}@`;
  if (URL_USER_INFO.test(token)) return token.replace(URL_USER_INFO, replace);
  return token.replace(URL_USER_INFO_GREEDY, replace);
}

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'secret',
  'secrets',
  'token',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'apikey',
  'requirepass',
  'masterauth',
]);
const SECRET_WORD_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'secret id', 'session key', 'master key', 'encryption key', 'signing key']);
const SECRET_SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'accesskey', 'privatekey', 'secretkey'];
/** a last word that says the value is where the secret is, or how it is used, not the secret. */
const NOT_THE_SECRET = new Set(['file', 'path', 'dir', 'fd', 'stdin', 'env', 'type', 'method', 'mode', 'prompt', 'command', 'cmd', 'helper', 'length', 'policy', 'url', 'endpoint', 'ttl', 'expiry', 'id', 'name', 'user', 'username']);

/**
 * Whether an option or variable name names a secret.
 * @example isSecretName('db-password') -> true; isSecretName('password-file') -> false;
 *          isSecretName('AWS_SECRET_ACCESS_KEY') -> true; isSecretName('accessToken') -> true;
 *          isSecretName('pass-through') -> false; isSecretName('PWD') -> false
 */
export function isSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s._-]+/)
    .filter((word) => word !== '');
  const last = words[words.length - 1];
  if (last === undefined) return false;
  if (words[0] === 'no' && words.length > 1) return false;
  const lastPair = words.length >= 2 ? `${words[words.length - 2]} ${last}` : '';
  if (SECRET_WORD_PAIRS.has(lastPair)) return true;
  if (NOT_THE_SECRET.has(last)) return false;
  if (SECRET_WORDS.has(last)) return true;
  return SECRET_SUFFIXES.some((suffix) => last.endsWith(suffix));
}
