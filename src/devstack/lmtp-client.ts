/**
 * A minimal LMTP client (RFC 2033) for delivering test mail into Dovecot the way an MTA does.
 * Like Postfix with `lmtp_destination_recipient_limit = 1`, it sends one recipient per
 * transaction, so Dovecot writes a `Delivered-To:` header for each (it writes none for a
 * transaction with several recipients).
 */
import net from 'node:net';
import { once } from 'node:events';

export interface LmtpDeliveryOptions {
  /** Envelope sender; '' sends the null sender `<>` of bounces. Default sender@example.org. */
  from?: string;
  /** Name sent in LHLO; default mail-ingest-test. */
  heloName?: string;
  /** Limit for connecting and for each reply; default 10000. */
  timeoutMs?: number;
}

export interface LmtpReply {
  code: number;
  /** Reply lines without the code, joined by newlines. */
  text: string;
}

/** The server answered a command with an unexpected code; `reply.code` says why. */
export class LmtpReplyError extends Error {
  readonly code = 'LMTP_REPLY';

  constructor(
    readonly command: string,
    readonly reply: LmtpReply,
    readonly recipient?: string,
  ) {
    super(`LMTP ${command} answered ${reply.code} ${reply.text}`);
    this.name = 'LmtpReplyError';
  }
}

const DEFAULT_FROM = 'sender@example.org';
// Angle brackets, whitespace and control characters would break the command line.
const ADDRESS = /^[^\s<>\p{Cc}]+$/u;

/** Delivers `raw` to every recipient, one LMTP transaction each; rejects on any failed reply. */
export async function deliverOverLmtp(
  host: string,
  port: number,
  recipients: readonly string[],
  raw: string | Buffer,
  { from = DEFAULT_FROM, heloName = 'mail-ingest-test', timeoutMs = 10_000 }: LmtpDeliveryOptions = {},
): Promise<void> {
  if (recipients.length === 0) throw new TypeError('deliver needs at least one recipient');
  for (const address of recipients) {
    if (!ADDRESS.test(address)) throw new TypeError(`not a deliverable address: ${JSON.stringify(address)}`);
  }
  if (from !== '' && !ADDRESS.test(from))
    throw new TypeError(`not a sender address: ${JSON.stringify(from)}`);
  const data = toLmtpData(raw);

  const session = await LmtpSession.connect(host, port, timeoutMs);
  try {
    await session.expect('greeting', 220);
    await session.command(`LHLO ${heloName}`, 250);
    for (const recipient of recipients) {
      await session.command(`MAIL FROM:<${from}>`, 250, recipient);
      await session.command(`RCPT TO:<${recipient}>`, 250, recipient);
      await session.command('DATA', 354, recipient);
      await session.write(data);
      // LMTP answers the end of data once per accepted recipient: here exactly once.
      await session.expect('end of DATA', 250, recipient);
    }
    await session.command('QUIT', 221);
  } finally {
    session.close();
  }
}

/**
 * The DATA payload: line endings normalised to CRLF (bare LF and bare CR alike), a final CRLF
 * added when missing, lines starting with "." dot-stuffed, and the terminating ".".
 * Bytes pass through unchanged (latin1 maps bytes to code points one to one).
 */
export function toLmtpData(raw: string | Buffer): Buffer {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  let text = bytes.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  if (!text.endsWith('\r\n')) text += '\r\n';
  text = text.replace(/^\./gm, '..');
  return Buffer.from(`${text}.\r\n`, 'latin1');
}

class LmtpSession {
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: LmtpReply[] = [];
  private waiter: { resolve: (reply: LmtpReply) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('LMTP connection closed by the server')));
  }

  static async connect(host: string, port: number, timeoutMs: number): Promise<LmtpSession> {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('timeout', () => socket.destroy(new Error(`LMTP connect to ${host}:${port} timed out`)));
    await once(socket, 'connect');
    socket.setTimeout(0);
    return new LmtpSession(socket, timeoutMs);
  }

  async command(line: string, expected: number, recipient?: string): Promise<LmtpReply> {
    await this.write(`${line}\r\n`);
    return this.expect(line, expected, recipient);
  }

  async expect(what: string, expected: number, recipient?: string): Promise<LmtpReply> {
    const reply = await this.nextReply(what);
    if (reply.code !== expected) throw new LmtpReplyError(what, reply, recipient);
    return reply;
  }

  async write(data: string | Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.socket.write(data)) await once(this.socket, 'drain');
  }

  close(): void {
    this.socket.destroy();
  }

  private nextReply(what: string): Promise<LmtpReply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<LmtpReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`LMTP server did not answer ${what} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiter = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line.slice(4));
      // "250-more follows" continues a reply, "250 last line" (or a bare "250") ends it.
      if (line.charAt(3) === '-') continue;
      const reply = { code: Number.parseInt(line.slice(0, 3), 10), text: this.lines.join('\n') };
      this.lines = [];
      const waiter = this.waiter;
      this.waiter = undefined;
      if (waiter) waiter.resolve(reply);
      else this.replies.push(reply);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }
}
