import { readFileSync } from 'node:fs';

import type { CalendarPart } from '../../../../src/message/parse.js';
import type { PipelineTenant } from '../../../../src/message/pipeline.js';
import type { MessageSource } from '../../../../src/message/types.js';

/** Shared builders for the calendar tests: iCalendar text, CalendarParts, whole messages. */

export const CRLF = '\r\n';

/** A VCALENDAR around `body` lines; `method: null` leaves METHOD out. */
export function vcalendar(
  body: readonly string[],
  options: { method?: string | null; eol?: string } = {},
): string {
  const method = options.method === undefined ? 'REQUEST' : options.method;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example Corp//Calendar Tests//EN'];
  if (method !== null) lines.push(`METHOD:${method}`);
  lines.push(...body, 'END:VCALENDAR');
  const eol = options.eol ?? CRLF;
  return lines.join(eol) + eol;
}

/** A VEVENT with the given property lines. */
export function vevent(...lines: string[]): string[] {
  return ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];
}

export function part(content: string | Buffer, overrides: Partial<CalendarPart> = {}): CalendarPart {
  return {
    contentType: 'text/calendar',
    method: null,
    charset: null,
    filename: null,
    content: typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
    ...overrides,
  };
}

/** Europe/Berlin as the sender writes it (EU rules since 1996). */
export const VTIMEZONE_BERLIN = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

/** "America/New_York" as an old client still writes it: the US rules before 2007 (April to October). */
export const VTIMEZONE_NEW_YORK_PRE_2007 = [
  'BEGIN:VTIMEZONE',
  'TZID:America/New_York',
  'BEGIN:STANDARD',
  'DTSTART:19671029T020000',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'TZOFFSETFROM:-0400',
  'TZOFFSETTO:-0500',
  'TZNAME:EST',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:19870405T020000',
  'RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4',
  'TZOFFSETFROM:-0500',
  'TZOFFSETTO:-0400',
  'TZNAME:EDT',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

/** Exchange's Windows-named zone with 1601-based rules. */
export function vtimezoneWindows(tzid: string, standard: string, daylight: string): string[] {
  return [
    'BEGIN:VTIMEZONE',
    `TZID:${tzid}`,
    'BEGIN:STANDARD',
    'DTSTART:16010101T030000',
    `TZOFFSETFROM:${daylight}`,
    `TZOFFSETTO:${standard}`,
    'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10',
    'END:STANDARD',
    'BEGIN:DAYLIGHT',
    'DTSTART:16010101T020000',
    `TZOFFSETFROM:${standard}`,
    `TZOFFSETTO:${daylight}`,
    'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3',
    'END:DAYLIGHT',
    'END:VTIMEZONE',
  ];
}

/**
 * An RRULE as a set of its parts, so that two spellings of the same rule compare equal (ical.js
 * reorders parts and drops the defaults INTERVAL=1 and WKST=MO). The literal text is checked in its own test.
 */
export function rruleParts(rule: string | null): Record<string, string> | null {
  if (rule === null) return null;
  const parts: Record<string, string> = {};
  for (const piece of rule.split(';')) {
    const [key, value] = piece.split('=');
    if (key === undefined || value === undefined) continue;
    parts[key.toUpperCase()] = value;
  }
  // RFC 5545 defaults: writing them or not is the same rule.
  if (parts.INTERVAL === '1') delete parts.INTERVAL;
  if (parts.WKST === 'MO') delete parts.WKST;
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Whole messages

export const TENANT: PipelineTenant = {
  id: 'cal',
  assistant: { mailbox: 'casper', domains: ['example.com'], delimiter: '+' },
  routing: {
    workspaces: null,
    unknownAlias: { action: 'workspace', workspace: 'calendar' },
    noAlias: { action: 'workspace', workspace: 'calendar' },
    autoReplies: 'route',
  },
  limits: {
    maxMessageBytes: 50 * 1024 * 1024,
    inlineAttachmentBytes: 256 * 1024,
    inlineTotalBytes: 2 * 1024 * 1024,
    maxBodyChars: 1_000_000,
  },
};

export function sourceFor(raw: Buffer): MessageSource {
  return {
    user: 'casper@example.com',
    folder: 'INBOX',
    uidValidity: 1,
    uid: 1,
    size: raw.length,
    internalDate: '2026-12-04T00:00:00.000Z',
  };
}

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../../fixtures/calendars/${name}`, import.meta.url));
}

/** Base64 in 76-character lines, as MIME writers emit it. */
export function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

/**
 * A message to casper+calendar@example.com carrying `bytes` as one attachment next to a short
 * text part, the way a person forwards an .ics file. `contentType` is the full header value.
 */
export function messageWithCalendar(
  bytes: Buffer,
  contentType: string,
  options: { filename?: string; encoding?: 'base64' | '8bit' } = {},
): Buffer {
  const boundary = '=_calendar_test_7d1e2f3a';
  const encoding = options.encoding ?? 'base64';
  const head = [
    'From: Sender Person <sender@example.org>',
    'To: casper+calendar@example.com',
    'Subject: calendar file',
    'Date: Fri, 04 Dec 2026 10:00:00 +0000',
    `Message-ID: <calendar-test-${Math.abs(hash(contentType + (options.filename ?? '')))}@example.org>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See the attached calendar.',
    `--${boundary}`,
    `Content-Type: ${contentType}`,
    ...(options.filename !== undefined
      ? [`Content-Disposition: attachment; filename="${options.filename}"`]
      : []),
    `Content-Transfer-Encoding: ${encoding}`,
    '',
    '',
  ].join(CRLF);
  const body =
    encoding === 'base64'
      ? Buffer.from(base64Lines(bytes) + CRLF)
      : Buffer.concat([bytes, Buffer.from(CRLF)]);
  return Buffer.concat([Buffer.from(head), body, Buffer.from(`--${boundary}--${CRLF}`)]);
}

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + (ch.codePointAt(0) ?? 0)) | 0;
  return h;
}
