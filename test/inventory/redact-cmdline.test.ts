import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { REDACTED, redactArgv } from '../../src/inventory/redact-cmdline.js';
import { isSecretName, looksLikePath, secretNameKind } from '../../src/inventory/secret-names.js';
import { isHighEntropyValue, privateKeyBlocks, redactTokenShapes } from '../../src/inventory/token-shapes.js';
import { redactUrlUserInfo } from '../../src/inventory/url-user-info.js';
import { BENIGN_LINES, SECRET_LINES, TOKENS } from './secret-argv-table.js';

const stored = (argv: string[], exe?: string) => redactArgv(argv, exe ?? null).join(' ');

describe('redactArgv: the table of lines with secrets (issue 10)', () => {
  it('has at least 80 lines with secrets and 40 benign ones', () => {
    expect(SECRET_LINES.length).toBeGreaterThanOrEqual(80);
    expect(BENIGN_LINES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(SECRET_LINES.map((line) => [line.argv.join(' ').slice(0, 90), line] as const))('%s: every secret is gone', (_, line) => {
    const redacted = stored(line.argv, line.exe);
    expect(redacted).toContain(REDACTED);
    for (const secret of line.secrets) expect(redacted, `secret ${JSON.stringify(secret)}`).not.toContain(secret);
  });

  it.each(BENIGN_LINES.map((line) => [line.argv.join(' ').slice(0, 90), line] as const))('%s: stored unchanged', (_, line) => {
    expect(redactArgv(line.argv, line.exe ?? null)).toEqual(line.argv);
  });

  it('keeps the number of arguments and is idempotent', () => {
    for (const line of [...SECRET_LINES, ...BENIGN_LINES]) {
      const once = redactArgv(line.argv, line.exe ?? null);
      expect(once).toHaveLength(line.argv.length);
      expect(redactArgv(once, line.exe ?? null)).toEqual(once);
    }
  });
});

describe('redactArgv: what exactly is kept', () => {
  it.each([
    [['app', '--password', 'correct horse battery staple', '--port', '80'], ['app', '--password', REDACTED, '--port', '80']],
    [['env', 'PASSWORD=my secret phrase', 'app'], ['env', `PASSWORD=${REDACTED}`, 'app']],
    [['curl', '--header=Authorization: Basic QWxh', 'http://x'], ['curl', `--header=Authorization: ${REDACTED}`, 'http://x']],
    [['curl', '-H', 'X-Api-Key: x'], ['curl', '-H', `X-Api-Key: ${REDACTED}`]],
    [['curl', '-H', 'Authorization:', 'Bearer', 'abc', 'http://x'], ['curl', '-H', 'Authorization:', REDACTED, REDACTED, 'http://x']],
    [['mysql', '-uroot', '-ps3cret', '-p', 'db'], ['mysql', '-uroot', `-p${REDACTED}`, '-p', 'db']],
    [['app', '--password', '--verbose', 'X'], ['app', '--password', '--verbose', REDACTED]],
    [['psql', '--password', '--host', 'db', '--port', '5432', 'app'], ['psql', '--password', '--host', REDACTED, '--port', '5432', 'app']],
    [['app', '--key', '/etc/ssl/key.pem', '-p', '8080'], ['app', '--key', '/etc/ssl/key.pem', '-p', '8080']],
    [['psql', 'postgres://bob:pw@db/app'], ['psql', `postgres://bob:${REDACTED}@db/app`]],
    [['app', '--dsn=bob:pw@tcp(db:3306)/app'], ['app', `--dsn=bob:${REDACTED}@tcp(db:3306)/app`]],
    [['mount', '-o', 'username=bob,password=x,uid=0'], ['mount', '-o', `username=bob,password=${REDACTED},uid=0`]],
    [['curl', 'https://h/p?a=1&X-Amz-Signature=abc&b=2'], ['curl', `https://h/p?a=1&X-Amz-Signature=${REDACTED}&b=2`]],
    [['sh', '-c', "PASSWORD='a b c' exec app -p 80"], ['sh', '-c', `PASSWORD=${REDACTED} exec app -p 80`]],
    [['sh', '-c', 'mysql -pX db; nc -p9 h'], ['sh', '-c', `mysql -p${REDACTED} db; nc -p9 h`]],
    [['bash', '-c', 'curl -H "Authorization: Bearer t" http://x'], ['bash', '-c', `curl -H "Authorization: ${REDACTED}" http://x`]],
    [['echo', '-----BEGIN', 'RSA', 'PRIVATE', 'KEY-----', 'MIIE', '-----END', 'RSA', 'PRIVATE', 'KEY-----', 'after'], ['echo', ...Array(9).fill(REDACTED), 'after']],
    [['a  --token\tx'], ['a  --token\t<redacted>']],
  ])('%j -> %j', (argv, expected) => {
    expect(redactArgv(argv)).toEqual(expected);
  });

  it('judges mysql clients by the exe too, and only them', () => {
    expect(redactArgv(['client', '-pX'], '/usr/bin/mysql (deleted)')).toEqual(['client', `-p${REDACTED}`]);
    expect(redactArgv(['client', '-pX'], '/usr/bin/nc')).toEqual(['client', '-pX']);
  });

  it('never lets a generated secret through the recognised forms, spaces included', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9!%*+,.:;=^_~@/ -]{6,24}$/).filter((s) => !s.startsWith('-') && s.trim().length >= 6);
    const form = fc.constantFrom(
      (s: string) => [`--password=${s}`],
      (s: string) => ['--password', s],
      (s: string) => ['--api-key', s],
      (s: string) => [`DB_PASSWORD=${s}`],
      (s: string) => [`-token=${s}`],
      (s: string) => ['--token', '--verbose', s],
      (s: string) => [`--password:${s}`],
      (s: string) => ['-H', `Authorization: Bearer ${s}`],
      (s: string) => [`--header=X-Api-Key: ${s}`],
    );
    fc.assert(
      fc.property(secret, form, (value, render) => {
        const redacted = stored(['app', ...render(value), '--port', '80']);
        expect(redacted).not.toContain(value);
        expect(redacted).toContain('--port 80');
      }),
    );
  });
});

