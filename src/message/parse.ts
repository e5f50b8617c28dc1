import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import iconv from 'iconv-lite';
import { MailParser } from 'mailparser';
import type { AddressObject, AttachmentStream, EmailAddress, HeaderLines, MessageText } from 'mailparser';

import { MailIngestError, toError } from '../errors.js';
import { normalizeAddress } from './addresses.js';
import { capTextBodies } from './text-cap.js';
import type { HeaderList } from './headers.js';
import { firstHeader, toHeaderField } from './headers.js';
import type { Address, AttachmentInfo } from './types.js';

export interface ParseLimits {
  readonly inlineAttachmentBytes: number;
  readonly inlineTotalBytes: number;
  readonly maxBodyChars: number;
}

/** A calendar object found in the message, transfer-decoded but not yet charset-decoded. */
export interface CalendarPart {
  readonly contentType: string;
  /** The part's `method=` parameter, the fallback when the VCALENDAR has no METHOD. */
  readonly method: string | null;
  readonly charset: string | null;
  readonly filename: string | null;
  readonly content: Buffer;
}

export interface ParsedMessage {
  readonly headers: HeaderList;
  readonly contentType: string | null;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: string[];
  readonly date: string | null;
  readonly subject: string;
  readonly from: Address[];
  readonly to: Address[];
  readonly cc: Address[];
  readonly replyTo: Address[];
  readonly text: string | null;
  readonly html: string | null;
  readonly truncated: boolean;
  readonly attachments: AttachmentInfo[];
  readonly calendarParts: CalendarPart[];
  readonly warnings: string[];
}

export class MessageParseError extends MailIngestError {
  readonly code = 'MESSAGE_UNPARSEABLE';
  readonly permanent = true;
}

/**
 * Calendar objects are kept whole for ical.js, which needs some 40 times their size while it
 * parses them (a 5 MB calendar of 100,000 events: ~240 MB). An invitation is a few kB; 2 MiB
 * holds well over the 1,000 events a message reports, so anything larger is not read.
 */
export const MAX_CALENDAR_BYTES = 2 * 1024 * 1024;

/**
 * Parses a raw message into what the payload needs, in one streaming pass. mailparser's
 * html<->text conversions and link detection are switched off (the payload carries both bodies
 * as sent), and attachments stream through SHA-256 instead of being buffered whole.
 */
