import type { EventEmitter } from 'node:events';
import { Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';

import { Joiner, Splitter } from '@zone-eu/mailsplit';
import type { MimeNode, SplitterChunk } from '@zone-eu/mailsplit';

/**
 * The most raw bytes one UTF-16 code unit of decoded body text can take, by the part's
 * charset and transfer encoding: anything beyond maxBodyChars times this is text the payload
 * would cut anyway. Line breaks count too: CRLF becomes one "\n" (4 bytes in UTF-16, 8 in UTF-32).
 */
export function rawBytesPerChar(charset: string | false | null, encoding: string | false | null): number {
  const name = (charset || 'utf-8').toLowerCase().replace(/[^a-z0-9]/g, '');
  const perChar = /^(?:utf8|usascii|ascii)$/.test(name)
    ? 3
    : SINGLE_BYTE.test(name)
      ? 2
      : /^(?:utf16|ucs2)/.test(name)
        ? 4
        : // UTF-32, and every multi-byte or stateful charset (ISO-2022 escapes) at their worst.
          8;
  const transfer = (encoding || '').toLowerCase();
  // base64: 4 bytes per 3, plus CRLF every 76; quoted-printable: =XX per byte, plus "=" CRLF every 75.
  return perChar * (transfer === 'base64' ? 1.4 : transfer === 'quoted-printable' ? 3.2 : 1);
}

const SINGLE_BYTE =
  /^(?:iso8859\d+|latin\d|windows125\d|cp125\d|koi8[ru]?|macintosh|mac|cp437|cp850|cp866|ibm\d+|tis620|windows874)$/;

/** Messages up to this many bytes per maxBodyChars cannot hold more body text than is kept. */
export const MIN_RAW_BYTES_PER_CHAR = 2;

/** Which bodies lost bytes. */
export interface TextCut {
  text: boolean;
  html: boolean;
}

// Exactly the parts mailparser collects into `text` and `html` (the rest become attachments,
// which are streamed through a hash and must never be cut).
const BODY_KIND: Readonly<Record<string, keyof TextCut>> = {
  'text/plain': 'text',
  'message/delivery-status': 'text',
  'text/html': 'html',
};

/**
 * mailparser collects a message's text and html bodies whole, a few times over (chunks, joined
 * buffer, string, line-ending copy), before the payload keeps the first maxBodyChars of them: a
 * 40 MB text body cost ~200 MB. This stage sits in front of it (split into MIME parts, re-joined
 * byte for byte) and drops the raw bytes of those bodies beyond what can decode to `maxChars`
 * (per body kind, all parts of a kind together), so the parser never holds more than that.
 * Attachments and structure pass untouched.
 */
export function capTextBodies(input: Readable, maxChars: number): { output: Readable; cut: TextCut } {
  const cut: TextCut = { text: false, html: false };
  // Characters (at least) that the body bytes passed so far decode to, per kind.
  const chars: Record<keyof TextCut, number> = { text: 0, html: 0 };
  let kind: keyof TextCut | null = null;
  let perChar = 1;
  const cap = new Transform({
    objectMode: true,
    transform(chunk: SplitterChunk, _encoding: BufferEncoding, done: TransformCallback): void {
      if (chunk.type === 'node') {
        kind = bodyKind(chunk);
        perChar = rawBytesPerChar(chunk.charset, chunk.encoding);
        done(null, chunk);
        return;
      }
      if (chunk.type !== 'body' || kind === null) {
        done(null, chunk);
        return;
      }
      const room = Math.max(0, Math.ceil((maxChars - chars[kind]) * perChar));
      chars[kind] += chunk.value.length / perChar;
      if (room >= chunk.value.length) {
        done(null, chunk);
        return;
      }
      cut[kind] = true;
      if (room > 0) chunk.value = chunk.value.subarray(0, room);
      done(null, room > 0 ? chunk : undefined);
    },
  });
  const splitter = new Splitter();
  const joiner = new Joiner();
  // Any stage's failure is the output's failure (mailsplit types its streams' events narrowly).
  for (const stage of [input, splitter, cap] as EventEmitter[])
    stage.once('error', (err: Error) => joiner.destroy(err));
  input.pipe(splitter).pipe(cap).pipe(joiner);
  // A Transform at runtime; its declaration narrows the events to 'data'.
  return { output: joiner as unknown as Readable, cut };
}

/** As mailparser decides it: a text type (root default text/plain), inline or no disposition. */
function bodyKind(node: MimeNode): keyof TextCut | null {
  if (node.multipart) return null;
  const type = (node.contentType || (node.root ? 'text/plain' : '')).toLowerCase();
  const kind = BODY_KIND[type];
  if (kind === undefined) return null;
  return !node.disposition || node.disposition === 'inline' ? kind : null;
}
