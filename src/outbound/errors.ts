import { MailIngestError, toError } from '../errors.js';

export type SendFailureKind = 'bad-job' | 'rejected' | 'auth' | 'tls' | 'transient' | 'network';

/**
 * A send that failed. `permanent`: the same job can never succeed (bad job, a 5xx SMTP reply,
 * SendGrid 4xx other than 429); otherwise it is retried with back-off (4xx SMTP replies, SendGrid
 * 429/5xx, network errors).
 */
export class SendError extends MailIngestError {
  readonly code: `SEND_${Uppercase<string>}`;

  constructor(
    readonly kind: SendFailureKind,
    readonly permanent: boolean,
    message: string,
    /** The server's reply code (SMTP 535, HTTP 429, ...), when there was one. */
    readonly replyCode: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = `SEND_${kind.toUpperCase().replace(/-/g, '_')}` as `SEND_${Uppercase<string>}`;
  }
}

/** Whatever a sender threw, as a SendError; anything unexpected counts as a (transient) network failure. */
export function toSendError(err: unknown): SendError {
  return err instanceof SendError
    ? err
    : new SendError('network', false, toError(err).message, null, { cause: err });
}
