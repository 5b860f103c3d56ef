/**
 * Throwaway X.509 certificates for the TLS tests, made with the `openssl` command (Node's
 * crypto cannot sign certificates; .ci/run installs openssl): a CA, and a server
 * certificate it signs for `localhost` and 127.0.0.1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCa {
  /** the CA's certificate file (PEM) */
  caFile: string;
  caKeyFile: string;
}

export interface ServerCertificate {
  cert: string;
  key: string;
}

export function hasOpenssl(): boolean {
  return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

/** A new self-signed CA in `dir`, as `name`.crt and `name`.key. */
export function makeTestCa(dir: string, name: string): TestCa {
  const caKeyFile = path.join(dir, `${name}.key`);
  const caFile = path.join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKeyFile, '-out', caFile, '-days', '2', '-subj', `/CN=sockaudit test CA ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { caFile, caKeyFile };
}

/** A server certificate for `localhost` and 127.0.0.1, signed by `ca`. */
export function makeServerCertificate(dir: string, ca: TestCa, name = 'server'): ServerCertificate {
  const key = path.join(dir, `${name}.key`);
  const request = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.crt`);
  const extensions = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extensions, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', request, '-subj', '/CN=localhost'], dir);
  openssl(['x509', '-req', '-in', request, '-CA', ca.caFile, '-CAkey', ca.caKeyFile, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extensions], dir);
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}
