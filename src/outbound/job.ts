import { randomBytes } from 'node:crypto';

import { z } from 'zod';

import { SendError } from './errors.js';
import { ALIAS_PATTERN } from '../message/assistant-address.js';

/** SPEC §5 outbound job data. Unknown keys are ignored; what is there must be well-formed. */
const addressList = z.union([
  z.string(),
  z.array(z.union([z.string(), z.object({ name: z.string().optional(), address: z.string() })])),
]);

export const outboundJobSchema = z.object({
  to: addressList,
  cc: addressList.optional(),
  bcc: addressList.optional(),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  inReplyTo: z.string().optional(),
  references: z.union([z.string(), z.array(z.string())]).optional(),
  /** The workspace alias this mail is sent for: replies come back to mailbox+alias@domain. */
  alias: z.string().optional(),
  attachments: z
    .array(
      z.object({
        filename: z.string().optional(),
        contentType: z.string().optional(),
        /** base64 */
        content: z.string(),
        contentId: z.string().optional(),
        inline: z.boolean().optional(),
      }),
    )
    .optional(),
});

export type OutboundJob = z.infer<typeof outboundJobSchema>;

export interface MailAddress {
  readonly name: string | null;
  readonly address: string;
}

/** A fully resolved outgoing message, the same for every transport. */
export interface OutgoingMessage {
  readonly from: MailAddress;
  readonly replyTo: MailAddress | null;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly bcc: readonly MailAddress[];
  readonly subject: string;
  readonly text: string | null;
  readonly html: string | null;
  readonly messageId: string;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly attachments: readonly {
    filename: string | null;
    contentType: string;
    content: Buffer;
    contentId: string | null;
    inline: boolean;
  }[];
  /** Headers the daemon itself adds (never taken from a job), e.g. on validate's test mail. */
  readonly extraHeaders: Readonly<Record<string, string>>;
}

/** Who the assistant is when it sends: display name, address, and the domain for Message-IDs. */
export interface SenderIdentity {
  readonly from: MailAddress;
  /** `mailbox`, `delimiter`, `domain` of the assistant, for Reply-To of a workspace alias; null for `sender`. */
  readonly replyBase: {
    readonly mailbox: string;
    readonly delimiter: string;
    readonly domain: string;
  } | null;
  readonly messageIdDomain: string;
}

// eslint-disable-next-line no-control-regex
const LINE_BREAK = /[\r\n\u0000]/;
const ADDRESS = /^[^\s@<>(),;:"[\]]+@[^\s@<>(),;:"[\]]+\.[^\s@<>(),;:"[\]]+$/;

/**
 * Validates a job and turns it into the message to send. Header injection — CR or LF (or NUL)
 * in any value that becomes a header — is refused before anything is sent (SPEC §5).
 */
export function buildOutgoingMessage(data: unknown, identity: SenderIdentity): OutgoingMessage {
  const parsed = outboundJobSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw badJob(
      `invalid outbound job: ${first ? `${first.path.join('.') || 'data'}: ${first.message}` : 'malformed'}`,
    );
  }
  const job = parsed.data;
  checkHeader('subject', job.subject);
  if (job.inReplyTo !== undefined) checkHeader('inReplyTo', job.inReplyTo);
  if (typeof job.references === 'string') checkHeader('references', job.references);
  const references = (
    Array.isArray(job.references)
      ? job.references
      : job.references !== undefined
        ? job.references.split(/\s+/)
        : []
  ).filter((r) => r !== '');
  references.forEach((r) => checkHeader('references', r));

  const to = addresses('to', job.to);
  if (to.length === 0) throw badJob('invalid outbound job: to: no recipient');
  if (job.text === undefined && job.html === undefined)
    throw badJob('invalid outbound job: give text or html');

  let replyTo: MailAddress | null = null;
  if (job.alias !== undefined) {
    checkHeader('alias', job.alias);
    const alias = job.alias.toLowerCase();
    if (!ALIAS_PATTERN.test(alias))
      throw badJob(`invalid outbound job: alias "${job.alias}" is not a valid alias`);
    if (identity.replyBase) {
      const { mailbox, delimiter, domain } = identity.replyBase;
      replyTo = { name: identity.from.name, address: `${mailbox}${delimiter}${alias}@${domain}` };
    }
  }

  return {
    from: identity.from,
    replyTo,
    to,
    cc: addresses('cc', job.cc),
    bcc: addresses('bcc', job.bcc),
    subject: job.subject,
    text: job.text ?? null,
    html: job.html ?? null,
    messageId: `<${Date.now().toString(36)}.${randomBytes(9).toString('hex')}@${identity.messageIdDomain}>`,
    inReplyTo: job.inReplyTo ?? null,
    references,
    attachments: (job.attachments ?? []).map((a, i) => {
      if (a.filename !== undefined) checkHeader(`attachments.${i}.filename`, a.filename);
      if (a.contentType !== undefined) checkHeader(`attachments.${i}.contentType`, a.contentType);
      if (a.contentId !== undefined) checkHeader(`attachments.${i}.contentId`, a.contentId);
      return {
        filename: a.filename ?? null,
        contentType: a.contentType ?? 'application/octet-stream',
        content: Buffer.from(a.content, 'base64'),
        contentId: a.contentId ?? null,
        inline: a.inline ?? false,
      };
    }),
    extraHeaders: {},
  };
}

function addresses(field: string, value: OutboundJob['to'] | undefined): MailAddress[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(',') : value;
  return list
    .map((entry) =>
      typeof entry === 'string'
        ? { name: null, address: entry.trim() }
        : { name: entry.name ?? null, address: entry.address.trim() },
    )
    .filter((a) => a.address !== '')
    .map((a) => {
      checkHeader(field, a.address);
      if (a.name !== null) checkHeader(field, a.name);
      if (!ADDRESS.test(a.address))
        throw badJob(`invalid outbound job: ${field}: "${a.address}" is not an e-mail address`);
      return a;
    });
}

function checkHeader(field: string, value: string): void {
  if (LINE_BREAK.test(value)) throw badJob(`header injection refused: ${field} contains CR, LF or NUL`);
}

function badJob(message: string): SendError {
  return new SendError('bad-job', true, message, null);
}

/** `"Casper" <casper@example.com>` style parsing of the configured `sender.from`. */
export function parseFrom(from: string): MailAddress {
  const angle = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(from);
  if (angle) return { name: angle[1]?.trim() || null, address: (angle[2] ?? '').trim() };
  return { name: null, address: from.trim() };
}