export async function parseMessage(
  raw: Buffer | Readable,
  limits: ParseLimits,
  options: { readonly capTextBodies?: boolean } = {},
): Promise<ParsedMessage> {
  const parser = new MailParser({
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    checksumAlgo: false,
    // Inline images as data: URIs would bloat the html; consumers get them as attachments.
    keepCidLinks: true,
  } as ConstructorParameters<typeof MailParser>[0]);

  const warnings: string[] = [];
  const attachments: AttachmentInfo[] = [];
  const calendarParts: CalendarPart[] = [];
  const pending: Promise<void>[] = [];
  // Attachments arrive one after another (mailparser waits for each to be read): first come, first inlined.
  const sink: AttachmentSink = {
    limits,
    attachments,
    calendarParts,
    warnings,
    inlineRoom: limits.inlineTotalBytes,
  };
  let headerLines: HeaderLines = [];
  let text: MessageText | null = null;

  parser.on('headerLines', (lines: HeaderLines) => {
    headerLines = lines;
  });
  parser.on('data', (data: AttachmentStream | MessageText) => {
    if (data.type === 'text') {
      text = data;
      return;
    }
    pending.push(consumeAttachment(data, sink));
  });

  const done = new Promise<void>((resolve, reject) => {
    parser.once('end', resolve);
    parser.once('error', reject);
  });
  const input = Buffer.isBuffer(raw) ? Readable.from([raw]) : raw;
  const { output, cut } = options.capTextBodies
    ? capTextBodies(input, limits.maxBodyChars)
    : { output: input, cut: null };
  output.once('error', (err) => parser.destroy(err));
  output.pipe(parser);

  try {
    await done;
    await Promise.all(pending);
  } catch (err) {
    throw new MessageParseError(`message could not be parsed: ${toError(err).message}`, { cause: err });
  }

  const headers = headerLines.map((l) => toHeaderField(l.line)).filter((h) => h !== null);
  const body = text as MessageText | null;
  const [plain, plainShortened] = truncate(nonEmpty(body?.text), limits.maxBodyChars);
  const [html, htmlShortened] = truncate(nonEmpty(body?.html), limits.maxBodyChars);
  // Bytes dropped before parsing (textCap) truncate as well, even if what was left is short.
  const textCut = plainShortened || cut?.text === true;
  const htmlCut = htmlShortened || cut?.html === true;
  if (textCut) warnings.push(`text truncated to ${limits.maxBodyChars} characters`);
  if (htmlCut) warnings.push(`html truncated to ${limits.maxBodyChars} characters`);
  if ((plain ?? '').includes('\ufffd') || (html ?? '').includes('\ufffd')) {
    warnings.push('body contains bytes invalid in its declared charset; they were replaced with U+FFFD');
  }
  warnings.push(...charsetWarnings(parser));

  const messageId = nonEmpty(parser.messageId?.trim());
  return {
    headers,
    contentType: firstHeader(headers, 'content-type'),
    messageId,
    inReplyTo: nonEmpty(parser.inReplyTo?.trim()),
    references: referencesOf(parser.references),
    date: dateOf(headers, warnings),
    subject: cleanSubject(parser.subject ?? '', warnings),
    from: addressesOf(parser.from),
    to: addressesOf(parser.to),
    cc: addressesOf(parser.cc),
    replyTo: addressesOf(parser.replyTo),
    text: plain,
    html,
    truncated: textCut || htmlCut,
    attachments,
    calendarParts,
    warnings,
  };
}

interface AttachmentSink {
  readonly limits: ParseLimits;
  readonly attachments: AttachmentInfo[];
  readonly calendarParts: CalendarPart[];
  readonly warnings: string[];
  /**
   * What is left of inlineTotalBytes for this message. An attachment that finds no room is listed
   * without content and without a warning: the message is well-formed (SPEC §5: no warnings).
   */
  inlineRoom: number;
}

async function consumeAttachment(part: AttachmentStream, sink: AttachmentSink): Promise<void> {
  const { limits, attachments, calendarParts, warnings } = sink;
  const hash = createHash('sha256');
  const filename = part.filename ?? null;
  const calendar = isCalendar(part.contentType, filename);
  const inlineLimit = Math.min(limits.inlineAttachmentBytes, sink.inlineRoom);
  const keepLimit = calendar ? MAX_CALENDAR_BYTES : inlineLimit;
  const kept: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of part.content as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (size <= keepLimit) kept.push(chunk);
    }
  } finally {
    part.release?.();
  }
  const content = size <= keepLimit ? Buffer.concat(kept, size) : null;
  const inlined = content !== null && size <= inlineLimit;
  if (inlined) sink.inlineRoom -= size;
  attachments.push({
    filename,
    contentType: part.contentType,
    size,
    sha256: hash.digest('hex'),
    contentId: nonEmpty(part.contentId?.trim()),
    inline:
      part.contentDisposition === 'inline' ||
      (part.contentDisposition === undefined && part.related === true),
    content: inlined ? content.toString('base64') : null,
  });
  if (calendar) {
    if (content === null) {
      warnings.push(
        `calendar part ${filename ?? part.contentType} is larger than ${MAX_CALENDAR_BYTES} bytes; not read`,
      );
      return;
    }
    const params = contentTypeParams(part.headers.get('content-type'));
    calendarParts.push({
      contentType: part.contentType,
      method: nonEmpty(params.method?.trim()) ?? null,
      charset: nonEmpty(params.charset?.trim()) ?? null,
      filename,
      content,
    });
  }
}

function isCalendar(contentType: string, filename: string | null): boolean {
  const type = contentType.toLowerCase();
  return type === 'text/calendar' || type === 'application/ics' || /\.ics$/i.test(filename ?? '');
}

