import type { SendgridConfig } from '../config/types.js';
import { toError } from '../errors.js';
import { scrubSecrets } from '../observability/scrub.js';
import { SendError } from './errors.js';
import type { MailAddress, OutgoingMessage } from './job.js';
import type { MailSender, SendResult } from './sender.js';

/** SendGrid's v3 mail-send API (`POST <endpoint>/v3/mail/send`, bearer API key). */
export class SendgridSender implements MailSender {
  readonly transport = 'sendgrid' as const;
  readonly #url: string;
  readonly #apiKey: string;

  constructor(
    config: SendgridConfig,
    private readonly timeoutMs = 30_000,
  ) {
    this.#url = `${config.endpoint}/v3/mail/send`;
    this.#apiKey = config.apiKey.reveal();
  }

  async send(message: OutgoingMessage): Promise<SendResult> {
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(sendgridBody(message)),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SendError(
        'network',
        false,
        `SendGrid request failed: ${this.#scrub(toError(err).message)}`,
        null,
        { cause: err },
      );
    }
    const text = this.#scrub(await response.text().catch(() => ''));
    if (response.ok)
      return {
        replyCode: response.status,
        response: `${response.status} ${response.statusText}`.trim(),
        messageId: message.messageId,
      };
    const detail = `SendGrid ${response.status}: ${errorText(text) || response.statusText}`;
    if (response.status === 429 || response.status >= 500)
      throw new SendError('transient', false, detail, response.status);
    throw new SendError(
      response.status === 401 || response.status === 403 ? 'auth' : 'rejected',
      true,
      detail,
      response.status,
    );
  }

  #scrub(text: string): string {
    return scrubSecrets(text, [this.#apiKey]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The v3 request body: the same content as the SMTP message, threading headers included. */
export function sendgridBody(message: OutgoingMessage): Record<string, unknown> {
  const person = (a: MailAddress): { email: string; name?: string } =>
    a.name ? { email: a.address, name: a.name } : { email: a.address };
  const personalization: Record<string, unknown> = { to: message.to.map(person) };
  if (message.cc.length > 0) personalization.cc = message.cc.map(person);
  if (message.bcc.length > 0) personalization.bcc = message.bcc.map(person);
  const headers: Record<string, string> = { ...message.extraHeaders, 'Message-ID': message.messageId };
  if (message.inReplyTo) headers['In-Reply-To'] = message.inReplyTo;
  if (message.references.length > 0) headers.References = message.references.join(' ');
  const content = [
    ...(message.text !== null ? [{ type: 'text/plain', value: message.text }] : []),
    ...(message.html !== null ? [{ type: 'text/html', value: message.html }] : []),
  ];
  return {
    personalizations: [personalization],
    from: person(message.from),
    ...(message.replyTo ? { reply_to: person(message.replyTo) } : {}),
    subject: message.subject,
    content,
    headers,
    ...(message.attachments.length > 0
      ? {
          attachments: message.attachments.map((a) => ({
            content: a.content.toString('base64'),
            filename: a.filename ?? 'attachment',
            type: a.contentType,
            disposition: a.inline ? 'inline' : 'attachment',
            ...(a.contentId ? { content_id: a.contentId } : {}),
          })),
        }
      : {}),
  };
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: unknown }[] };
    const messages = (parsed.errors ?? [])
      .map((e) => (typeof e.message === 'string' ? e.message : ''))
      .filter(Boolean);
    if (messages.length > 0) return messages.join('; ');
  } catch {
    // not JSON: use the text as it is
  }
  return body.slice(0, 300);
}
