import type { PipelineTenant } from '../message/pipeline.js';
import { processMessage } from '../message/pipeline.js';

/**
 * A small message with a text part, an HTML part and an Outlook-style invite: parsing it once
 * when a parser thread starts compiles the hot paths (mailparser, ical.js, routing), so the first
 * real messages after start-up are not the slow ones.
 */
const SAMPLE = [
  'From: Warm Up <warm@example.org>',
  'To: casper+warm@example.com',
  'Subject: warm-up',
  'Message-ID: <warm-up@example.org>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Hello =E2=9C=93',
  '--b',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Hello</p>',
  '--b',
  'Content-Type: text/calendar; charset=utf-8; method=REQUEST',
  '',
  'BEGIN:VCALENDAR',
  'METHOD:REQUEST',
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16010101T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
  'BEGIN:VEVENT',
  'UID:warm-up',
  'DTSTART;TZID=W. Europe Standard Time:20261210T150000',
  'DTEND;TZID=W. Europe Standard Time:20261210T160000',
  'SUMMARY:warm-up',
  'END:VEVENT',
  'END:VCALENDAR',
  '--b--',
  '',
].join('\r\n');

const TENANT: PipelineTenant = {
  id: 'warm-up',
  assistant: { mailbox: 'casper', domains: ['example.com'], delimiter: '+' },
  routing: {
    workspaces: null,
    unknownAlias: { action: 'unrouted' },
    noAlias: { action: 'unrouted' },
    autoReplies: 'route',
  },
  limits: {
    maxMessageBytes: 1024 * 1024,
    inlineAttachmentBytes: 1024,
    inlineTotalBytes: 4096,
    maxBodyChars: 1000,
  },
};

export async function warmUp(rounds = 3): Promise<void> {
  const raw = Buffer.from(SAMPLE);
  const source = {
    user: 'warm-up',
    folder: 'INBOX',
    uidValidity: 1,
    uid: 1,
    size: raw.length,
    internalDate: new Date(0).toISOString(),
  };
  for (let i = 0; i < rounds; i++) await processMessage(raw, source, TENANT);
}
