/**
 * TLS for a PostgreSQL store, as libpq does it: `sslmode` (URL, else $PGSSLMODE, else
 * `prefer`), `sslrootcert`, `sslcert`, `sslkey`, `sslpassword` (URL, else $PGSSLROOTCERT,
 * $PGSSLCERT, $PGSSLKEY; else ~/.postgresql/root.crt, postgresql.crt, postgresql.key when
 * they exist), mapped onto node-postgres's `ssl` option.
 *
 * Why not let `pg` read them from the URL: pg-connection-string 2.x treats `prefer`,
 * `require` and `verify-ca` as `verify-full` (and prints a deprecation warning), reads the
 * files itself, has no `prefer` fallback to plain text, and reads $PGSSLMODE from the
 * process, not the command's environment. So the ssl* parameters are taken out of the URL
 * here (withoutTlsParameters) and the `ssl` option is built from them:
 *
 * | sslmode     | TLS                                | certificate checked                          |
 * |-------------|------------------------------------|----------------------------------------------|
 * | disable     | never                              | -                                            |
 * | allow       | only if the server refuses plain   | no                                           |
 * | prefer      | first; plain if the server has none| no                                           |
 * | require     | always                             | no; chain only (verify-ca) with a root cert  |
 * | verify-ca   | always                             | chain against the root cert (required)       |
 * | verify-full | always                             | chain and host name: root cert, else the     |
 * |             |                                    | system CAs (Node's list + NODE_EXTRA_CA_CERTS)|
 *
 * One deliberate difference from libpq: verify-full without any root cert file uses the
 * system CAs (libpq asks for `sslrootcert=system` then); `sslrootcert=system` says so
 * explicitly and, as in libpq, only with verify-full. A unix socket never uses TLS (libpq
 * neither). The launcher (scripts/add-launcher.mjs) starts Node without
 * NODE_EXTRA_CA_CERTS, to save its start-up cost, and hands the file on in
 * $SOCKAUDIT_EXTRA_CA_CERTS: the system CAs are then Node's list plus that file.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { StorageError } from '../errors.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * The URL parameters this file takes over from the driver (`sslnegotiation=direct` stays
 * the driver's: it changes how TLS starts, not whether or what it checks).
 */
const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslpassword', 'ssl', 'uselibpqcompat'];

/** Where the launcher puts $NODE_EXTRA_CA_CERTS when it unsets it. */
export const LAUNCHER_EXTRA_CA_VARIABLE = 'SOCKAUDIT_EXTRA_CA_CERTS';

/** A CA file is a few hundred KB at most (Debian's whole bundle is 220 KB). */
const MAX_CERT_FILE_BYTES = 4 * 1024 * 1024;

export interface PostgresTls {
  mode: SslMode;
  /** the `ssl` option of the first attempt */
  first: false | tls.ConnectionOptions;
  /**
   * the `ssl` option of a second attempt: for `prefer`, plain text when the server has no
   * TLS; for `allow`, TLS when the server refuses plain text; null: no second attempt
   */
  second: false | tls.ConnectionOptions | null;
  /** how the certificate is checked, for doctor: 'none', 'chain', 'chain and host name' */
  verification: 'none' | 'chain' | 'chain and host name';
  /** where the trusted roots come from: a file, 'system', or null when nothing is verified */
  roots: string | null;
}

export interface TlsSettingsOptions {
  url: string;
  env: NodeJS.ProcessEnv;
  /** warnings (a file ignored), one line each */
  warn: (line: string) => void;
}

/**
 * The TLS settings for `url` in `env`, or a one-line StorageError (an unknown sslmode, a
 * missing root cert for verify-ca, an unreadable file).
 *
 * @example postgresTls({ url: 'postgres://db/fleet', env: {}, ... }).mode -> 'prefer'
 * @example postgresTls({ url: 'postgres://db/fleet?sslmode=require', env: {}, ... }).first
 *   -> { rejectUnauthorized: false } (with no ~/.postgresql/root.crt)
 */
export function postgresTls(options: TlsSettingsOptions): PostgresTls {
  const { env } = options;
  const params = parametersOf(options.url);
  const setting = (name: string, variable: string): string | undefined => nonEmpty(params.get(name)) ?? nonEmpty(env[variable]);
  const modeText = setting('sslmode', 'PGSSLMODE') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(modeText)) {
    throw new StorageError(`unknown sslmode "${modeText.slice(0, 40)}" (one of: ${SSL_MODES.join(', ')})`);
  }
  const mode = modeText as SslMode;
  const host = params.get('host') ?? (hostnameOf(options.url) || nonEmpty(env.PGHOST) || 'localhost');
  const none: PostgresTls = { mode, first: false, second: null, verification: 'none', roots: null };
  // libpq never asks for TLS on a unix socket
  if (mode === 'disable' || host.startsWith('/')) return none;

  const home = nonEmpty(env.HOME) ?? os.homedir();
  const defaultFile = (name: string) => {
    const file = path.join(home, '.postgresql', name);
    return fs.existsSync(file) ? file : undefined;
  };
  const rootSetting = setting('sslrootcert', 'PGSSLROOTCERT');
  const rootFile = rootSetting ?? defaultFile('root.crt');
  const certSetting = setting('sslcert', 'PGSSLCERT');
  const client = clientCertificate(certSetting ?? defaultFile('postgresql.crt'), setting('sslkey', 'PGSSLKEY') ?? path.join(home, '.postgresql', 'postgresql.key'), nonEmpty(params.get('sslpassword')), certSetting !== undefined);

  const unverified: tls.ConnectionOptions = { ...client, rejectUnauthorized: false };
  if (rootFile === 'system' && mode !== 'verify-full') {
    throw new StorageError(`sslmode=${mode} may not be used with sslrootcert=system (use sslmode=verify-full)`);
  }
  if (mode === 'allow') return { mode, first: false, second: unverified, verification: 'none', roots: null };
  if (mode === 'prefer') return { mode, first: unverified, second: false, verification: 'none', roots: null };
  if (mode === 'require' && rootFile === undefined) return { mode, first: unverified, second: null, verification: 'none', roots: null };

  if (rootFile === undefined || rootFile === 'system') {
    if (mode === 'verify-ca') {
      throw new StorageError(
        `sslmode=verify-ca needs the CA to trust in sslrootcert (or ${path.join(home, '.postgresql', 'root.crt')}): ` +
          'anyone a public CA certified would pass; use sslmode=verify-full to check the system CAs and the host name',
      );
    }
    return { mode, first: { ...client, ...systemRoots(env, options.warn) }, second: null, verification: 'chain and host name', roots: 'system' };
  }
  const ca = readCertFile(rootFile, 'sslrootcert');
  // require with a root cert checks the chain, as libpq does (verify-ca)
  if (mode === 'require' || mode === 'verify-ca') {
    return { mode, first: { ...client, ca, checkServerIdentity: () => undefined }, second: null, verification: 'chain', roots: rootFile };
  }
  return { mode, first: { ...client, ca }, second: null, verification: 'chain and host name', roots: rootFile };
}

