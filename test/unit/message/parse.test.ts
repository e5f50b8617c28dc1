import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { firstHeader, headerValues } from '../../../src/message/headers.js';
import type { ParseLimits, ParsedMessage } from '../../../src/message/parse.js';
import { MAX_CALENDAR_BYTES, parseMessage } from '../../../src/message/parse.js';
import { LIMITS, fixture } from './tenants.js';

const sha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

function parse(name: string, limits: Partial<ParseLimits> = {}): Promise<ParsedMessage> {
  return parseMessage(fixture(name), { ...LIMITS, ...limits });
}

/** A small message built in the test, CRLF line ends. */
function eml(headers: string[], body?: string): Buffer {
  return Buffer.from(
    headers.join('\r\n') + '\r\n' + (body === undefined ? '' : '\r\n' + body.replace(/\r?\n/g, '\r\n')),
    'utf8',
  );
}

describe('parseMessage: headers and addresses', () => {
  it('reads the Gmail fixture: ids, threading, date, addresses, both bodies', async () => {
    const m = await parse('gmail-plus-delivered-to.eml');
    expect(m.messageId).toBe('<CAF3x9Lq3=ef56gh78@mail.example.net>');
    expect(m.inReplyTo).toBe('<20260301101500.GA4411@mail.example.net>');
    expect(m.references).toEqual([
      '<CAF3x9Lq1=ab12@mail.example.net>',
      '<CAF3x9Lq2=cd34@mail.example.com>',
      '<20260301101500.GA4411@mail.example.net>',
    ]);
    expect(m.date).toBe('2026-03-03T09:14:41.000Z');
    expect(m.subject).toBe('Re: Pricing for the Q2 renewal');
    expect(m.from).toEqual([{ name: 'Dana Whitfield', address: 'dana.whitfield@example.net' }]);
    expect(m.to).toEqual([{ name: 'Casper (Sales)', address: 'casper+sales@example.com' }]);
    expect(m.cc).toEqual([{ name: 'Priya Raman', address: 'priya.raman@example.org' }]);
    expect(m.replyTo).toEqual([{ name: 'Dana Whitfield', address: 'dana@example.net' }]);
    expect(m.text).toContain('could you send the updated pricing sheet — the one with the 12% discount');
    expect(m.html).toContain('<div dir="ltr">Hi Casper,');
    expect(m.truncated).toBe(false);
    expect(m.attachments).toEqual([]);
    expect(m.calendarParts).toEqual([]);
    expect(m.warnings).toEqual([]);
  });

  it('keeps every header, unfolded, lower-case names, in message order', async () => {
    const m = await parse('gmail-plus-delivered-to.eml');
    expect(m.headers[0]).toEqual({ name: 'delivered-to', value: 'casper+sales@example.com' });
    expect(headerValues(m.headers, 'received')).toHaveLength(2);
    for (const h of m.headers) {
      expect(h.name).toBe(h.name.toLowerCase());
      expect(h.value).not.toMatch(/[\r\n]/);
    }
    expect(firstHeader(m.headers, 'references')).toMatch(
      /^<CAF3x9Lq1=ab12@mail\.example\.net>\s+<CAF3x9Lq2=cd34@mail\.example\.com>\s+<20260301101500/,
    );
    expect(m.contentType).toBe('multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"');
  });

  it('decodes encoded-word display names (with an encoded comma) in From/To/Cc', async () => {
    const m = await parse('outlook-cc-encoded-names.eml');
    expect(m.from).toEqual([{ name: 'Müller, Jörg', address: 'joerg.mueller@example.net' }]);
    expect(m.to).toEqual([{ name: 'Hofmann, Lena', address: 'lena.hofmann@example.org' }]);
    expect(m.cc).toEqual([
      { name: 'Casper – Support, EMEA', address: 'casper+support@example.com' },
      { name: 'Åsa Lindström', address: 'asa.lindstrom@example.org' },
    ]);
    expect(m.subject).toBe('AW: Lieferung KW 12');
    expect(m.text).toContain('Mit freundlichen Grüßen\nJörg Müller');
    expect(m.warnings).toEqual([]);
  });

  it('flattens groups in To and reads quoted display names with commas', async () => {
    const group = await parse('group-syntax.eml');
    expect(group.to.map((a) => a.address)).toEqual(['anna.berg@example.org', 'casper+ops@example.com']);
    const outlook = await parse('outlook-redirect-to-commas.eml');
    expect(outlook.to).toEqual([
      { name: 'Whitfield, Dana', address: 'dana.whitfield@example.net' },
      { name: 'Casper, Sales Desk', address: 'casper+sales@example.com' },
    ]);
  });

  it('gives an empty list for an empty group (undisclosed-recipients:;)', async () => {
    const m = await parse('postfix-bcc-x-original-to.eml');
    expect(m.to).toEqual([]);
  });

  it('unquotes a quoted local part in the payload addresses', async () => {
    const m = await parse('quoted-local-part.eml');
    expect(m.to.map((a) => a.address)).toEqual(['casper+sales@example.com']);
  });

  it('uses null and empty values where headers are absent', async () => {
    const m = await parseMessage(
      eml(['From: a@example.org', 'To: casper+sales@example.com'], 'hi\n'),
      LIMITS,
    );
    expect(m.messageId).toBeNull();
    expect(m.inReplyTo).toBeNull();
    expect(m.references).toEqual([]);
    expect(m.date).toBeNull();
    expect(m.subject).toBe('');
    expect(m.cc).toEqual([]);
    expect(m.replyTo).toEqual([]);
    expect(m.html).toBeNull();
  });

  it('gives a null date, not a wrong one, for a Date header that does not parse', async () => {
    const m = await parseMessage(
      eml(['From: a@example.org', 'Date: sometime next week', 'Subject: x'], 'hi\n'),
      LIMITS,
    );
    expect(m.date).toBeNull();
  });

  it('removes a NUL byte from the subject (raw and inside an encoded-word)', async () => {
    const m = await parse('nul-in-subject.eml');
    expect(m.subject.includes('\u0000')).toBe(false);
    expect(m.subject).toContain('Scanner');
    expect(m.subject).toContain('failed');
  });
});

