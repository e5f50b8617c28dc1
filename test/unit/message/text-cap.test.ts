import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseMessage } from '../../../src/message/parse.js';
import { capTextBodies, MIN_RAW_BYTES_PER_CHAR, rawBytesPerChar } from '../../../src/message/text-cap.js';
import { LIMITS, fixture } from './tenants.js';

const sha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

async function through(
  raw: Buffer,
  maxChars: number,
): Promise<{ out: Buffer; cut: { text: boolean; html: boolean } }> {
  const { output, cut } = capTextBodies(Readable.from([raw]), maxChars);
  const chunks: Buffer[] = [];
  for await (const chunk of output as AsyncIterable<Buffer>) chunks.push(chunk);
  return { out: Buffer.concat(chunks), cut };
}

function multipart(parts: { headers: string[]; body: string }[]): Buffer {
  const body = parts.map((p) => `--b\r\n${p.headers.join('\r\n')}\r\n\r\n${p.body}\r\n`).join('');
  return Buffer.from(
    `From: a@example.org\r\nTo: casper+sales@example.com\r\nMessage-ID: <cap@example.org>\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${body}--b--\r\n`,
  );
}

const line = 'All work and no play makes Jack a dull boy.\r\n'; // 45 bytes

describe('rawBytesPerChar', () => {
  it('is the worst case of the charset, times the transfer encoding', () => {
    expect(rawBytesPerChar(false, false)).toBe(3); // default UTF-8, 8bit
    expect(rawBytesPerChar('UTF-8', 'quoted-printable')).toBeCloseTo(9.6);
    expect(rawBytesPerChar('utf-8', 'base64')).toBeCloseTo(4.2);
    expect(rawBytesPerChar('ISO-8859-1', '7bit')).toBe(2); // CRLF -> "\n": 2 bytes per character
    expect(rawBytesPerChar('windows-1252', false)).toBe(2);
    expect(rawBytesPerChar('UTF-16LE', false)).toBe(4);
    expect(rawBytesPerChar('utf-32', false)).toBe(8);
    expect(rawBytesPerChar('iso-2022-jp', false)).toBe(8);
    expect(rawBytesPerChar('x-made-up', 'quoted-printable')).toBeCloseTo(25.6);
  });

  it('is never below the bound the pipeline uses to skip the cap', () => {
    for (const charset of ['us-ascii', 'latin1', 'iso-8859-15', 'koi8-r', 'utf-8', 'gb18030', false] as const)
      for (const encoding of ['7bit', '8bit', 'binary', 'base64', 'quoted-printable', false] as const)
        expect(rawBytesPerChar(charset, encoding)).toBeGreaterThanOrEqual(MIN_RAW_BYTES_PER_CHAR);
  });
});

describe('capTextBodies', () => {
  it('passes every fixture through byte for byte when nothing is over the limit', async () => {
    const names = readdirSync(new URL('../../fixtures/messages/', import.meta.url)).filter((n) =>
      n.endsWith('.eml'),
    );
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) {
      const raw = fixture(name);
      const { out, cut } = await through(raw, 1_000_000);
      expect(sha256(out), name).toBe(sha256(raw));
      expect(cut).toEqual({ text: false, html: false });
    }
  });

  it('cuts a long text body to what can decode to maxChars, and says so', async () => {
    const raw = multipart([
      { headers: ['Content-Type: text/plain; charset=utf-8'], body: line.repeat(1000) },
    ]);
    const { out, cut } = await through(raw, 1000);
    expect(cut).toEqual({ text: true, html: false });
    expect(out.length).toBeLessThan(raw.length);
    // 1000 characters at 3 bytes each: the first 3000 bytes of the body survive.
    expect(out.toString()).toContain(line.repeat(66));
    expect(out.toString()).not.toContain(line.repeat(68));
    expect(out.toString()).toMatch(/--b--\r\n$/);
  });

  it('never cuts attachments, even text ones, and keeps their structure', async () => {
    const big = line.repeat(1000);
    const raw = multipart([
      { headers: ['Content-Type: text/plain'], body: 'short' },
      {
        headers: ['Content-Type: text/plain', 'Content-Disposition: attachment; filename="log.txt"'],
        body: big,
      },
      { headers: ['Content-Type: application/octet-stream'], body: big },
    ]);
    const { out, cut } = await through(raw, 1000);
    expect(cut).toEqual({ text: false, html: false });
    expect(sha256(out)).toBe(sha256(raw));
  });

  it('counts all text parts together, html on its own', async () => {
    const raw = multipart([
      { headers: ['Content-Type: text/plain'], body: line.repeat(30) }, // 1350 bytes = 450 chars at most
      { headers: ['Content-Type: text/html'], body: line.repeat(30) },
      { headers: ['Content-Type: text/plain'], body: line.repeat(30) },
      { headers: ['Content-Type: text/plain'], body: line.repeat(30) },
    ]);
    const { cut } = await through(raw, 1000);
    expect(cut).toEqual({ text: true, html: false });
  });
});

describe('parseMessage with capTextBodies', () => {
  const limits = { ...LIMITS, maxBodyChars: 1000 };

  it('gives the same text as without the cap, truncated to maxBodyChars', async () => {
    const raw = multipart([
      {
        headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
        body: 'Gr=C3=BC=C3=9Fe=\r\n ' + line.repeat(2000),
      },
      { headers: ['Content-Type: text/html'], body: `<p>${line.repeat(2000)}</p>` },
    ]);
    const plain = await parseMessage(raw, limits);
    const capped = await parseMessage(raw, limits, { capTextBodies: true });
    expect(capped.text).toBe(plain.text);
    expect(capped.html).toBe(plain.html);
    expect(capped.text).toHaveLength(1000);
    expect(capped.truncated).toBe(true);
    expect(capped.warnings).toEqual(plain.warnings);
  });

  it('marks a body truncated when bytes were dropped though what is left decodes short', async () => {
    // Soft line breaks only: 40 KB of quoted-printable that decodes to almost nothing.
    const raw = multipart([
      {
        headers: ['Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable'],
        body: 'hi ' + '=\r\n'.repeat(20_000) + 'end',
      },
    ]);
    const capped = await parseMessage(raw, limits, { capTextBodies: true });
    expect(capped.truncated).toBe(true);
    expect(capped.warnings).toContain('text truncated to 1000 characters');
    expect(capped.text).toBe('hi ');
  });
});
