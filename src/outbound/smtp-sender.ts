import nodemailer from 'nodemailer';

import type { SmtpConfig } from '../config/types.js';
import { scrubSecrets } from '../observability/scrub.js';
import { tlsTrust } from '../tls-trust.js';
import { SendError } from './errors.js';
import type { OutgoingMessage } from './job.js';
import type { MailSender, SendResult } from './sender.js';

interface NodemailerError {
  message?: unknown;
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
}

/**
 * SMTP through nodemailer with a connection pool. `starttls` requires STARTTLS (requireTLS:
 * a server without it is refused, nothing is sent in clear); `tls` is implicit TLS; `none`
 * never upgrades and is allowed only with allowInsecure (checked by the config).
 */
export class SmtpSender implements MailSender {
  readonly transport = 'smtp' as const;
  readonly #transporter: ReturnType<typeof nodemailer.createTransport>;
  readonly #secrets: string[];

  constructor(config: SmtpConfig, options: { pool?: boolean; timeoutMs?: number } = {}) {
    const timeout = options.timeoutMs ?? 30_000;
    this.#secrets = config.password ? [config.password.reveal()] : [];
    this.#transporter = nodemailer.createTransport({
      pool: options.pool ?? true,
      maxConnections: 2,
      host: config.host,
      port: config.port,
      secure: config.encryption === 'tls',
      requireTLS: config.encryption === 'starttls',
      ignoreTLS: config.encryption === 'none',
      auth:
        config.user && config.password ? { user: config.user, pass: config.password.reveal() } : undefined,
      tls: tlsTrust(config.host, config.caFile),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
    } as Parameters<typeof nodemailer.createTransport>[0]);
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    try {
      const info = (await this.#transporter.sendMail({
        from: message.from.name
          ? { name: message.from.name, address: message.from.address }
          : message.from.address,
        to: message.to.map(mailbox),
        cc: message.cc.map(mailbox),
        bcc: message.bcc.map(mailbox),
        replyTo: message.replyTo ? mailbox(message.replyTo) : undefined,
        subject: message.subject,
        text: message.text ?? undefined,
        html: message.html ?? undefined,
        messageId: message.messageId,
        inReplyTo: message.inReplyTo ?? undefined,
        references: message.references.length > 0 ? [...message.references] : undefined,
        headers: { ...message.extraHeaders },
        attachments: message.attachments.map((a) => ({
          filename: a.filename ?? undefined,
          contentType: a.contentType,
          content: a.content,
          cid: a.contentId ?? undefined,
          contentDisposition: a.inline ? 'inline' : 'attachment',
        })),
      })) as { response?: unknown; messageId?: unknown };
      const response = typeof info.response === 'string' ? scrubSecrets(info.response, this.#secrets) : '';
      return { replyCode: replyCodeOf(response), response, messageId: message.messageId };
    } catch (err) {
      throw this.#classify(err);
    }
  }

  #classify(err: unknown): SendError {
    const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as NodemailerError;
    const code = typeof e.code === 'string' ? e.code : '';
    const replyCode = typeof e.responseCode === 'number' ? e.responseCode : null;
    const scrub = (t: unknown): string => scrubSecrets(typeof t === 'string' ? t : '', this.#secrets);
    // A refused or failed STARTTLS comes with the server's reply to STARTTLS (often a 5xx); what
    // matters to the operator is that TLS could not be set up, and nothing was sent in clear.
    if (code === 'ETLS' || /STARTTLS|certificate|TLS|SSL/i.test(scrub(e.message))) {
      return new SendError('tls', false, `TLS: ${scrub(e.message) || 'failed'}`, replyCode, { cause: err });
    }
    const text = scrub(e.response) || scrub(e.message) || 'send failed';
    const withCode = (c: number): string =>
      text.startsWith(String(c)) ? `SMTP ${text}` : `SMTP ${c}: ${text}`;
    if (replyCode !== null && replyCode >= 500) {
      return new SendError(code === 'EAUTH' ? 'auth' : 'rejected', true, withCode(replyCode), replyCode, {
        cause: err,
      });
    }
    if (replyCode !== null && replyCode >= 400)
      return new SendError('transient', false, withCode(replyCode), replyCode, { cause: err });
    if (code === 'EAUTH') return new SendError('auth', true, `authentication: ${text}`, null, { cause: err });
    return new SendError('network', false, `${code || 'network'}: ${text}`, null, { cause: err });
  }

  close(): Promise<void> {
    this.#transporter.close();
    return Promise.resolve();
  }
}

function mailbox(a: { name: string | null; address: string }): string | { name: string; address: string } {
  return a.name ? { name: a.name, address: a.address } : a.address;
}

function replyCodeOf(response: string): number | null {
  const match = /^(\d{3})\b/.exec(response);
  return match ? Number(match[1]) : null;
}
