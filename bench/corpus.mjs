/**
 * Deterministic mail corpus for the benchmark: every byte follows from (seed, tag, index).
 *
 * Sizes are log-normal, clipped to [2 KiB, 2 MiB], with the median calibrated so the clipped
 * mean is ~85 KiB. Structures: text/plain, multipart/alternative (text + quoted-printable html),
 * multipart/related (inline cid image), multipart/mixed with 1-3 base64 attachments (random
 * bytes, a csv, RFC 2231 UTF-8 file names), and ~10 % calendar invites (Google style: inline
 * text/calendar + invite.ics; Outlook style: text/calendar inside multipart/alternative), half
 * of them with a VTIMEZONE (one with a Windows zone name).
 *
 * Recipients: the tenant mailbox is casper@example.com; aliases casper+ws01..ws20 are the
 * workspaces. ~10 % are Bcc (alias in no header: delivered over LMTP so Dovecot writes
 * Delivered-To), ~2 % go to the bare mailbox and ~1 % are auto-replies (both unrouted), ~15 %
 * of the rest name a second alias in Cc (fan-out: two jobs), ~25 % of single-alias messages carry
 * a Gmail-style Delivered-To header of their own.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createHash } from 'node:crypto';

export const KIB = 1024;
export const MIN_SIZE = 2 * KIB;
export const MAX_SIZE = 2 * KIB * KIB;
export const TARGET_MEAN = 85 * KIB;
export const WORKSPACES = Array.from({ length: 20 }, (_, i) => `ws${String(i + 1).padStart(2, '0')}`);
export const MAILBOX = 'casper';
export const DOMAIN = 'example.com';
export const USER = `${MAILBOX}@${DOMAIN}`;
const SIGMA = 1.25;

// ---------------------------------------------------------------------------------------------
// PRNG

/** sfc32 seeded from SHA-256 of the seed text: small, fast, good enough, reproducible. */
export function prng(seedText) {
  const h = createHash('sha256').update(String(seedText)).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const r = {
    next,
    int: (n) => Math.floor(next() * n),
    range: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    normal: () => {
      let u = 0;
      while (u === 0) u = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
  return r;
}

/** Deterministic pseudo-random bytes (AES-128-CTR keystream), for attachment content. */
function randomBytes(key, n) {
  const k = createHash('sha256').update(key).digest();
  const cipher = createCipheriv('aes-128-ctr', k.subarray(0, 16), k.subarray(16, 32));
  return cipher.update(Buffer.alloc(n));
}

// ---------------------------------------------------------------------------------------------
// Sizes

const clip = (x) => Math.min(MAX_SIZE, Math.max(MIN_SIZE, x));

/** The log-normal median whose clipped mean is TARGET_MEAN (bisection over a fixed sample). */
function calibrateMedian() {
  const r = prng('size-calibration');
  const z = Array.from({ length: 40_000 }, () => r.normal());
  let lo = Math.log(2 * KIB);
  let hi = Math.log(512 * KIB);
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    const mean = z.reduce((s, v) => s + clip(Math.exp(mid + SIGMA * v)), 0) / z.length;
    if (mean < TARGET_MEAN) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
const MU = calibrateMedian();

// ---------------------------------------------------------------------------------------------
// Text

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have an ' +
  'they you were their one all we can her has there been if more when will would who so no meeting ' +
  'quarter revenue forecast customer contract invoice proposal deadline review budget shipment ' +
  'onboarding roadmap milestone deliverable stakeholder feedback workshop agenda minutes follow-up ' +
  'please attached regards thanks update schedule tomorrow Monday Tuesday Wednesday Thursday Friday ' +
  'Grüße Straße Besprechung Rückmeldung naïve café résumé coöperation déjà señor año Zürich Ærø ' +
  'kind best cheers team project server deployment release ticket priority urgent pending approved ' +
  'rejected draft final version 2.1 v3 Q4 FY26 EMEA APAC KPI SLA ETA PO# 10% 3.5k €1,200 $450 ' +
  '日本語 テスト 会議 资料 报告 Привет отчёт встреча ☕ ✅'
).split(' ');

/** ~2 MB of wrapped prose, generated once; bodies are slices of it at seeded offsets. */
const PROSE = (() => {
  const r = prng('prose');
  const lines = [];
  let line = '';
  let size = 0;
  let sentence = 0;
  while (size < 2_000_000) {
    let w = r.pick(WORDS);
    if (sentence === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
    sentence++;
    if (sentence > 6 + r.int(14)) {
      w += r.chance(0.1) ? '?' : '.';
      sentence = 0;
    } else if (r.chance(0.06)) w += ',';
    if (line.length + w.length + 1 > 72) {
      lines.push(line);
      size += line.length + 2;
      line = w;
      if (r.chance(0.12)) lines.push('');
    } else line = line === '' ? w : `${line} ${w}`;
  }
  return lines;
})();

/** Lines of prose totalling about `bytes` UTF-8 bytes. */
function proseLines(r, bytes) {
  const out = [];
  let size = 0;
  let i = r.int(PROSE.length);
  while (size < bytes) {
    const l = PROSE[i % PROSE.length];
    out.push(l);
    size += Buffer.byteLength(l) + 2;
    i++;
  }
  return out;
}

/** Quoted-printable (RFC 2045): CRLF line breaks kept, soft breaks at 76. */
function qp(text) {
  const out = [];
  for (const line of text.split('\r\n')) {
    const bytes = Buffer.from(line, 'utf8');
    let cur = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      const last = i === bytes.length - 1;
      let enc;
      if ((b >= 33 && b <= 126 && b !== 61) || (b === 32 && !last)) enc = String.fromCharCode(b);
      else enc = `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      if (cur.length + enc.length > 75) {
        out.push(`${cur}=`);
        cur = '';
      }
      cur += enc;
    }
    out.push(cur);
  }
  return out.join('\r\n');
}

/** Base64 in lines of 76 characters (RFC 2045). */
export function base64Lines(buf) {
  const s = buf.toString('base64');
  const out = [];
  for (let i = 0; i < s.length; i += 76) out.push(s.slice(i, i + 76));
  return out.join('\r\n');
}

/** RFC 2047 B-encoding for headers with non-ASCII text. */
function encodeWord(text) {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
}

function htmlOf(r, lines) {
  const paras = [];
  let cur = [];
  for (const l of lines) {
    if (l === '') {
      if (cur.length) paras.push(cur.join(' '));
      cur = [];
    } else cur.push(l);
  }
  if (cur.length) paras.push(cur.join(' '));
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = paras
    .map((p) => {
      let h = esc(p);
      if (r.chance(0.3)) h = h.replace(/(\S+ \S+)/, '<b>$1</b>');
      if (r.chance(0.2)) h += ` <a href="https://portal.example.org/t/${r.int(1e6)}?ref=mail">details</a>`;
      return `<p style="margin:0 0 12px 0;font-family:Arial,sans-serif">${h}</p>`;
    })
    .join('\r\n');
  return (
    '<!DOCTYPE html>\r\n<html><head><meta charset="utf-8"><style>p{color:#222}td{padding:4px}</style></head>\r\n' +
    `<body><div class="x-mail">\r\n${body}\r\n` +
    '<table><tr><td>Ref</td><td>Status</td></tr><tr><td>A-17</td><td>open</td></tr></table>\r\n' +
    '</div></body></html>'
  );
}

// ---------------------------------------------------------------------------------------------
// Calendar

const VTZ_BERLIN = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Berlin',
  'X-LIC-LOCATION:Europe/Berlin',
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
const VTZ_WINDOWS = [
  'BEGIN:VTIMEZONE',
  'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD',
  'DTSTART:16010101T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

function fold(line) {
  if (line.length <= 75) return line;
  const out = [line.slice(0, 75)];
  for (let i = 75; i < line.length; i += 74) out.push(` ${line.slice(i, i + 74)}`);
  return out.join('\r\n');
}

function calendarOf(r, i, style, attendees, subject) {
  const day = 1 + r.int(28);
  const hour = 8 + r.int(9);
  const d = `202612${String(day).padStart(2, '0')}`;
  const t = (h) => `${d}T${String(h).padStart(2, '0')}${r.chance(0.5) ? '30' : '00'}00`;
  let tz;
  let start;
  let end;
  const withVtz = r.chance(0.5);
  if (style === 'outlook') {
    tz = withVtz ? VTZ_WINDOWS : [];
    const id = withVtz ? 'W. Europe Standard Time' : 'Pacific Standard Time';
    start = `DTSTART;TZID=${id}:${t(hour)}`;
    end = `DTEND;TZID=${id}:${t(hour + 1)}`;
  } else if (withVtz) {
    tz = VTZ_BERLIN;
    start = `DTSTART;TZID=Europe/Berlin:${t(hour)}`;
    end = `DTEND;TZID=Europe/Berlin:${t(hour + 1)}`;
  } else if (r.chance(0.5)) {
    tz = [];
    start = `DTSTART:${t(hour)}Z`;
    end = `DTEND:${t(hour + 1)}Z`;
  } else {
    tz = [];
    start = `DTSTART;TZID=America/New_York:${t(hour)}`;
    end = 'DURATION:PT45M';
  }
  const lines = [
    'BEGIN:VCALENDAR',
    style === 'outlook'
      ? 'PRODID:Microsoft Exchange Server 2010'
      : 'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    'METHOD:REQUEST',
    ...tz,
    'BEGIN:VEVENT',
    start,
    end,
    'DTSTAMP:20261201T120000Z',
    `ORGANIZER;CN=Olga Organizer:mailto:olga${i % 7}@example.org`,
    `UID:bench-event-${i}-${r.int(1e9)}@example.org`,
    ...attendees.map((a) =>
      fold(
        `ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=${a};X-NUM-GUESTS=0:mailto:${a}`,
      ),
    ),
    ...(r.chance(0.3) ? ['RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=10'] : []),
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    fold(`SUMMARY:${subject}`),
    fold(
      `DESCRIPTION:${proseLines(r, 300 + r.int(1200))
        .join(' ')
        .replace(/[,;]/g, (c) => `\\${c}`)}`,
    ),
    fold(`LOCATION:Room ${r.int(500)}\\, Building ${String.fromCharCode(65 + r.int(6))}`),
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.join('\r\n')}\r\n`;
}

// ---------------------------------------------------------------------------------------------
// Messages

const SENDERS = [
  ['Alice Example', 'alice@example.org'],
  ['Bob Müller', 'bob.mueller@example.de'],
  ['Chen Wei', 'chen@example.cn'],
  ['Dana Scully', 'dana@fbi.example'],
  ['Émile Zola', 'emile@example.fr'],
  ['Farah Khan', 'farah@example.in'],
  ['Billing', 'billing@vendor.example'],
  ['Grace Hopper', 'grace@navy.example'],
  ['Håkon Berg', 'hakon@example.no'],
  ['Ivan Petrov', 'ivan@example.ru'],
  ['Jo Nakamura', 'jo@example.jp'],
  ['Kim Lee', 'kim@example.kr'],
];
const OTHERS = [
  'bob@example.net',
  'team@example.net',
  'Lena <lena@example.net>',
  '"Ops, Night" <ops@example.net>',
];
const SUBJECTS = [
  'Quarterly review',
  'Invoice 2026-11',
  'Re: contract draft',
  'Fwd: shipment delayed',
  'Meeting notes',
  'Proposal v3',
  'Budget FY26',
  'Onboarding checklist',
  'Re: Re: roadmap',
  'Ticket #48211 update',
  'Besprechung nächste Woche',
  'Rückmeldung zum Angebot',
  '会議の資料',
  'Отчёт за месяц',
  'Déjà vu: deployment',
];
const ATTACH = [
  ['application/pdf', 'report', 'pdf'],
  ['image/jpeg', 'photo', 'jpg'],
  ['image/png', 'screenshot', 'png'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'contract', 'docx'],
  ['application/zip', 'archive', 'zip'],
  ['text/csv', 'export', 'csv'],
];

const alias = (ws) => `${MAILBOX}+${ws}@${DOMAIN}`;

function boundary(r) {
  return `----=_Part_${r.int(1e9)}_${r.int(1e9)}.bench`;
}

function multipart(type, parts, r, extraParams = '') {
  const b = boundary(r);
  return {
    headers: [`Content-Type: ${type}; boundary="${b}"${extraParams}`],
    body: `This is a multi-part message in MIME format.\r\n\r\n${parts
      .map((p) => `--${b}\r\n${p.headers.join('\r\n')}\r\n\r\n${p.body}\r\n`)
      .join('')}--${b}--`,
  };
}

function textPart(r, lines) {
  const text = lines.join('\r\n');
  return r.chance(0.5)
    ? {
        headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
        body: qp(text),
      }
    : {
        headers: [
          'Content-Type: text/plain; charset=utf-8; format=flowed',
          'Content-Transfer-Encoding: 8bit',
        ],
        body: text,
      };
}

function htmlPart(r, lines) {
  return {
    headers: ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
    body: qp(htmlOf(r, lines)),
  };
}

function attachmentPart(r, key, encodedBytes, n, inlineCid = null) {
  const rawBytes = Math.max(16, Math.floor((encodedBytes * 76) / 78 / 4) * 3);
  const [type, stem, ext] = inlineCid ? ['image/png', 'logo', 'png'] : r.pick(ATTACH);
  let content;
  if (type === 'text/csv') {
    const rows = ['id,date,amount,currency,customer'];
    let size = 0;
    for (let i = 0; size < rawBytes; i++) {
      const row = `${i},2026-11-${String(1 + (i % 28)).padStart(2, '0')},${r.int(100000) / 100},EUR,Customer ${r.int(9999)}`;
      rows.push(row);
      size += row.length + 2;
    }
    content = Buffer.from(rows.join('\r\n'));
  } else content = randomBytes(`${key}:${n}`, rawBytes);
  const utf8Name = !inlineCid && r.chance(0.15);
  const name = utf8Name ? `Übersicht-${n}.${ext}` : `${stem}-${n}.${ext}`;
  const disp = utf8Name
    ? `attachment; filename*=UTF-8''${encodeURIComponent(name)}`
    : `${inlineCid ? 'inline' : 'attachment'}; filename="${name}"`;
  return {
    headers: [
      `Content-Type: ${type}; name="${utf8Name ? encodeWord(name) : name}"`,
      `Content-Disposition: ${disp}`,
      'Content-Transfer-Encoding: base64',
      ...(inlineCid ? [`Content-ID: <${inlineCid}>`] : []),
    ],
    body: base64Lines(content),
  };
}

function calendarParts(r, i, style, attendees, subject) {
  const ics = calendarOf(r, i, style, attendees, subject);
  const inline = {
    headers: [
      'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST',
      'Content-Transfer-Encoding: base64',
    ],
    body: base64Lines(Buffer.from(ics)),
  };
  if (style === 'outlook') return { inline, file: null };
  return {
    inline: {
      headers: [
        'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST',
        'Content-Transfer-Encoding: 7bit',
      ],
      body: ics.trimEnd(),
    },
    file: {
      headers: [
        'Content-Type: application/ics; name="invite.ics"',
        'Content-Disposition: attachment; filename="invite.ics"',
        'Content-Transfer-Encoding: base64',
      ],
      body: base64Lines(Buffer.from(ics)),
    },
  };
}

/** Who the message is addressed to, how it is delivered, and which queues must get a job. */
function addressing(r) {
  const x = r.next();
  const ws = r.pick(WORKSPACES);
  if (x < 0.1) {
    return {
      kind: 'bcc',
      to: [r.pick(OTHERS)],
      cc: [],
      deliveredTo: null,
      lmtp: alias(ws),
      workspaces: [ws],
      unrouted: false,
    };
  }
  if (x < 0.12) {
    return {
      kind: 'bare',
      to: [`Casper <${USER}>`],
      cc: r.chance(0.5) ? [r.pick(OTHERS)] : [],
      deliveredTo: null,
      lmtp: null,
      workspaces: [],
      unrouted: true,
    };
  }
  if (x < 0.13) {
    return {
      kind: 'auto-reply',
      to: [alias(ws)],
      cc: [],
      deliveredTo: null,
      lmtp: null,
      workspaces: [],
      unrouted: true,
      autoReply: true,
    };
  }
  const inCc = r.chance(0.3);
  const to = [];
  const cc = [];
  const names = ['', 'Casper ', '"Casper (Sales)" '];
  const fmt = (a) => {
    const n = r.pick(names);
    return n ? `${n}<${a}>` : a;
  };
  (inCc ? cc : to).push(fmt(alias(ws)));
  if (r.chance(0.5)) to.unshift(r.pick(OTHERS));
  const workspaces = [ws];
  if (r.chance(0.15)) {
    let second = r.pick(WORKSPACES);
    while (second === ws) second = r.pick(WORKSPACES);
    cc.push(fmt(alias(second)));
    workspaces.push(second);
  }
  const deliveredTo = workspaces.length === 1 && r.chance(0.25) ? alias(ws) : null;
  return { kind: inCc ? 'cc' : 'to', to, cc, deliveredTo, lmtp: null, workspaces, unrouted: false };
}

/**
 * Message `i` of corpus `tag`: { raw (Buffer, CRLF), messageId, date, lmtpRecipient (null:
 * APPEND), queues (expected job queues, tenant "acme"), invite, targetSize }.
 */
export function buildMessage(seed, tag, i) {
  const r = prng(`${seed}:${tag}:${i}`);
  const target = Math.round(clip(Math.exp(MU + SIGMA * r.normal())));
  const addr = addressing(r);
  const invite = !addr.autoReply && r.chance(0.1);
  const [senderName, senderAddr] = r.pick(SENDERS);
  const subjectBase = invite
    ? `Invitation: ${r.pick(SUBJECTS)} @ Tue Dec ${1 + r.int(28)}, 2026`
    : r.pick(SUBJECTS);
  const subject = addr.autoReply ? `Automatic reply: ${subjectBase}` : `${subjectBase} [${tag}-${i}]`;
  const messageId = `<bench.${tag}.${i}.${r.int(1e9).toString(36)}@mail.example.org>`;
  const date = new Date(Date.UTC(2026, 10, 1) + i * 61_000 + r.int(60_000));
  const headers = [
    ...(addr.deliveredTo ? [`Delivered-To: ${addr.deliveredTo}`] : []),
    `Received: from mail-${r.int(99)}.example.org (mail-${r.int(99)}.example.org [198.51.100.${r.int(250)}])\r\n\tby mx.example.com (Postfix) with ESMTPS id ${r.int(1e9).toString(16).toUpperCase()}\r\n\t; ${date.toUTCString().replace('GMT', '+0000')}`,
    `Received: by mail-${r.int(99)}.example.org with SMTP id x${r.int(1e9)}; ${date.toUTCString().replace('GMT', '+0000')}`,
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=20230601;\r\n\th=to:subject:message-id:date:from:mime-version:from:to:cc:subject:date;\r\n\tbh=${randomBytes(`${seed}:${tag}:${i}:bh`, 32).toString('base64')};\r\n\tb=${base64Lines(randomBytes(`${seed}:${tag}:${i}:b`, 256)).replace(/\r\n/g, '\r\n\t ')}`,
    `From: ${encodeWord(senderName).includes('=?') ? encodeWord(senderName) : `"${senderName}"`} <${senderAddr}>`,
    ...(addr.to.length ? [`To: ${addr.to.join(', ')}`] : []),
    ...(addr.cc.length ? [`Cc: ${addr.cc.join(', ')}`] : []),
    `Subject: ${encodeWord(subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${messageId}`,
    ...(r.chance(0.3)
      ? [
          `In-Reply-To: <prev.${i}@mail.example.org>`,
          `References: <root.${i % 50}@mail.example.org> <prev.${i}@mail.example.org>`,
        ]
      : []),
    ...(addr.autoReply ? ['Auto-Submitted: auto-replied', 'X-Auto-Response-Suppress: All'] : []),
    'MIME-Version: 1.0',
    `X-Mailer: ${r.pick(['Microsoft Outlook 16.0', 'Apple Mail (2.3774)', 'Thunderbird 128.3', 'Gmail'])}`,
  ];
  const headerBytes = Buffer.byteLength(headers.join('\r\n')) + 200;
  let budget = Math.max(300, target - headerBytes);

  const attendees = [
    addr.lmtp ?? addr.deliveredTo ?? alias(addr.workspaces[0] ?? 'ws01'),
    'olga@example.org',
  ];
  const cal = invite
    ? calendarParts(r, i, r.chance(0.5) ? 'google' : 'outlook', attendees, subjectBase)
    : null;
  if (cal)
    budget -= Buffer.byteLength(cal.inline.body) + (cal.file ? Buffer.byteLength(cal.file.body) : 0) + 400;
  budget = Math.max(300, budget);

  const bodyBudget = budget <= 48 * KIB ? budget : Math.min(budget * 0.35, 8 * KIB + r.int(40 * KIB));
  let attachBudget = budget - bodyBudget;
  const plainOnly = !cal && bodyBudget < 24 * KIB && attachBudget < 1 && r.chance(0.25);
  const textShare = plainOnly ? 1 : 0.38;
  // QP of mostly-ASCII prose grows the text a few percent; html markup adds ~25 %.
  const textLines = proseLines(r, Math.max(120, bodyBudget * textShare * 0.95));
  const htmlLines = plainOnly ? [] : proseLines(r, Math.max(120, bodyBudget * (1 - textShare) * 0.7));
  // Both invite styles put the calendar last in the alternative; Google also attaches invite.ics.
  let content = plainOnly
    ? textPart(r, textLines)
    : multipart(
        'multipart/alternative',
        [textPart(r, textLines), htmlPart(r, htmlLines), ...(cal ? [cal.inline] : [])],
        r,
      );
  if (!plainOnly && attachBudget > 6 * KIB && r.chance(0.15)) {
    // An html body with an inline logo (multipart/related).
    const logo = Math.min(attachBudget, 4 * KIB + r.int(60 * KIB));
    const cid = `logo.${i}@bench`;
    content = multipart(
      'multipart/related',
      [content, attachmentPart(r, `${seed}:${tag}:${i}`, logo, 0, cid)],
      r,
      '; type="multipart/alternative"',
    );
    attachBudget -= logo;
  }
  const attachments = [];
  if (attachBudget > 2 * KIB) {
    const n = attachBudget < 40 * KIB ? 1 : 1 + r.int(3);
    const weights = Array.from({ length: n }, () => 0.2 + r.next());
    const sum = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, k) =>
      attachments.push(
        attachmentPart(r, `${seed}:${tag}:${i}`, Math.floor((attachBudget * w) / sum) - 250, k + 1),
      ),
    );
  }
  if (cal?.file) attachments.push(cal.file);
  const root = attachments.length ? multipart('multipart/mixed', [content, ...attachments], r) : content;
  const raw = Buffer.from(
    `${headers.join('\r\n')}\r\n${root.headers.join('\r\n')}\r\n\r\n${root.body}\r\n`,
    'utf8',
  );

  const queues = addr.unrouted ? ['acme.unrouted'] : addr.workspaces.map((w) => `acme.${w}`);
  return {
    index: i,
    raw,
    messageId,
    date,
    kind: addr.kind,
    lmtpRecipient: addr.lmtp,
    queues,
    invite,
    targetSize: target,
  };
}

/** Metadata of the whole corpus without keeping the bodies. */
export function* corpus(seed, tag, count) {
  for (let i = 0; i < count; i++) yield buildMessage(seed, tag, i);
}