function contentTypeParams(value: unknown): Record<string, string | undefined> {
  if (typeof value === 'object' && value !== null && 'params' in value) {
    const params = value.params;
    if (typeof params === 'object' && params !== null) return params as Record<string, string | undefined>;
  }
  return {};
}

/** Parts whose declared charset neither iconv-lite nor libmime knows were decoded as UTF-8. */
function charsetWarnings(parser: MailParser): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const n = node as { charset?: unknown; contentType?: unknown; children?: unknown };
    if (
      typeof n.charset === 'string' &&
      typeof n.contentType === 'string' &&
      /^text\//i.test(n.contentType)
    ) {
      if (REFUSED_CHARSET.test(n.charset.trim())) {
        out.push(
          `charset "${n.charset}" in a ${n.contentType} part is not decoded (UTF-7 can smuggle markup); read as UTF-8`,
        );
      } else if (!knownCharset(n.charset)) {
        out.push(`unknown charset "${n.charset}" in a ${n.contentType} part; decoded as UTF-8`);
      }
    }
    if (Array.isArray(n.children)) n.children.forEach(walk);
  };
  // mailparser keeps its MIME tree on the instance; read defensively, it is not public API.
  walk((parser as unknown as { tree?: unknown }).tree);
  return [...new Set(out)];
}

// Decoded by libmime although iconv-lite lacks them.
const LIBMIME_EXTRA = /^(?:ks_c_5601-1987|iso-2022-jp(?:-\d)?|shift[-_]?jis|euc-?jp)$/i;
// mailparser refuses these (as does this daemon): their text is read as UTF-8 instead.
const REFUSED_CHARSET = /^(?:(?:cs)?unicode-?1-?1-?)?utf-?7(?:-?imap)?$/i;
function knownCharset(charset: string): boolean {
  return (
    LIBMIME_EXTRA.test(charset.trim()) || iconv.encodingExists(charset.trim().replace(/^(?:x-|cs)/i, ''))
  );
}

function addressesOf(value: AddressObject | AddressObject[] | undefined): Address[] {
  if (value === undefined) return [];
  const out: Address[] = [];
  const add = (entry: EmailAddress): void => {
    if (entry.group) {
      entry.group.forEach(add);
      return;
    }
    const address = normalizeAddress(entry.address ?? '');
    if (address === '' && entry.name === '') return;
    out.push({ name: stripControl(entry.name ?? ''), address });
  };
  for (const obj of Array.isArray(value) ? value : [value]) obj.value.forEach(add);
  return out;
}

function referencesOf(value: string | string[] | undefined): string[] {
  const all = (Array.isArray(value) ? value : value === undefined ? [] : [value]).join(' ');
  return all.match(/<[^<>\s]+>/g) ?? [];
}

function dateOf(headers: HeaderList, warnings: string[]): string | null {
  const raw = firstHeader(headers, 'date');
  if (raw === null || raw.trim() === '') return null;
  const parsed = new Date(raw.replace(/\([^)]*\)/g, '').trim());
  if (Number.isNaN(parsed.getTime())) {
    warnings.push(`Date header "${raw.slice(0, 80)}" could not be parsed; date is null`);
    return null;
  }
  return parsed.toISOString();
}

function truncate(value: string | null, max: number): [string | null, boolean] {
  if (value === null || value.length <= max) return [value, false];
  // Never cut a surrogate pair in half: half a character is invalid Unicode downstream.
  const end = /[\ud800-\udbff]/.test(value.charAt(max - 1)) ? max - 1 : max;
  return [value.slice(0, end), true];
}

function nonEmpty(value: string | undefined | null): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

/** NUL and other C0 controls (but tab/newline) in header-derived strings break consumers' databases. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
function stripControl(value: string): string {
  return value.replace(CONTROL, '');
}

function cleanSubject(subject: string, warnings: string[]): string {
  const clean = stripControl(subject);
  if (clean !== subject) warnings.push('control characters (e.g. NUL) removed from Subject');
  return clean;
}
