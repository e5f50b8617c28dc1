import { describe, expect, it } from 'vitest';

import { decodeCalendarBytes } from '../../../../src/message/calendar/decode.js';

const LATIN1 = Buffer.from("SUMMARY:D\u00e9jeuner \u00e0 l'h\u00f4tel\r\n", 'latin1');
const UTF8 = Buffer.from("SUMMARY:D\u00e9jeuner \u00e0 l'h\u00f4tel\r\n", 'utf8');
const TEXT = "SUMMARY:D\u00e9jeuner \u00e0 l'h\u00f4tel\r\n";

function decode(bytes: Buffer, charset: string | null): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  return { text: decodeCalendarBytes(bytes, charset, warnings), warnings };
}

describe('decodeCalendarBytes', () => {
  it('reads UTF-8 when no charset is declared (RFC 5545 default) without a warning', () => {
    expect(decode(UTF8, null)).toEqual({ text: TEXT, warnings: [] });
  });

  it.each([['utf-8'], ['UTF-8'], ['utf8'], ['us-ascii']])('reads UTF-8 bytes under charset=%s', (charset) => {
    expect(decode(UTF8, charset)).toEqual({ text: TEXT, warnings: [] });
  });

  it('honours a declared ISO-8859-1 charset', () => {
    expect(decode(LATIN1, 'iso-8859-1')).toEqual({ text: TEXT, warnings: [] });
  });

  it('honours a declared windows-1252 charset, including its euro sign', () => {
    const bytes = Buffer.from([...Buffer.from('SUMMARY:Preis 25 '), 0x80, 0x0d, 0x0a]);
    expect(decode(bytes, 'windows-1252').text).toBe('SUMMARY:Preis 25 \u20ac\r\n');
  });

  it('reads ISO-8859-1 bytes without a charset parameter (Outlook 2003 export) as Western text', () => {
    expect(decode(LATIN1, null).text).toBe(TEXT);
  });

  it('falls back to Windows-1252 with a warning when the bytes are not the declared UTF-8', () => {
    const { text, warnings } = decode(LATIN1, 'utf-8');
    expect(text).toBe(TEXT);
    expect(warnings).toHaveLength(1);
  });

  it('warns about a charset it does not know and still returns the text', () => {
    const { text, warnings } = decode(UTF8, 'x-unknown-8bit');
    expect(text).toBe(TEXT);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.join(' ')).toContain('x-unknown-8bit');
  });

  it('drops a UTF-8 byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('BEGIN:VCALENDAR\r\n')]);
    expect(decode(bytes, null)).toEqual({ text: 'BEGIN:VCALENDAR\r\n', warnings: [] });
    expect(decode(bytes, 'utf-8')).toEqual({ text: 'BEGIN:VCALENDAR\r\n', warnings: [] });
  });

  it('keeps CRLF and LF line ends but unfolds folded lines at the octet level (RFC 5545 §3.1)', () => {
    const text = 'BEGIN:VCALENDAR\nSUMMARY:a long\r\n  folded line\r\nEND:VCALENDAR\r\n';
    expect(decode(Buffer.from(text), null).text).toBe(
      'BEGIN:VCALENDAR\nSUMMARY:a long folded line\r\nEND:VCALENDAR\r\n',
    );
  });

  it('returns an empty string for an empty part', () => {
    expect(decode(Buffer.alloc(0), null)).toEqual({ text: '', warnings: [] });
  });
});
