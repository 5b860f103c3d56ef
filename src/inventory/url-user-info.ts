/**
 * Hides the password of `user:password@host` in a word: in URLs (`postgres://bob:pw@db/app`,
 * `redis://:pw@localhost`) and without a scheme, at the start of the word or after `=`
 * (Go's MySQL DSN `bob:pw@tcp(db:3306)/app`, `git clone bob:token@host`, `--dsn=bob:pw@db`).
 *
 * The password runs from the first `:` after the user name to the last `@` before the first
 * `/`, `?` or `#` after it; in a URL with a scheme, when there is no such `@` (the password
 * itself holds a `/`), to the last `@` of the word. Not user info: `git@host:repo` (no `:` before the `@`),
 * `[::1]:80`, and an image reference with a digest, `nginx:1.25@sha256:...`.
 *
 * Cost: candidates are the word's start, each `=` and each `://`, visited left to right;
 * the user name scan stops at the next candidate's character, and the end of the authority
 * (the next `/`, `?` or `#`) and the last `@` before it are computed once per authority end
 * and reused while candidates stay before it: linear in the length of the word.
 *
 * @example redactUrlUserInfo('postgres://bob:s3cret@db/app', 'R') -> 'postgres://bob:R@db/app'
 *          redactUrlUserInfo('bob:pw@tcp(db:3306)/app', 'R')   -> 'bob:R@tcp(db:3306)/app'
 *          redactUrlUserInfo('mongodb://u:p@ss@h1,h2/db', 'R') -> 'mongodb://u:R@h1,h2/db'
 *          redactUrlUserInfo('git@github.com:org/repo', 'R')   -> 'git@github.com:org/repo'
 */
export function redactUrlUserInfo(word: string, replacement: string): string {
  const lastAt = word.lastIndexOf('@');
  if (lastAt < 1 || word.indexOf(':') < 0) return word;
  let out = '';
  let copied = 0;
  // the end of the current authority and the last '@' before it, reused while valid
  let authorityEnd = -1;
  let lastAtBeforeEnd = -1;
  let candidate = 0;
  while (candidate >= 0 && candidate < lastAt) {
    // the user name: up to ':' (a password follows) or a character that ends it
    let colon = -1;
    let index = candidate;
    for (; index < lastAt; index++) {
      const char = word[index]!;
      if (char === ':') {
        colon = index;
        break;
      }
      if (char === '@' || char === '/' || char === '=' || char === '?' || char === '#' || char === ',' || char === ';') break;
    }
    const isScheme = colon >= 0 && word.startsWith('//', colon + 1);
    if (colon >= 0 && !isScheme) {
      if (authorityEnd < colon) [authorityEnd, lastAtBeforeEnd] = scanAuthority(word, colon + 1);
      // without a scheme, only an '@' inside the authority: `host:80/x?mail=a@b` is no user info
      const afterScheme = candidate >= 3 && word.startsWith('://', candidate - 3);
      const at = lastAtBeforeEnd > colon ? lastAtBeforeEnd : afterScheme ? lastAt : -1;
      if (at > colon && at + 1 < word.length && !/^sha\d+:/i.test(word.slice(at + 1, at + 8))) {
        out += word.slice(copied, colon + 1) + (at === colon + 1 ? '' : replacement);
        copied = at;
        candidate = nextCandidate(word, at + 1);
        continue;
      }
    }
    candidate = nextCandidate(word, isScheme ? colon : index);
  }
  return copied === 0 ? word : out + word.slice(copied);
}

/** The next place user info may start at or after `from`: after a `=`, or after a `://`. */
function nextCandidate(word: string, from: number): number {
  for (let index = from; index < word.length; index++) {
    const char = word[index]!;
    if (char === '=') return index + 1;
    if (char === ':' && word.startsWith('//', index + 1)) return index + 3;
  }
  return -1;
}

/** From `from`: where the authority ends (the next `/`, `?`, `#` or the end) and the last `@` before that (-1 if none). */
function scanAuthority(word: string, from: number): [end: number, lastAt: number] {
  let lastAt = -1;
  for (let index = from; index < word.length; index++) {
    const char = word[index]!;
    if (char === '/' || char === '?' || char === '#') return [index, lastAt];
    if (char === '@') lastAt = index;
  }
  return [word.length, lastAt];
}
