import { ImapFlow } from 'imapflow';

import type { ImapConfig } from '../config/types.js';
import { tlsTrust } from '../tls-trust.js';
import type { Logger } from '../observability/logger.js';
import { imapflowLogger } from '../observability/logger.js';
import { ImapError, toImapError } from './errors.js';

/** A message as listed before download: enough to decide whether to download it at all. */
export interface MessageMeta {
  readonly uid: number;
  readonly size: number;
  readonly internalDate: string;
}

export interface FetchedMessage extends MessageMeta {
  readonly source: Buffer;
}

export interface SessionEvents {
  /** The server reported new messages (IDLE or any command's untagged EXISTS). */
  onExists(): void;
  /** The connection is gone; the session cannot be used again (imapflow never reconnects). */
  onClose(): void;
}

export interface SessionTimeouts {
  readonly connectMs: number;
  /** IDLE is re-issued this often, well inside the 29 minutes after which servers may drop it. */
  readonly idleRestartMs: number;
}

export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  connectMs: 20_000,
  idleRestartMs: 5 * 60_000,
};

/**
 * One IMAP connection of one tenant, logged in with its folder open: the only code that touches
 * imapflow (STYLE 3). It translates imapflow's errors into ImapError and never issues a command
 * from inside a fetch iterator (imapflow would deadlock): fetches are drained into arrays first.
 */
export class ImapSession {
  #closed = false;

  private constructor(
    private readonly client: ImapFlow,
    readonly uidValidity: number,
    readonly supportsIdle: boolean,
    private readonly log: Logger,
  ) {}

