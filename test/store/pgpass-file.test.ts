/**
 * The password file's lines, as libpq matches them (src/store/pgpass-file.ts), and the file
 * itself: PGPASSFILE, ~/.pgpass, and the 0600 rule. Connections with it, on the real
 * server: test/cli/postgres-pgpass-cli.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pgpassEntryMatches, pgpassFileOf, pgpassPassword } from '../../src/store/pgpass-file.js';
import { makeTempDir } from '../helpers/live.js';

const target = { host: 'db.example', port: 5432, database: 'fleet', user: 'web7' };

describe('pgpass lines', () => {
  it('match field by field, * for any, the rest of the line the password', () => {
    expect(pgpassEntryMatches('db.example:5432:fleet:web7:s3cret', target)).toBe('s3cret');
    expect(pgpassEntryMatches('*:*:*:web7:a:b:c', target)).toBe('a:b:c');
    expect(pgpassEntryMatches('db.example:5433:fleet:web7:x', target)).toBeUndefined();
    expect(pgpassEntryMatches('db.example:5432:fleet:web8:x', target)).toBeUndefined();
    expect(pgpassEntryMatches('# db.example:5432:fleet:web7:x', target)).toBeUndefined();
    expect(pgpassEntryMatches('db.example:5432:fleet', target)).toBeUndefined();
  });

  it('unescape \\: and \\\\, and take an empty or default host and port as libpq does', () => {
    expect(pgpassEntryMatches('db.example:5432:fleet:web7:s3\\:cr\\\\et', target)).toBe('s3:cr\\et');
    expect(pgpassEntryMatches('we\\:ird:5432:fleet:web7:pw', { ...target, host: 'we:ird' })).toBe('pw');
    expect(pgpassEntryMatches('localhost:5432:fleet:web7:pw', { ...target, host: undefined })).toBe('pw');
    expect(pgpassEntryMatches('localhost:5432:fleet:web7:pw', { ...target, host: '/var/run/postgresql' })).toBe('pw');
    expect(pgpassEntryMatches('db.example:5432:fleet:web7:pw', { ...target, port: undefined })).toBe('pw');
  });
});

describe('the password file', () => {
  const dir = makeTempDir('sockaudit-pgpass-unit-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is $PGPASSFILE, else ~/.pgpass', () => {
    expect(pgpassFileOf({ PGPASSFILE: '/x/pw', HOME: '/h' })).toBe('/x/pw');
    expect(pgpassFileOf({ HOME: '/h' })).toBe('/h/.pgpass');
  });

  it('gives the first matching line of a 0600 file, and ignores a file others may read, with a warning that holds none of it', () => {
    const file = path.join(dir, 'pgpass');
    fs.writeFileSync(file, '# fleet\nother:5432:*:*:nope\n*:5432:fleet:web7:first-pw\n*:*:*:*:second-pw\n', { mode: 0o600 });
    const warnings: string[] = [];
    const warn = (line: string) => warnings.push(line);
    expect(pgpassPassword(target, { PGPASSFILE: file }, warn)).toBe('first-pw');
    expect(warnings).toEqual([]);
    fs.chmodSync(file, 0o640);
    expect(pgpassPassword(target, { PGPASSFILE: file }, warn)).toBeUndefined();
    expect(warnings).toEqual([`warning: password file "${file}" has group or world access; permissions should be u=rw (0600) or less; ignored`]);
    expect(pgpassPassword(target, { PGPASSFILE: dir }, warn)).toBeUndefined();
    expect(warnings.at(-1)).toMatch(/is not a plain file; ignored$/);
    expect(pgpassPassword(target, { PGPASSFILE: path.join(dir, 'missing') }, warn)).toBeUndefined();
    expect(warnings).toHaveLength(2);
  });
});