describe('parseMessage: bodies and charsets', () => {
  it('decodes ISO-8859-1 (encoded-word subject, quoted-printable body)', async () => {
    const m = await parse('charset-iso-8859-1.eml');
    expect(m.subject).toBe('Grüße aus Köln');
    expect(m.from[0]?.name).toBe('Jörg Müller');
    expect(m.text).toContain('Schöne Grüße aus Köln - äöüß ÄÖÜ.');
    expect(m.warnings).toEqual([]);
  });

  it('decodes Windows-1252 (smart quotes, en dash, euro sign)', async () => {
    const m = await parse('charset-windows-1252.eml');
    expect(m.subject).toBe('“Angebot” – 500 €');
    expect(m.text).toContain('Das “Angebot” über 500 € gilt bis Freitag – danke!');
    expect(m.warnings).toEqual([]);
  });

  it("decodes Outlook's ks_c_5601-1987 (Korean) without a charset warning", async () => {
    const m = await parse('charset-ks-c-5601-1987.eml');
    expect(m.subject).toBe('견적 요청');
    expect(m.from[0]?.name).toBe('김민준');
    expect(m.text).toContain('안녕하세요. 견적서를 보내 주세요.');
    expect(m.warnings).toEqual([]);
  });

  it('replaces bytes invalid in the declared UTF-8 with U+FFFD and warns', async () => {
    const m = await parse('charset-invalid-utf8.eml');
    expect(m.text).toContain('Die Rechnung \ufffdber');
    expect(m.warnings.length).toBeGreaterThan(0);
  });

  it('reads a part in an unknown charset instead of failing, and names the charset in a warning', async () => {
    const m = await parse('charset-unknown.eml');
    expect(m.text).toContain('Status report from the legacy box');
    expect(m.warnings.join('\n')).toContain('unknown-8bit');
  });

  it('decodes format=flowed (Thunderbird) but keeps the signature separator', async () => {
    const m = await parse('thunderbird-flowed-pdf.eml');
    expect(m.text).toContain('Bitte prüfen, ob alle Positionen stimmen, bevor die Ware rausgeht.');
    expect(m.text).toContain('\n-- \nJörg Müller');
    expect(m.html).toBeNull();
    expect(m.warnings).toEqual([]);
  });

  it('keeps an HTML-only message as html with text null (no conversion)', async () => {
    const m = await parse('newsletter-precedence-bulk.eml');
    expect(m.text).toBeNull();
    expect(m.html).toContain('<h1>March rates</h1>');
    expect(m.html).toContain('Rotterdam–Gdańsk');
  });

  it('reads a header-only message (no empty line, no body)', async () => {
    const m = await parse('header-only.eml');
    expect(m.subject).toBe('Call me');
    expect(m.to.map((a) => a.address)).toEqual(['casper+sales@example.com']);
    expect(m.text).toBeNull();
    expect(m.html).toBeNull();
    expect(m.attachments).toEqual([]);
  });

  describe('maxBodyChars', () => {
    const body = 'x'.repeat(50);
    const textMsg = eml(
      ['From: a@example.org', 'Subject: long', 'Content-Type: text/plain; charset=utf-8'],
      body,
    );

    it('cuts text longer than maxBodyChars, sets truncated and warns', async () => {
      const m = await parseMessage(textMsg, { ...LIMITS, maxBodyChars: 20 });
      expect(m.text).toBe('x'.repeat(20));
      expect(m.truncated).toBe(true);
      expect(m.warnings.length).toBeGreaterThan(0);
    });

    it('does not cut text of exactly maxBodyChars', async () => {
      const exact = await parseMessage(textMsg, LIMITS);
      const length = exact.text?.length ?? 0;
      const m = await parseMessage(textMsg, { ...LIMITS, maxBodyChars: length });
      expect(m.text).toBe(exact.text);
      expect(m.truncated).toBe(false);
      expect(m.warnings).toEqual([]);
    });

    it('cuts html too', async () => {
      const m = await parse('gmail-plus-delivered-to.eml', { maxBodyChars: 30 });
      expect(m.html).toHaveLength(30);
      expect(m.text).toHaveLength(30);
      expect(m.truncated).toBe(true);
    });

    it('does not cut a character in half (surrogate pair at the limit)', async () => {
      const emoji = eml(
        ['From: a@example.org', 'Subject: emoji', 'Content-Type: text/plain; charset=utf-8'],
        `abc\u{1F600}def`,
      );
      const m = await parseMessage(emoji, { ...LIMITS, maxBodyChars: 4 });
      expect(m.truncated).toBe(true);
      expect(m.text).not.toMatch(/[\ud800-\udbff]$/);
      expect(m.text?.startsWith('abc')).toBe(true);
    });
  });
});

