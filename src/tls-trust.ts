import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

/**
 * TLS options of our clients (IMAP, SMTP) for a server: SNI for host names only (RFC 6066; an IP
 * address is verified against the certificate's IP SANs), and the operator's private CA when
 * `caFile` is set, on top of the public roots, never instead (verification is always on). The file
 * is read at each connect, so a rotated CA is picked up without a restart. Keys that do not apply
 * are absent, not undefined.
 */
export function tlsTrust(
  host: string,
  caFile: string | null | undefined,
): { servername?: string; ca?: string[] } {
  return {
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(caFile ? { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] } : {}),
  };
}
