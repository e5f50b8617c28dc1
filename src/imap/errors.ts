import { MailIngestError } from '../errors.js';

/** What went wrong with an IMAP server, grouped by what the tenant worker does next. */
export type ImapFailureKind =
  'auth' | 'tls' | 'connect' | 'throttled' | 'timeout' | 'closed' | 'protocol' | 'mailbox';

/** Where in a session it failed: reaching and logging in, opening (or reading) the folder, later. */
export type ImapStep = 'connect' | 'open folder' | 'command';

/**
 * An IMAP failure translated out of imapflow (which exports only ImapFlow, so its error types
 * cannot be matched with instanceof). `serverText` is the server's own words, for the log.
 */
export class ImapError extends MailIngestError {
  readonly code: `IMAP_${Uppercase<ImapFailureKind>}`;
  readonly permanent = false;
  readonly step: ImapStep;

  constructor(
    readonly kind: ImapFailureKind,
    message: string,
    readonly serverText: string | null,
    /** For `throttled`: how long the server asked us to wait. */
    readonly retryAfterMs: number | null,
    options?: { cause?: unknown; step?: ImapStep },
  ) {
    super(message, options);
    this.step = options?.step ?? 'command';
    this.code = `IMAP_${kind.toUpperCase() as Uppercase<ImapFailureKind>}`;
  }
}

interface ImapflowErrorShape {
  message?: unknown;
  code?: unknown;
  authenticationFailed?: unknown;
  responseText?: unknown;
  serverResponseCode?: unknown;
  throttleReset?: unknown;
}

const TLS_CODES = /^(?:ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL|HOSTNAME_MISMATCH)/;

/** Translates whatever imapflow threw into an ImapError (STYLE 3). `during` names the command for the message. */
export function toImapError(err: unknown, during: string, step: ImapStep = 'command'): ImapError {
  if (err instanceof ImapError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ImapflowErrorShape;
  const code = typeof e.code === 'string' ? e.code : '';
  const serverText = typeof e.responseText === 'string' && e.responseText !== '' ? e.responseText : null;
  const base = typeof e.message === 'string' ? e.message : 'unknown error';
  const detail = serverText !== null && !base.includes(serverText) ? `${base}: ${serverText}` : base;
  const message = `${during}: ${detail}${code !== '' && !detail.includes(code) ? ` (${code})` : ''}`;
  const make = (kind: ImapFailureKind, retryAfterMs: number | null = null): ImapError =>
    new ImapError(kind, message, serverText, retryAfterMs, { cause: err, step });

  if (e.authenticationFailed === true) return make('auth');
  if (code === 'ETHROTTLE')
    return make('throttled', typeof e.throttleReset === 'number' ? e.throttleReset : null);
  if (TLS_CODES.test(code) || /certificate|TLS|SSL|STARTTLS/i.test(base)) return make('tls');
  if (
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'CONNECT_TIMEOUT',
      'GREETING_TIMEOUT',
    ].includes(code)
  ) {
    return make('connect');
  }
  if (['ETIMEOUT', 'ETIMEDOUT', 'UPGRADE_TIMEOUT'].includes(code)) return make('timeout');
  if (['NoConnection', 'EConnectionClosed', 'ECONNRESET', 'EPIPE', 'StateLogout'].includes(code))
    return make('closed');
  // Anything else the server says while the folder is opened is about the folder.
  if (step === 'open folder') return make('mailbox');
  return make('protocol');
}
