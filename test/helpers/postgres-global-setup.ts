/**
 * vitest globalSetup: one PostgreSQL server for the whole run (test/helpers/postgres-server.ts).
 * Tests read it with inject('postgres'): null, with the reason, when none could be started
 * (they then skip, saying why). .ci/run installs Debian's postgresql package, so CI has one.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './postgres-server.js';

export interface ProvidedPostgres {
  adminUrl: string | null;
  /** why there is no server, when adminUrl is null */
  reason: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

let server: PostgresServer | null = null;

export async function setup(project: TestProject): Promise<void> {
  try {
    server = await startPostgres();
    project.provide('postgres', { adminUrl: server.adminUrl, reason: null });
  } catch (error) {
    project.provide('postgres', { adminUrl: null, reason: error instanceof Error ? error.message : String(error) });
  }
}

export async function teardown(): Promise<void> {
  server?.stop();
}
