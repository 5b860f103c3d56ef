import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { openStore, storeExists } from '../../src/store/open-store.js';
import { resolveStorePath } from '../../src/store/store-location.js';
import { tempDir } from './temp-store.js';
import { MIGRATION_NAMES } from '../../migrations/migration-names.js';

describe('resolveStorePath', () => {
  it('prefers --db, then $SOCKAUDIT_DB, then the system path for root, then XDG', () => {
    expect(resolveStorePath({ db: '/x/a.db', env: { SOCKAUDIT_DB: '/y/b.db' }, uid: 0 })).toBe('/x/a.db');
    expect(resolveStorePath({ env: { SOCKAUDIT_DB: '/y/b.db' }, uid: 0 })).toBe('/y/b.db');
    expect(resolveStorePath({ env: { XDG_DATA_HOME: '/d' }, uid: 0 })).toBe('/var/lib/sockaudit/sockaudit.db');
    expect(resolveStorePath({ env: { XDG_DATA_HOME: '/d', HOME: '/h' }, uid: 1000 })).toBe('/d/sockaudit/sockaudit.db');
    expect(resolveStorePath({ env: { HOME: '/h' }, uid: 1000 })).toBe('/h/.local/share/sockaudit/sockaudit.db');
    // a relative XDG_DATA_HOME is invalid per the XDG spec and ignored
    expect(resolveStorePath({ env: { XDG_DATA_HOME: 'rel', HOME: '/h' }, uid: 1000 })).toBe('/h/.local/share/sockaudit/sockaudit.db');
    expect(resolveStorePath({ db: 'rel.db', env: {} })).toBe(path.resolve('rel.db'));
  });
});

describe('openStore', () => {
  it('creates the directory and a 0600 file, in WAL mode, with every migration applied', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'nested', 'deeper', 'sockaudit.db');
      expect(storeExists({ db: file, env: {} })).toBe(false);
      const store = await openStore({ db: file, env: {} });
      // while open, SQLite's side files exist too: they hold the same data
      for (const side of [`${file}-wal`, `${file}-shm`]) expect(fs.statSync(side).mode & 0o777, side).toBe(0o600);
      await store.close();
      expect(storeExists({ db: file, env: {} })).toBe(true);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.dirname(file)).mode & 0o077).toBe(0);
      const raw = new BetterSqlite3(file, { readonly: true });
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const migrations = raw.prepare('select name from kysely_migration order by name').all();
      expect(migrations).toEqual(MIGRATION_NAMES.map((name) => ({ name })));
      const tables = raw.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely%' and name not like 'sqlite%' order by name").all();
      expect(tables.map((row) => (row as { name: string }).name)).toEqual(expect.arrayContaining(['hosts', 'processes', 'set_hash_heads', 'snapshots', 'socket_owners', 'socket_versions', 'watch_events']));
      raw.close();
      // opening again is a no-op
      await (await openStore({ db: file, env: {} })).close();
    } finally {
      cleanup();
    }
  });

  it('refuses a database whose schema is newer than this program, and leaves it untouched', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 's.db');
      await (await openStore({ db: file, env: {} })).close();
      const raw = new BetterSqlite3(file);
      raw.prepare("insert into kysely_migration (name, timestamp) values ('0099-from-the-future', '2030-01-01')").run();
      raw.close();
      const opening = openStore({ db: file, env: {} });
      await expect(opening).rejects.toBeInstanceOf(StorageError);
      await expect(openStore({ db: file, env: {} })).rejects.toThrow(/newer sockaudit.*0099-from-the-future/);
      const after = new BetterSqlite3(file, { readonly: true });
      expect(after.prepare('select count(*) as n from kysely_migration').get()).toEqual({ n: MIGRATION_NAMES.length + 1 });
      after.close();
    } finally {
      cleanup();
    }
  });

  it('does not create a database when opened read-only', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'missing.db');
      await expect(openStore({ db: file, env: {}, readOnly: true })).rejects.toThrow(/no database at .*missing\.db/);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('takes the location from $SOCKAUDIT_DB', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const file = path.join(dir, 'env.db');
      const store = await openStore({ env: { SOCKAUDIT_DB: file } });
      expect(store.location).toBe(file);
      await store.close();
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      cleanup();
    }
  });

  it('reports an unusable location as a StorageError', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const blocker = path.join(dir, 'file');
      fs.writeFileSync(blocker, '');
      await expect(openStore({ db: path.join(blocker, 'x.db'), env: {} })).rejects.toBeInstanceOf(StorageError);
    } finally {
      cleanup();
    }
  });
});

describe('the migration index', () => {
  it('lists the same migrations, in order, as the names open-store checks without loading them', async () => {
    const { MIGRATIONS } = await import('../../migrations/index.js');
    expect(Object.keys(MIGRATIONS)).toEqual([...MIGRATION_NAMES]);
    expect([...MIGRATION_NAMES]).toEqual([...MIGRATION_NAMES].sort());
  });
});