/** `url` without the parameters postgresTls takes, for the driver's connectionString. */
export function withoutTlsParameters(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  for (const name of TLS_PARAMETERS) parsed.searchParams.delete(name);
  return parsed.toString();
}

/**
 * A TLS failure of the driver as the line to act on; undefined when `error` is not one.
 * Node's codes: SELF_SIGNED_CERT_IN_CHAIN, UNABLE_TO_VERIFY_LEAF_SIGNATURE,
 * ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED, ...
 */
export function describeTlsError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const message = error.message.split('\n')[0]!;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate is not for this host name (${message})`;
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|VERIFY/.test(code)) {
    return `the server's certificate is not trusted (${code}: ${message}): check sslrootcert, or the CA the server's certificate comes from`;
  }
  if (/does not support SSL/i.test(message)) return `the server does not offer TLS (${message}): use sslmode=prefer, allow or disable, or turn ssl on at the server`;
  return undefined;
}

/** Node's CA list, plus the launcher's extra CA file when it moved $NODE_EXTRA_CA_CERTS aside. */
function systemRoots(env: NodeJS.ProcessEnv, warn: (line: string) => void): tls.ConnectionOptions {
  const extra = nonEmpty(env[LAUNCHER_EXTRA_CA_VARIABLE]);
  // without the launcher, Node itself read $NODE_EXTRA_CA_CERTS at start-up: its default list has it
  if (extra === undefined) return {};
  try {
    // node:tls loaded here, where its CA list is read: imported at the top, it came (with
    // node:net) into every command that opens a store, SQLite ones too: snapshot's
    // start-up measured 61.2 -> 58.5 ms without it
    const { rootCertificates } = createRequire(import.meta.url)('node:tls') as typeof import('node:tls');
    return { ca: [...rootCertificates, readBounded(extra)] };
  } catch (error) {
    // what Node does with an unreadable NODE_EXTRA_CA_CERTS: warn and go on without it
    warn(`warning: ignoring extra certs from ${extra} (NODE_EXTRA_CA_CERTS): ${error instanceof Error ? error.message : String(error)}`);
    return {};
  }
}

/**
 * The client certificate and key, when there is a certificate. As in libpq, a key that
 * group or others may read is refused (unless root owns it and only its group may read it).
 * `explicit`: named by the user, so a missing file is an error rather than nothing.
 */
function clientCertificate(certFile: string | undefined, keyFile: string, passphrase: string | undefined, explicit: boolean): tls.ConnectionOptions {
  if (certFile === undefined || (!explicit && !fs.existsSync(certFile))) return {};
  const cert = readCertFile(certFile, 'sslcert');
  let stat: fs.Stats;
  try {
    stat = fs.statSync(keyFile);
  } catch (error) {
    throw new StorageError(`cannot read sslkey ${keyFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const mode = stat.mode & 0o777;
  if (stat.uid === 0 ? (mode & 0o037) !== 0 : (mode & 0o077) !== 0) {
    throw new StorageError(`sslkey ${keyFile} may be read by others (mode ${mode.toString(8).padStart(4, '0')}): it must be 0600 or less (0640 when owned by root)`);
  }
  const key = readCertFile(keyFile, 'sslkey');
  return passphrase === undefined ? { cert, key } : { cert, key, passphrase };
}

function readCertFile(file: string, what: string): string {
  try {
    return readBounded(file);
  } catch (error) {
    throw new StorageError(`cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readBounded(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CERT_FILE_BYTES + 1);
    const size = fs.readSync(fd, buffer, 0, buffer.length, 0);
    if (size > MAX_CERT_FILE_BYTES) throw new Error(`larger than ${MAX_CERT_FILE_BYTES} bytes`);
    return buffer.subarray(0, size).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function parametersOf(url: string): URLSearchParams {
  try {
    return new URL(url).searchParams;
  } catch {
    return new URLSearchParams();
  }
}

function hostnameOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).hostname).replace(/^\[(.+)\]$/, '$1');
  } catch {
    return '';
  }
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}