describe('parseMessage: attachments', () => {
  const WHITEBOARD = {
    size: 369,
    sha256: 'fda923bca7793a38e8d07c3a0ce5b7bf0fbbcb90153c3c17c37079fba4d949f5',
  };
  const LIEFERSCHEIN = {
    size: 8665,
    sha256: '734dc3e04d6cea469243481742bcbbc0ea0e63e477d466d26a4327a4a494b74a',
  };

  it('reports an inline image of multipart/related (Apple Mail) with Content-ID, hash and content', async () => {
    const m = await parse('apple-mail-inline-image.eml');
    expect(m.attachments).toHaveLength(1);
    const [img] = m.attachments;
    expect(img).toMatchObject({
      filename: 'whiteboard.png',
      contentType: 'image/png',
      inline: true,
      ...WHITEBOARD,
    });
    expect(img?.contentId?.replace(/^<|>$/g, '')).toBe('0B7F3E2A-1C4D-4A5B-9E8F-7D6C5B4A3F21');
    const content = Buffer.from(img?.content ?? '', 'base64');
    expect(content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(sha256(content)).toBe(WHITEBOARD.sha256);
    expect(m.html).toContain('cid:0B7F3E2A-1C4D-4A5B-9E8F-7D6C5B4A3F21');
    expect(m.text).toContain('Here’s the whiteboard');
    expect(m.warnings).toEqual([]);
  });

  it('reports a PDF attachment (not inline) with the SHA-256 of its decoded bytes', async () => {
    const m = await parse('thunderbird-flowed-pdf.eml');
    expect(m.attachments).toHaveLength(1);
    const [pdf] = m.attachments;
    expect(pdf).toMatchObject({
      filename: 'Lieferschein-4711.pdf',
      contentType: 'application/pdf',
      inline: false,
      contentId: null,
      ...LIEFERSCHEIN,
    });
    const content = Buffer.from(pdf?.content ?? '', 'base64');
    expect(content.length).toBe(LIEFERSCHEIN.size);
    expect(sha256(content)).toBe(LIEFERSCHEIN.sha256);
    expect(content.subarray(0, 8).toString('latin1')).toBe('%PDF-1.4');
  });

  it('leaves content null but keeps size and sha256 when the attachment is larger than inlineAttachmentBytes', async () => {
    const m = await parse('thunderbird-flowed-pdf.eml', { inlineAttachmentBytes: 4096 });
    expect(m.attachments[0]).toMatchObject({
      ...LIEFERSCHEIN,
      content: null,
      filename: 'Lieferschein-4711.pdf',
    });
  });

  it('includes content at exactly inlineAttachmentBytes and not one byte below', async () => {
    const at = await parse('apple-mail-inline-image.eml', { inlineAttachmentBytes: WHITEBOARD.size });
    expect(at.attachments[0]?.content).not.toBeNull();
    const below = await parse('apple-mail-inline-image.eml', { inlineAttachmentBytes: WHITEBOARD.size - 1 });
    expect(below.attachments[0]).toMatchObject({ ...WHITEBOARD, content: null });
  });

  it('inlines attachments in message order until inlineTotalBytes is used up, then lists the rest without content, silently', async () => {
    const part = (n: number, size: number): string =>
      `--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="a${n}.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.alloc(size, n).toString('base64')}\r\n`;
    const raw = Buffer.from(
      `From: a@example.org\r\nTo: casper+sales@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${[1, 2, 3, 4].map((n) => part(n, n === 3 ? 500 : 1000)).join('')}--b--\r\n`,
    );
    const m = await parseMessage(raw, { ...LIMITS, inlineAttachmentBytes: 1000, inlineTotalBytes: 2500 });
    // 1000 + 1000 fit; the third (500) too; the fourth (1000) no longer does.
    expect(m.attachments.map((a) => [a.filename, a.size, a.content !== null])).toEqual([
      ['a1.bin', 1000, true],
      ['a2.bin', 1000, true],
      ['a3.bin', 500, true],
      ['a4.bin', 1000, false],
    ]);
    expect(m.attachments[3]?.sha256).toBe(sha256(Buffer.alloc(1000, 4)));
    // A well-formed message: nothing in warnings (SPEC §5); content null says it all.
    expect(m.warnings).toEqual([]);
  });

  it('lists a calendar part over MAX_CALENDAR_BYTES as an attachment but does not read it, with a warning', async () => {
    const event = 'BEGIN:VEVENT\r\nUID:e\r\nDTSTART:20261210T150000Z\r\nEND:VEVENT\r\n';
    const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${event.repeat(Math.ceil(MAX_CALENDAR_BYTES / event.length))}END:VCALENDAR\r\n`;
    const raw = eml(
      ['From: a@example.org', 'To: casper+sales@example.com', 'Content-Type: text/calendar; method=PUBLISH'],
      ics,
    );
    const m = await parseMessage(raw, LIMITS);
    expect(m.calendarParts).toEqual([]);
    expect(m.attachments.map((a) => [a.contentType, a.size, a.content])).toEqual([
      ['text/calendar', ics.length, null],
    ]);
    expect(m.warnings).toEqual([
      `calendar part text/calendar is larger than ${MAX_CALENDAR_BYTES} bytes; not read`,
    ]);
  });

  it('reads the parts of a multipart whose closing boundary never comes', async () => {
    const m = await parse('mime-missing-closing-boundary.eml');
    expect(m.text).toContain('The crash log is attached.');
    expect(m.attachments).toHaveLength(1);
    const [log] = m.attachments;
    expect(log?.filename).toBe('crash.log');
    expect(Buffer.from(log?.content ?? '', 'base64').toString('utf8')).toContain(
      'worker 3 exited with code 137',
    );
  });

  it('does not fail on a multipart whose announced boundary is never used', async () => {
    const m = await parse('mime-wrong-boundary.eml');
    expect(m.subject).toBe('Wrong boundary');
    expect(m.to.map((a) => a.address)).toEqual(['casper+support@example.com']);
  });

  it('reports what decodes of a truncated base64 attachment, hashed consistently', async () => {
    const m = await parse('mime-truncated-base64.eml');
    expect(m.attachments).toHaveLength(1);
    const [csv] = m.attachments;
    expect(csv?.filename).toBe('export.csv');
    const content = Buffer.from(csv?.content ?? '', 'base64');
    expect(csv?.size).toBe(content.length);
    expect(csv?.sha256).toBe(sha256(content));
    expect(content.length).toBeGreaterThan(0);
    expect(content.length).toBeLessThan(1074); // the complete export is 1074 bytes
    expect(
      content.toString('utf8').startsWith('2026-03-01;SKU-1000;0;EUR\n2026-03-02;SKU-1001;13;EUR\n'),
    ).toBe(true);
  });

  it('lists the parts of a DSN after the notification text', async () => {
    const m = await parse('postfix-dsn-bounce.eml');
    expect(m.contentType).toMatch(/^multipart\/report;/);
    expect(m.text).toContain('This is the mail system at host mx.example.com.');
    for (const a of m.attachments) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
