import { describe, expect, it } from 'vitest';

import { SendError } from '../../../src/outbound/errors.js';
import { buildOutgoingMessage, parseFrom } from '../../../src/outbound/job.js';
import type { SenderIdentity } from '../../../src/outbound/job.js';

const IDENTITY: SenderIdentity = {
  from: { name: 'Casper', address: 'casper@example.com' },
  replyBase: { mailbox: 'casper', delimiter: '+', domain: 'example.com' },
  messageIdDomain: 'example.com',
};

const BASE = { to: 'bob@example.org', subject: 'Hello', text: 'Hi Bob.' };

/** The SendError a bad job is refused with (never anything else). */
function refusal(data: unknown, identity: SenderIdentity = IDENTITY): SendError {
  try {
    buildOutgoingMessage(data, identity);
  } catch (err) {
    expect(err).toBeInstanceOf(SendError);
    return err as SendError;
  }
  throw new Error(`job was accepted: ${JSON.stringify(data)}`);
}

function expectBadJob(data: unknown, pattern: RegExp): void {
  const e = refusal(data);
  expect(e).toMatchObject({ kind: 'bad-job', permanent: true, code: 'SEND_BAD_JOB', replyCode: null });
  expect(e.message).toMatch(pattern);
}

describe('buildOutgoingMessage', () => {
  it('turns a minimal job into a message from the assistant', () => {
    const m = buildOutgoingMessage(BASE, IDENTITY);
    expect(m).toMatchObject({
      from: { name: 'Casper', address: 'casper@example.com' },
      replyTo: null,
      to: [{ name: null, address: 'bob@example.org' }],
      cc: [],
      bcc: [],
      subject: 'Hello',
      text: 'Hi Bob.',
      html: null,
      inReplyTo: null,
      references: [],
      attachments: [],
      extraHeaders: {},
    });
  });

  it('generates a fresh Message-ID on the identity domain for every message', () => {
    const a = buildOutgoingMessage(BASE, IDENTITY).messageId;
    const b = buildOutgoingMessage(BASE, IDENTITY).messageId;
    expect(a).toMatch(/^<[^<>@\s]+@example\.com>$/);
    expect(b).toMatch(/^<[^<>@\s]+@example\.com>$/);
    expect(a).not.toBe(b);
    const other = buildOutgoingMessage(BASE, { ...IDENTITY, messageIdDomain: 'assistant.example' }).messageId;
    expect(other).toMatch(/@assistant\.example>$/);
  });

  it('accepts recipients as a comma list, an array of strings, or {name, address} objects', () => {
    const m = buildOutgoingMessage(
      {
        ...BASE,
        to: ' bob@example.org , carol@example.net ',
        cc: ['dave@example.com', { name: 'Erin Example', address: 'erin@example.com' }],
        bcc: [{ address: 'audit@example.com' }],
      },
      IDENTITY,
    );
    expect(m.to).toEqual([
      { name: null, address: 'bob@example.org' },
      { name: null, address: 'carol@example.net' },
    ]);
    expect(m.cc).toEqual([
      { name: null, address: 'dave@example.com' },
      { name: 'Erin Example', address: 'erin@example.com' },
    ]);
    expect(m.bcc).toEqual([{ name: null, address: 'audit@example.com' }]);
  });

  it('keeps In-Reply-To and References (array as given, string split at whitespace)', () => {
    const arr = buildOutgoingMessage(
      { ...BASE, inReplyTo: '<q2@example.org>', references: ['<q1@example.org>', '<q2@example.org>'] },
      IDENTITY,
    );
    expect(arr.inReplyTo).toBe('<q2@example.org>');
    expect(arr.references).toEqual(['<q1@example.org>', '<q2@example.org>']);
    const str = buildOutgoingMessage(
      { ...BASE, references: '  <q1@example.org>   <q2@example.org> ' },
      IDENTITY,
    );
    expect(str.references).toEqual(['<q1@example.org>', '<q2@example.org>']);
    const empty = buildOutgoingMessage({ ...BASE, references: ['', '<q1@example.org>'] }, IDENTITY);
    expect(empty.references).toEqual(['<q1@example.org>']);
  });

  it('accepts text only, html only, or both', () => {
    expect(
      buildOutgoingMessage({ to: 'a@example.org', subject: 's', html: '<p>x</p>' }, IDENTITY),
    ).toMatchObject({
      text: null,
      html: '<p>x</p>',
    });
    expect(buildOutgoingMessage({ ...BASE, html: '<p>x</p>' }, IDENTITY)).toMatchObject({
      text: 'Hi Bob.',
      html: '<p>x</p>',
    });
  });

  it('ignores unknown keys (any producer may add its own)', () => {
    expect(buildOutgoingMessage({ ...BASE, priority: 'high', workspace: 'ws-1' }, IDENTITY).subject).toBe(
      'Hello',
    );
  });

  it('decodes base64 attachments and fills their defaults', () => {
    const m = buildOutgoingMessage(
      {
        ...BASE,
        attachments: [
          {
            filename: 'quote.pdf',
            contentType: 'application/pdf',
            content: Buffer.from('%PDF-1.7').toString('base64'),
          },
          { content: Buffer.from('raw').toString('base64') },
          {
            filename: 'logo.png',
            contentType: 'image/png',
            content: 'iVBORw0KGgo=',
            contentId: '<logo@x>',
            inline: true,
          },
        ],
      },
      IDENTITY,
    );
    expect(m.attachments).toHaveLength(3);
    expect(m.attachments[0]).toMatchObject({
      filename: 'quote.pdf',
      contentType: 'application/pdf',
      contentId: null,
      inline: false,
    });
    expect(m.attachments[0]?.content.toString()).toBe('%PDF-1.7');
    expect(m.attachments[1]).toMatchObject({
      filename: null,
      contentType: 'application/octet-stream',
      contentId: null,
      inline: false,
    });
    expect(m.attachments[1]?.content.toString()).toBe('raw');
    expect(m.attachments[2]).toMatchObject({ filename: 'logo.png', contentId: '<logo@x>', inline: true });
  });

  describe('Reply-To for a workspace alias', () => {
    it('points replies at mailbox+alias@domain, with the display name', () => {
      const m = buildOutgoingMessage({ ...BASE, alias: 'sales' }, IDENTITY);
      expect(m.replyTo).toEqual({ name: 'Casper', address: 'casper+sales@example.com' });
      expect(m.from).toEqual({ name: 'Casper', address: 'casper@example.com' });
    });

    it('lower-cases the alias and uses the configured delimiter', () => {
      const m = buildOutgoingMessage(
        { ...BASE, alias: 'Sales.EU' },
        { ...IDENTITY, replyBase: { mailbox: 'casper', delimiter: '-', domain: 'example.com' } },
      );
      expect(m.replyTo?.address).toBe('casper-sales.eu@example.com');
    });

    it('has no Reply-To without an alias, or without a mailbox to point it at', () => {
      expect(buildOutgoingMessage(BASE, IDENTITY).replyTo).toBeNull();
      expect(
        buildOutgoingMessage({ ...BASE, alias: 'sales' }, { ...IDENTITY, replyBase: null }).replyTo,
      ).toBeNull();
    });

    it.each(['-sales', 'sa les', '', 'a'.repeat(65), 'sales@x', 'sales+eu'])(
      'refuses the invalid alias %j',
      (alias) => {
        expectBadJob({ ...BASE, alias }, /alias/);
      },
    );
  });

  describe('refuses malformed jobs as permanent bad-job errors', () => {
    it.each<[string, unknown, RegExp]>([
      ['no data', null, /invalid outbound job/],
      ['a string', 'send it', /invalid outbound job/],
      ['no recipient key', { subject: 's', text: 't' }, /to/],
      ['an empty recipient list', { ...BASE, to: [] }, /no recipient/],
      ['a blank recipient string', { ...BASE, to: ' , ' }, /no recipient/],
      ['no subject', { to: 'a@example.org', text: 't' }, /subject/],
      ['a numeric subject', { ...BASE, subject: 42 }, /subject/],
      ['neither text nor html', { to: 'a@example.org', subject: 's' }, /text or html/],
      ['a recipient that is no address', { ...BASE, to: 'bob' }, /to: "bob" is not an e-mail address/],
      ['a cc without a domain', { ...BASE, cc: ['x@'] }, /cc/],
      [
        'a bcc with two addresses in one entry',
        { ...BASE, bcc: [{ address: 'a@example.org b@example.org' }] },
        /bcc/,
      ],
      ['an attachment without content', { ...BASE, attachments: [{ filename: 'x.txt' }] }, /attachments/],
      ['references of the wrong type', { ...BASE, references: 42 }, /references/],
    ])('%s', (_name, data, pattern) => {
      expectBadJob(data, pattern);
    });
  });

  describe('header injection (CR, LF or NUL in any header value) is refused before sending', () => {
    const evil = (sep: string): string => `x${sep}Bcc: victim@evil.example`;
    const cases: [string, (v: string) => Record<string, unknown>][] = [
      ['subject', (v) => ({ ...BASE, subject: v })],
      ['to (string)', (v) => ({ ...BASE, to: `bob@example.org${v.slice(1)}` })],
      ['to (array entry)', (v) => ({ ...BASE, to: [`bob@example.org${v.slice(1)}`] })],
      ['to address', (v) => ({ ...BASE, to: [{ address: `bob@example.org${v.slice(1)}` }] })],
      ['to name', (v) => ({ ...BASE, to: [{ name: `Bob${v}`, address: 'bob@example.org' }] })],
      ['cc address', (v) => ({ ...BASE, cc: `carol@example.org${v.slice(1)}` })],
      ['cc name', (v) => ({ ...BASE, cc: [{ name: `Carol${v}`, address: 'carol@example.org' }] })],
      ['bcc address', (v) => ({ ...BASE, bcc: [`dave@example.org${v.slice(1)}`] })],
      ['bcc name', (v) => ({ ...BASE, bcc: [{ name: `Dave${v}`, address: 'dave@example.org' }] })],
      ['inReplyTo', (v) => ({ ...BASE, inReplyTo: `<q1@example.org>${v}` })],
      [
        'references (array entry)',
        (v) => ({ ...BASE, references: ['<q0@example.org>', `<q1@example.org>${v}`] }),
      ],
      ['alias', (v) => ({ ...BASE, alias: `sales${v}` })],
      [
        'attachment filename',
        (v) => ({ ...BASE, attachments: [{ filename: `a.pdf${v}`, content: 'AA==' }] }),
      ],
      [
        'attachment contentType',
        (v) => ({ ...BASE, attachments: [{ contentType: `text/plain${v}`, content: 'AA==' }] }),
      ],
      [
        'attachment contentId',
        (v) => ({ ...BASE, attachments: [{ contentId: `<c@x>${v}`, content: 'AA==' }] }),
      ],
    ];
    for (const [sep, label] of [
      ['\r\n', 'CRLF'],
      ['\n', 'LF'],
      ['\r', 'CR'],
    ] as const) {
      it.each(cases)(`${label} in %s`, (_field, make) => {
        expectBadJob(make(evil(sep)), /header injection refused/);
      });
    }

    it('NUL in the subject', () => {
      expectBadJob({ ...BASE, subject: 'a\u0000b' }, /header injection refused: subject/);
    });

    it('names the field (never the value) in the refusal', () => {
      const e = refusal({ ...BASE, inReplyTo: '<q1@example.org>\r\nBcc: victim@evil.example' });
      expect(e.message).toBe('header injection refused: inReplyTo contains CR, LF or NUL');
    });

    // A references *string* is split at whitespace, and CR/LF are whitespace: the injected line
    // would silently become References tokens instead of failing the job as SPEC §5 demands.
    it('CRLF inside a references string', () => {
      expectBadJob(
        { ...BASE, references: '<q1@example.org>\r\nBcc: victim@evil.example' },
        /header injection refused/,
      );
    });

    it('leaves CR/LF in the bodies alone (they are not headers)', () => {
      const m = buildOutgoingMessage(
        { ...BASE, text: 'line 1\r\nline 2\n', html: '<p>a</p>\r\n<p>b</p>' },
        IDENTITY,
      );
      expect(m.text).toBe('line 1\r\nline 2\n');
    });
  });
});

describe('parseFrom', () => {
  it.each<[string, { name: string | null; address: string }]>([
    ['Casper <casper@assistant.example>', { name: 'Casper', address: 'casper@assistant.example' }],
    [
      '"Casper, the assistant" <casper@assistant.example>',
      { name: 'Casper, the assistant', address: 'casper@assistant.example' },
    ],
    ['<casper@assistant.example>', { name: null, address: 'casper@assistant.example' }],
    ['  casper@assistant.example ', { name: null, address: 'casper@assistant.example' }],
  ])('%j', (from, expected) => {
    expect(parseFrom(from)).toEqual(expected);
  });
});
