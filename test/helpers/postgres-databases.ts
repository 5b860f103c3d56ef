/**
 * Databases on the test run's PostgreSQL server (postgres-global-setup.ts): each test file
 * that uses one gets a database of its own (CREATE DATABASE with a unique name, dropped
 * after the file), and each store in it a schema of its own, so that a test's store starts
 * empty without the cost of a database per test.
 */
import { createRequire } from 'node:module';
import { afterAll, inject } from 'vitest';
import type { Client } from 'pg';

const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
const provided = inject('postgres');

/** The server's superuser URL, or null; `postgresSkipReason` says why when null. */
export const postgresAdminUrl: string | null = provided.adminUrl;
export const postgresSkipReason: string = provided.reason ?? '';

let fileDatabase: Promise<string> | undefined;
let schemas = 0;
const suffix = `${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;

/** A URL with `database` (and the admin's credentials) on the test server. */
export function adminUrlFor(database: string, params: Record<string, string> = {}): string {
  const url = new URL(requireServer());
  url.pathname = `/${database}`;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

function requireServer(): string {
  if (postgresAdminUrl === null) throw new Error(`no PostgreSQL server for the tests: ${postgresSkipReason}`);
  return postgresAdminUrl;
}

/** Runs `body` with a client on `database` (default: the server's `postgres`) as the superuser. */
export async function withAdminClient<T>(body: (client: Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrlFor(database) });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server, dropped when the test file ends. */
export async function createTestDatabase(tag = 'db'): Promise<string> {
  const name = `sockaudit_${tag}_${suffix}_${schemas++}`.toLowerCase();
  await withAdminClient((client) => client.query(`create database "${name}"`));
  afterAllDrops.push(name);
  return name;
}

const afterAllDrops: string[] = [];
afterAll(async () => {
  if (postgresAdminUrl === null || afterAllDrops.length === 0) return;
  await withAdminClient(async (client) => {
    for (const name of afterAllDrops.splice(0)) await client.query(`drop database if exists "${name}" with (force)`);
  });
});

/**
 * The URL of a fresh, empty store: a new schema in this file's database, made the
 * connection's search_path (`options=-c search_path=...`), so that every table, the
 * migration table and the sequences of one store live in it.
 */
export async function freshPostgresStoreUrl(): Promise<string> {
  fileDatabase ??= createTestDatabase('file');
  const database = await fileDatabase;
  const schema = `store_${schemas++}`;
  await withAdminClient((client) => client.query(`create schema "${schema}"`), database);
  return adminUrlFor(database, { options: `-c search_path=${schema}` });
}