describe('redactArgv on long hostile input (linear by construction; checked here for correctness)', () => {
  const big = 1 << 20;
  it.each([
    ['a run of "ey"', 'ey'.repeat(big / 2)],
    ['user-info look-alikes', '=a:b/'.repeat(big / 5) + '@h'],
    ['query look-alikes', '?x=/a/b&'.repeat(big / 9)],
    ['key path look-alikes', '?key=/a/b#'.repeat(big / 10)],
    ['assignments', 'a=1,'.repeat(big / 4)],
    ['quotes', "'".repeat(big) + 'x'],
    ['PEM headers without a key', '-----BEGIN '.repeat(big / 11)],
    ['colons and at signs', ':@'.repeat(big / 2)],
    ['JWT-looking dots', 'eyAAAAAAAAAA.'.repeat(big / 13)],
  ])('%s: stored unchanged', (_, text) => {
    expect(redactArgv(['app', text])).toEqual(['app', text]);
  });

  it('a megabyte of JWT-shaped segments: hidden', () => {
    const text = 'eyAAAAAAAAAAAAAAAAAAAAA.'.repeat(big / 24);
    expect(redactArgv(['app', text])[1]).not.toMatch(/eyA{21}\.eyA{21}/);
  });

  it('a megabyte of words after --password: one value, hidden whole', () => {
    const value = 'word '.repeat(big / 5);
    expect(redactArgv(['app', '--password', value])).toEqual(['app', '--password', REDACTED]);
  });

  it('many secrets in one long argument: every one hidden', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `token=s${i}x`).join('&');
    const redacted = redactArgv(['curl', `https://h/?${text}`])[1]!;
    expect(redacted).not.toMatch(/s\d+x/);
    expect(redacted.split(REDACTED)).toHaveLength(20_001);
  });

  it('a shell script of 100,000 words with secrets in it', () => {
    const script = Array.from({ length: 25_000 }, (_, i) => `app --password 'pw ${i}q' --port 80;`).join(' ');
    const redacted = redactArgv(['sh', '-c', script])[2]!;
    expect(redacted).not.toMatch(/\d+q/);
    expect(redacted.match(/--port 80/g)).toHaveLength(25_000);
  });
});

