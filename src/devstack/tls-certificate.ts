/**
 * A throwaway CA and a server certificate it signed, made with the openssl CLI (OpenSSL 3:
 * `req -x509 -CA` signs in one step). Clients trust `caPath` exactly as they would trust a
 * company CA in production; the server certificate names localhost and 127.0.0.1.
 * EC P-256 keys: generated in milliseconds, unlike RSA.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsFiles {
  /** PEM of the CA to trust. */
  caPath: string;
  /** Server certificate (PEM). */
  certPath: string;
  /** Server private key (PEM, unencrypted). */
  keyPath: string;
}

const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = mail-ingest test CA
[ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;

const SERVER_CONFIG = `[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = localhost
[ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'];

export async function createTlsFiles(dir: string): Promise<TlsFiles> {
  await mkdir(dir, { recursive: true });
  const file = (name: string): string => path.join(dir, name);
  await writeFile(file('ca.cnf'), CA_CONFIG);
  await writeFile(file('server.cnf'), SERVER_CONFIG);
  const caPath = file('ca.pem');
  const certPath = file('server.pem');
  const keyPath = file('server.key');
  // prettier-ignore
  await openssl(['req', '-x509', '-config', file('ca.cnf'), ...EC_KEY, '-keyout', file('ca.key'), '-out', caPath, '-days', '30']);
  // prettier-ignore
  await openssl(['req', '-x509', '-config', file('server.cnf'), ...EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', '30', '-CA', caPath, '-CAkey', file('ca.key')]);
  // Dovecot's config process reads the key as root; a non-root run reads it as its own user.
  await chmod(keyPath, 0o600);
  return { caPath, certPath, keyPath };
}

async function openssl(args: string[]): Promise<void> {
  try {
    // The system openssl.cnf must not add extensions of its own.
    await run('openssl', args, { env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim()}`, { cause: err });
  }
}
