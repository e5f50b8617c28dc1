import { describe, expect, it } from 'vitest';

import { buildOutgoingMessage } from '../../../src/outbound/job.js';
import type { OutgoingMessage, SenderIdentity } from '../../../src/outbound/job.js';
import { sendgridBody } from '../../../src/outbound/sendgrid-sender.js';

const IDENTITY: SenderIdentity = {
  from: { name: 'Casper', address: 'casper@example.com' },
  replyBase: { mailbox: 'casper', delimiter: '+', domain: 'example.com' },
  messageIdDomain: 'example.com',
};

const PDF = Buffer.from('%PDF-1.7 quote');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('sendgridBody (v3 mail/send request body)', () => {
  it('carries the whole message: personalizations, from, reply_to, content, threading headers, attachments', () => {
    const m = buildOutgoingMessage(
      {
        to: [{ name: 'Bob Example', address: 'bob@example.org' }, 'carol@example.net'],
        cc: 'dave@example.com',
        bcc: [{ address: 'audit@example.com' }],
        subject: 'Re: Quote for 40 licences',
        html: '<p>Here it is.</p>',
        text: 'Here it is.',
        inReplyTo: '<q2@example.org>',
        references: ['<q1@example.org>', '<q2@example.org>'],
        alias: 'sales',
        attachments: [
          { filename: 'quote.pdf', contentType: 'application/pdf', content: PDF.toString('base64') },
          {
            filename: 'logo.png',
            contentType: 'image/png',
            content: PNG.toString('base64'),
            contentId: 'logo@example.com',
            inline: true,
          },
        ],
      },
      IDENTITY,
    );
    const body = sendgridBody(m);
    expect(body).toEqual({
      personalizations: [
        {
          to: [{ email: 'bob@example.org', name: 'Bob Example' }, { email: 'carol@example.net' }],
          cc: [{ email: 'dave@example.com' }],
          bcc: [{ email: 'audit@example.com' }],
        },
      ],
      from: { email: 'casper@example.com', name: 'Casper' },
      reply_to: { email: 'casper+sales@example.com', name: 'Casper' },
      subject: 'Re: Quote for 40 licences',
      content: [
        { type: 'text/plain', value: 'Here it is.' },
        { type: 'text/html', value: '<p>Here it is.</p>' },
      ],
      headers: {
        'Message-ID': m.messageId,
        'In-Reply-To': '<q2@example.org>',
        References: '<q1@example.org> <q2@example.org>',
      },
      attachments: [
        {
          content: PDF.toString('base64'),
          filename: 'quote.pdf',
          type: 'application/pdf',
          disposition: 'attachment',
        },
        {
          content: PNG.toString('base64'),
          filename: 'logo.png',
          type: 'image/png',
          disposition: 'inline',
          content_id: 'logo@example.com',
        },
      ],
    });
    expect(m.messageId).toMatch(/@example\.com>$/);
    // What goes over the wire is plain JSON.
    expect(JSON.parse(JSON.stringify(body))).toEqual(body);
  });

  it('leaves out what the message does not have (no empty cc/bcc, reply_to, attachments or threading headers)', () => {
    const m = buildOutgoingMessage({ to: 'bob@example.org', subject: 'Hi', text: 'Hello' }, IDENTITY);
    const body = sendgridBody(m);
    expect(body).toEqual({
      personalizations: [{ to: [{ email: 'bob@example.org' }] }],
      from: { email: 'casper@example.com', name: 'Casper' },
      subject: 'Hi',
      content: [{ type: 'text/plain', value: 'Hello' }],
      headers: { 'Message-ID': m.messageId },
    });
    expect(Object.keys(body)).not.toContain('reply_to');
    expect(Object.keys(body)).not.toContain('attachments');
  });

  it('sends html only as text/html, and a From without a name as a bare email', () => {
    const m = buildOutgoingMessage(
      { to: 'bob@example.org', subject: 'Hi', html: '<b>Hello</b>' },
      { ...IDENTITY, from: { name: null, address: 'casper@example.com' } },
    );
    const body = sendgridBody(m);
    expect(body.content).toEqual([{ type: 'text/html', value: '<b>Hello</b>' }]);
    expect(body.from).toEqual({ email: 'casper@example.com' });
  });

  it('names an attachment without a filename "attachment"', () => {
    const m = buildOutgoingMessage(
      { to: 'bob@example.org', subject: 'Hi', text: 'x', attachments: [{ content: PDF.toString('base64') }] },
      IDENTITY,
    );
    expect(sendgridBody(m).attachments).toEqual([
      {
        content: PDF.toString('base64'),
        filename: 'attachment',
        type: 'application/octet-stream',
        disposition: 'attachment',
      },
    ]);
  });

  it("adds the daemon's own extra headers, but never lets them replace the Message-ID", () => {
    const base = buildOutgoingMessage(
      { to: 'casper@example.com', subject: 'validation', text: 'x' },
      IDENTITY,
    );
    const m: OutgoingMessage = {
      ...base,
      extraHeaders: {
        'Auto-Submitted': 'auto-generated',
        'X-Mail-Ingest-Validation': 'abc123',
        'Message-ID': '<other@x>',
      },
    };
    expect(sendgridBody(m).headers).toEqual({
      'Auto-Submitted': 'auto-generated',
      'X-Mail-Ingest-Validation': 'abc123',
      'Message-ID': base.messageId,
    });
  });
});