  static async open(
    imap: ImapConfig,
    log: Logger,
    events: SessionEvents,
    timeouts: SessionTimeouts = DEFAULT_TIMEOUTS,
  ): Promise<ImapSession> {
    const trust = tlsTrust(imap.host, imap.caFile);
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: imap.tls === 'implicit',
      // starttls: STARTTLS is required (the connection fails if the server does not offer it);
      // none: never attempted. There is no "use it if offered" mode: no silent downgrade.
      doSTARTTLS: imap.tls === 'starttls' ? true : imap.tls === 'none' ? false : undefined,
      servername: trust.servername,
      auth: { user: imap.user, pass: imap.password.reveal() },
      tls: trust.ca ? { ca: trust.ca } : {},
      logger: imapflowLogger(log.child({ component: 'imapflow' })),
      disableAutoIdle: true,
      maxIdleTime: timeouts.idleRestartMs,
      connectionTimeout: timeouts.connectMs,
      greetingTimeout: timeouts.connectMs,
      socketTimeout: imap.socketTimeoutMs,
      clientInfo: { name: 'mail-ingest' },
    });

    let opened: ImapSession | null = null;
    // Listeners go on before connect(): an 'error' without a listener would crash the process.
    client.on('error', (err: unknown) => {
      log.warn({ err: toImapError(err, 'connection') }, 'imap connection error');
    });
    client.on('close', () => {
      if (opened) opened.#closed = true;
      events.onClose();
    });
    client.on('exists', () => events.onExists());

    try {
      await client.connect();
    } catch (err) {
      client.close();
      throw toImapError(err, `connect to ${imap.host}:${imap.port} (tls: ${imap.tls})`, 'connect');
    }
    let uidValidity: number;
    try {
      const mailbox = await client.mailboxOpen(imap.folder);
      uidValidity = Number(mailbox.uidValidity);
    } catch (err) {
      client.close();
      throw toImapError(err, `open folder ${imap.folder}`, 'open folder');
    }
    opened = new ImapSession(client, uidValidity, client.capabilities.has('IDLE'), log);
    return opened;
  }

  get usable(): boolean {
    return !this.#closed && this.client.usable;
  }

  /** UIDs of every message without \Seen. */
  async searchUnseen(): Promise<number[]> {
    try {
      const result = await this.client.search({ seen: false }, { uid: true });
      return Array.isArray(result) ? result.sort((a, b) => a - b) : [];
    } catch (err) {
      throw toImapError(err, 'UID SEARCH UNSEEN');
    }
  }

  /** UID, RFC822.SIZE and INTERNALDATE, without touching the bodies. */
  async fetchMeta(uids: readonly number[]): Promise<MessageMeta[]> {
    if (uids.length === 0) return [];
    const out: MessageMeta[] = [];
    try {
      for await (const msg of this.client.fetch(
        [...uids],
        { uid: true, size: true, internalDate: true },
        { uid: true },
      )) {
        out.push({ uid: msg.uid, size: msg.size ?? 0, internalDate: isoDate(msg.internalDate) });
      }
    } catch (err) {
      throw toImapError(err, 'UID FETCH (RFC822.SIZE)');
    }
    return out;
  }

  /** Whole messages with BODY.PEEK[] (imapflow's `source`), which never sets \Seen. */
  async fetchSources(uids: readonly number[]): Promise<FetchedMessage[]> {
    if (uids.length === 0) return [];
    const out: FetchedMessage[] = [];
    try {
      for await (const msg of this.client.fetch(
        [...uids],
        { uid: true, size: true, internalDate: true, source: true },
        { uid: true },
      )) {
        if (!msg.source) continue;
        out.push({
          uid: msg.uid,
          size: msg.size ?? msg.source.length,
          internalDate: isoDate(msg.internalDate),
          source: msg.source,
        });
      }
    } catch (err) {
      throw toImapError(err, 'UID FETCH (BODY.PEEK[])');
    }
    return out;
  }

  /**
   * One message as a stream of chunks of at most `chunkBytes` (partial BODY.PEEK[]<offset.length>
   * fetches, one after another as the consumer reads), for messages too large to hold whole: only
   * a chunk or two of it is in memory at a time. Null when the message is gone (expunged).
   * Breaking out of the iteration stops the download.
   */
  async openSource(uid: number, chunkBytes: number): Promise<AsyncIterable<Buffer> | null> {
    let download: Awaited<ReturnType<ImapFlow['download']>>;
    try {
      download = await this.client.download(String(uid), undefined, { uid: true, chunkSize: chunkBytes });
    } catch (err) {
      throw toImapError(err, 'UID FETCH (BODY.PEEK[]<partial>)');
    }
    const content = download.content;
    if (!content) return null;
    return (async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of content as AsyncIterable<Buffer | string>)
          yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'latin1');
      } catch (err) {
        throw toImapError(err, 'UID FETCH (BODY.PEEK[]<partial>)');
      }
    })();
  }

  /** Sets \Seen; imapflow reports a failed STORE as `false`, not as an error, so check it. */
  async markSeen(uids: readonly number[]): Promise<void> {
    if (uids.length === 0) return;
    let ok: boolean;
    try {
      ok = await this.client.messageFlagsAdd([...uids], ['\\Seen'], { uid: true });
    } catch (err) {
      throw toImapError(err, 'UID STORE +FLAGS (\\Seen)');
    }
    if (!ok)
      throw new ImapError('protocol', 'UID STORE +FLAGS (\\Seen) was not accepted by the server', null, null);
  }

  /** UIDs of messages whose Message-ID header is `messageId` (validate --wait-delivery). */
  async findByMessageId(messageId: string): Promise<number[]> {
    try {
      const result = await this.client.search({ header: { 'message-id': messageId } }, { uid: true });
      return Array.isArray(result) ? result : [];
    } catch (err) {
      throw toImapError(err, 'UID SEARCH HEADER Message-ID');
    }
  }

  async status(): Promise<{ messages: number; unseen: number }> {
    try {
      const mailbox = this.client.mailbox;
      const path = mailbox && typeof mailbox === 'object' ? mailbox.path : 'INBOX';
      const status = await this.client.status(path, { messages: true, unseen: true });
      return { messages: status ? (status.messages ?? 0) : 0, unseen: status ? (status.unseen ?? 0) : 0 };
    } catch (err) {
      throw toImapError(err, 'STATUS', 'open folder');
    }
  }

  /**
   * Enters IDLE and returns at once. imapflow leaves IDLE by itself before the next command,
   * and re-issues it every `idleRestartMs`; the server's EXISTS arrives through onExists.
   */
  idle(): void {
    if (!this.usable) return;
    this.client.idle().catch((err: unknown) => {
      this.log.debug({ err: toImapError(err, 'IDLE') }, 'idle ended with an error');
    });
  }

  async logout(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.client.logout();
    } catch {
      this.client.close();
    }
    this.#closed = true;
  }

  close(): void {
    this.#closed = true;
    this.client.close();
  }
}

function isoDate(value: Date | string | undefined): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string') {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  return new Date(0).toISOString();
}
