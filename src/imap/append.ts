import { ImapFlow } from 'imapflow';

import { toImapError } from './errors.js';

/** Plain-IMAP APPEND, for the local demo and test servers (mail reaches Dovecot as in production). */
export async function appendMessage(
  server: { host: string; port: number; user: string; password: string },
  mailbox: string,
  raw: string | Buffer,
  flags: string[] = [],
  internalDate?: Date | string,
): Promise<number | undefined> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: server.user, pass: server.password },
    logger: false,
  });
  try {
    await client.connect();
    const result = await client.append(mailbox, raw, flags, internalDate);
    return result === false ? undefined : result.uid;
  } catch (err) {
    throw toImapError(err, 'APPEND');
  } finally {
    await client.logout().catch(() => client.close());
  }
}
