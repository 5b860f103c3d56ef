// The part of Kysely that sockaudit uses at run time, bundled by `npm run build` into
// dist/vendor/kysely.cjs: one file loads in ~10 ms where Kysely's ~280-file ES module
// build takes 80-120 ms, which is most of what an unchanged snapshot costs beyond the
// collection (see src/store/kysely-runtime.ts). Minified: 154 KB instead of 415 KB (most
// of it JSDoc), which V8 reads 2 ms faster at every start; only stack traces from inside
// Kysely (shown with --debug) lose their names.
export { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