describe('secretNameKind', () => {
  it.each([
    ['password', 'secret'],
    ['db-password', 'secret'],
    ['PGPASSWORD', 'secret'],
    ['MYSQL_PWD', 'secret'],
    ['pwd', 'secret'],
    ['PWD', 'none'],
    ['OLDPWD', 'none'],
    ['AWS_SECRET_ACCESS_KEY', 'secret'],
    ['accessToken', 'secret'],
    ['secret-id', 'secret'],
    ['X-Amz-Signature', 'secret'],
    ['X-Amz-Credential', 'secret'],
    ['storepass', 'secret'],
    ['jwt', 'secret'],
    ['otp', 'secret'],
    ['key', 'key'],
    ['ssh-key', 'key'],
    ['private-key', 'key'],
    ['password-file', 'none'],
    ['keyfile', 'none'],
    ['key-id', 'none'],
    ['pass-through', 'none'],
    ['bypass', 'none'],
    ['p', 'none'],
    ['', 'none'],
  ] as const)('%s -> %s', (name, kind) => {
    expect(secretNameKind(name)).toBe(kind);
    expect(isSecretName(name)).toBe(kind !== 'none');
  });

  it.each([
    ['/etc/ssl/private/a.key', true],
    ['./certs/dev.key', true],
    ['~/.ssh/id_ed25519', true],
    ['server.pem', true],
    ['AbC123xyz', false],
    ['/Ab+cd/ef==', false],
    ['', false],
  ] as const)('looksLikePath(%s) -> %s', (value, expected) => {
    expect(looksLikePath(value)).toBe(expected);
  });
});

describe('token shapes (gitleaks rule ids)', () => {
  it.each(Object.entries(TOKENS).filter(([name]) => !name.startsWith('highEntropy') && name !== 'pemBody'))('%s is hidden where it stands', (_, token) => {
    expect(redactTokenShapes(`x=${token};y`, 'R')).toBe('x=R;y');
  });

  it.each(['AKIAshort', 'ghp_short', 'xoxb-1', 'eyJhbGciOi.eyJz.x', 'sk_live_short', 'AIzaShort', 'keyey', 'github_pat_short'])('%s is no token', (text) => {
    expect(redactTokenShapes(text, 'R')).toBe(text);
  });

  it('finds private key blocks and not certificates', () => {
    const text = 'a -----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE----- b -----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY----- c';
    const [[start, end]] = privateKeyBlocks(text) as [[number, number]];
    expect(text.slice(start, end)).toBe('-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----');
    expect(privateKeyBlocks('-----BEGIN PGP PRIVATE KEY BLOCK-----\nabc')).toEqual([[0, 41]]);
  });

  it.each([
    ['Zx9Qk2LmP0vR7sT4uW1yB3nC', true],
    ['"Zx9Qk2LmP0vR7sT4uW1yB3nC"', true],
    ['MyApplicationServer2024', false],
    ['123e4567-e89b-12d3-a456-426614174000', false],
    ['9fceb02d0ae598e95dc970b74767f19372d61af8', false],
    ['production-eu-west-1-cluster', false],
    ['Zx9Qk2LmP0vR7sT4uW1', false],
    ['Zx9Qk2Lm.P0vR7sT4uW1yB3nC', false],
  ] as const)('isHighEntropyValue(%s) -> %s', (value, expected) => {
    expect(isHighEntropyValue(value)).toBe(expected);
  });

  it('random base64 values of 24 characters or more are nearly always caught', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), (bytes) => {
        const value = Buffer.from(bytes).toString('base64');
        fc.pre(/[A-Z]/.test(value) && /[a-z]/.test(value) && /\d/.test(value) && !value.startsWith('/'));
        expect(isHighEntropyValue(value)).toBe(true);
      }),
    );
  });
});

describe('redactUrlUserInfo', () => {
  it.each([
    ['postgres://bob:s3cret@db/app', 'postgres://bob:R@db/app'],
    ['redis://:pw@localhost:6379/0', 'redis://:R@localhost:6379/0'],
    ['mongodb://u:p@ss@h1,h2/db', 'mongodb://u:R@h1,h2/db'],
    ['http://u:pa/ss@h/x', 'http://u:R@h/x'],
    ['bob:pw@tcp(db:3306)/app', 'bob:R@tcp(db:3306)/app'],
    ['--dsn=bob:pw@db', '--dsn=bob:R@db'],
    ['http://h/p?next=a:b@c', 'http://h/p?next=a:R@c'],
    ['git@github.com:org/repo', 'git@github.com:org/repo'],
    ['nginx:1.25@sha256:abc', 'nginx:1.25@sha256:abc'],
    ['host:80/x?mail=a@b', 'host:80/x?mail=a@b'],
    ['http://bob@host/path', 'http://bob@host/path'],
    ['a=http://u:p@h,b=http://v:q@k', 'a=http://u:R@h,b=http://v:R@k'],
  ])('%s -> %s', (word, expected) => {
    expect(redactUrlUserInfo(word, 'R')).toBe(expected);
  });
});
