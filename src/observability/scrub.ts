/**
 * Removes secrets from a text that came from outside (a server's error reply may echo the
 * password or API key it was given); used on every server text we print or log.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    out = out.split(secret).join('[redacted]');
    // Also the forms a server may echo: base64 of the secret (AUTH PLAIN/LOGIN) and URL-encoded.
    const b64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
    if (b64.length >= 4) out = out.split(b64).join('[redacted]');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('[redacted]');
  }
  return out;
}
