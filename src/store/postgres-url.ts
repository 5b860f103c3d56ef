/**
 * PostgreSQL store locations: `postgres://` and `postgresql://` URLs, given as --db or in
 * $SOCKAUDIT_DB. Anything else is a file path (store-location.ts).
 */

/** Whether `value` names a PostgreSQL database rather than a file. */
export function isPostgresUrl(value: string | undefined): value is string {
  return value !== undefined && /^postgres(ql)?:\/\//i.test(value);
}

/** The PostgreSQL URL a command would use (--db, else $SOCKAUDIT_DB), or undefined for a file store. */
export function postgresUrlOf(options: { db?: string; env: NodeJS.ProcessEnv }): string | undefined {
  const chosen = options.db !== undefined && options.db !== '' ? options.db : options.env.SOCKAUDIT_DB;
  return isPostgresUrl(chosen) ? chosen : undefined;
}

/**
 * The URL as it may be shown: without its password (and without any password= or
 * sslpassword= query parameter), so that a location in a message or a report never carries one.
 *
 * @example redactPostgresUrl('postgres://web7:s3cret@db.example:5432/fleet?sslmode=verify-full')
 *   -> 'postgres://web7:***@db.example:5432/fleet?sslmode=verify-full'
 * @example redactPostgresUrl('postgres://db/fleet?password=s3cret') -> 'postgres://db/fleet?password=***'
 */
export function redactPostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // not parseable: keep the scheme only, never echo what might hold a password
    return url.replace(/^(postgres(ql)?:\/\/).*$/i, '$1...');
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const name of ['password', 'sslpassword']) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, '***');
  return parsed.toString().replaceAll('%2A%2A%2A', '***');
}
