/**
 * Kysely's runtime values, loaded the quickest way available. Its ES module build is some
 * 280 files and takes 80-120 ms to load here, a third of what an unchanged
 * `sockaudit snapshot` costs beyond the collection itself. So, in order:
 * 1. dist/vendor/kysely.cjs, a single-file bundle of just what is used here, when the
 *    build made one (about 10 ms);
 * 2. Kysely's own CommonJS build (40-60 ms).
 *
 * Every runtime use of Kysely in the application goes through this module, so that only
 * one copy is ever loaded; types still come from `import type ... from 'kysely'` (erased).
 * Migrations import 'kysely' directly (they never import application code); the bin bundle
 * maps that import to the same dist/vendor/kysely.cjs (scripts/rolldown-bin.config.mjs),
 * so the bin holds and loads one Kysely. (Run from dist/src/, as the tests do, they load
 * Kysely's own build beside this one; what they build is plain objects either accepts.)
 */
import { createRequire } from 'node:module';
import type * as KyselyModule from 'kysely';
import { errnoCode } from '../errors.js';

type KyselyRuntime = Pick<typeof KyselyModule, 'Kysely' | 'Migrator' | 'PostgresDialect' | 'SqliteDialect' | 'sql'>;

function loadKysely(): KyselyRuntime {
  const require = createRequire(import.meta.url);
  // from dist/src/store/ and from the bin bundle in dist/bin/ (the bundle only exists in a build)
  for (const candidate of ['../../vendor/kysely.cjs', '../vendor/kysely.cjs']) {
    try {
      return require(candidate) as KyselyRuntime;
    } catch (error) {
      if (errnoCode(error) !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return require('kysely') as KyselyRuntime;
}

const kysely = loadKysely();

export const KyselyRuntime = kysely.Kysely;
export const MigratorRuntime = kysely.Migrator;
export const SqliteDialectRuntime = kysely.SqliteDialect;
export const PostgresDialectRuntime = kysely.PostgresDialect;
export const sql = kysely.sql;
