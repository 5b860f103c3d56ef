/**
 * What an option, variable, query parameter or header NAME says about its value: the
 * redactor (redact-cmdline.ts) hides the value when the name says it is a secret.
 *
 * The name is split into words (at `-`, `_`, `.`, `:` and camelCase humps) and its LAST
 * word (or last two words) decides:
 * - 'secret': password, passwd, passphrase, pass, pwd, secret, token, auth, authorization,
 *   credential(s), apikey, jwt, bearer, otp, totp, cookie, signature, sig, and pairs such as
 *   api key, access key, secret key, ssh key, session key; or a last word ending in
 *   password/passwd/passphrase/secret/token/apikey/... (`--dbpassword`, `PGPASSWORD`,
 *   `--requirepass`, keytool's `-storepass`, openssl's `-passin`);
 * - 'key': `key` alone or a key pair that is often given as a file (private key, tls key,
 *   ssh key, ...): the value is a secret unless it is a path (a path to a key is not the key:
 *   `--key /etc/ssl/key.pem` is kept, `--key=AbC123` is hidden);
 * - 'none': anything else, and names whose last word says the value is where the secret is
 *   or how it is used, not the secret itself: `--password-file`, `--token-path`,
 *   `--password-stdin`, `--auth-type`, `--keyfile`, `--no-password`, `--key-id`.
 * The working directory variables `PWD` and `OLDPWD` are not passwords.
 */
export type SecretNameKind = 'secret' | 'key' | 'none';

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'secret',
  'secrets',
  'token',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'apikey',
  'jwt',
  'bearer',
  'otp',
  'totp',
  'cookie',
  'cookies',
  'signature',
  'sig',
  // whole words that end in "pass" (a bare "pass" suffix would catch bypass and compass)
  'requirepass',
  'masterauth',
  'storepass',
  'keypass',
  'srcstorepass',
  'deststorepass',
  'srckeypass',
  'destkeypass',
  'passin',
  'passout',
]);
const SECRET_WORD_PAIRS = new Set(['api key', 'access key', 'secret key', 'secret id', 'session key', 'master key', 'auth header', 'client key', 'account key', 'shared key', 'sas key', 'storage key']);
/** pairs (and `key` alone) whose value is a key or a path to one. */
const KEY_WORD_PAIRS = new Set(['private key', 'ssh key', 'tls key', 'ssl key', 'signing key', 'encryption key', 'server key', 'host key', 'priv key']);
const SECRET_SUFFIXES = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'accesskey', 'privatekey', 'secretkey'];
/** a last word that says the value is where the secret is, or how it is used, not the secret. */
const NOT_THE_SECRET = new Set([
  'file',
  'files',
  'path',
  'dir',
  'fd',
  'stdin',
  'env',
  'type',
  'method',
  'mode',
  'prompt',
  'command',
  'cmd',
  'helper',
  'length',
  'policy',
  'url',
  'endpoint',
  'ttl',
  'expiry',
  'id',
  'name',
  'user',
  'username',
  'jar',
  'keyfile',
  'size',
  'bits',
]);

/**
 * @example secretNameKind('db-password') -> 'secret'; secretNameKind('MYSQL_PWD') -> 'secret';
 *          secretNameKind('PWD') -> 'none'; secretNameKind('password-file') -> 'none';
 *          secretNameKind('AWS_SECRET_ACCESS_KEY') -> 'secret'; secretNameKind('accessToken') -> 'secret';
 *          secretNameKind('key') -> 'key'; secretNameKind('ssh-key') -> 'key';
 *          secretNameKind('X-Amz-Signature') -> 'secret'; secretNameKind('pass-through') -> 'none'
 */
export function secretNameKind(name: string): SecretNameKind {
  if (name === 'PWD' || name === 'OLDPWD') return 'none';
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s._:-]+/)
    .filter((word) => word !== '');
  const last = words[words.length - 1];
  if (last === undefined) return 'none';
  if (words[0] === 'no' && words.length > 1) return 'none';
  const lastPair = words.length >= 2 ? `${words[words.length - 2]} ${last}` : '';
  if (SECRET_WORD_PAIRS.has(lastPair)) return 'secret';
  if (KEY_WORD_PAIRS.has(lastPair)) return 'key';
  if (NOT_THE_SECRET.has(last)) return 'none';
  if (SECRET_WORDS.has(last)) return 'secret';
  if (SECRET_SUFFIXES.some((suffix) => last.endsWith(suffix))) return 'secret';
  return last === 'key' ? 'key' : 'none';
}

/** Whether a name names a secret (or a key): its value is hidden unless, for a key, it is a path. */
export function isSecretName(name: string): boolean {
  return secretNameKind(name) !== 'none';
}

/**
 * Whether an HTTP header's value is a credential: Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie, and any header whose name names a secret (X-Api-Key, X-Auth-Token,
 * Private-Token, X-Vault-Token, X-Amz-Security-Token); not a bare `Key:` (`key:value`).
 */
export function isSecretHeader(name: string): boolean {
  return secretNameKind(name) === 'secret';
}

/**
 * Whether a key option's value is a file path rather than the key itself: it starts with
 * `/`, `./`, `../` or `~/` and holds no `+` or `=` in its first 256 characters (base64 keys
 * usually do), or it is a file name with a key file's extension (`.pem`, `.key`, `.p12`,
 * `.pfx`, `.jks`, `.der`, `.crt`). Looks at 256 characters at most.
 * @example looksLikePath('/etc/ssl/private/a.key') -> true; looksLikePath('key.pem') -> true;
 *          looksLikePath('AbC123xyz') -> false; looksLikePath('/Ab+cd=') -> false
 */
export function looksLikePath(value: string): boolean {
  const head = value.slice(0, 256);
  if (/^(?:~|\.{1,2})?\//.test(head)) return !/[+=]/.test(head);
  return value.length < 256 && /^[\w.@+-]+\.(?:pem|key|p12|pfx|jks|der|crt)$/i.test(value);
}
