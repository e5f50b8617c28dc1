/**
 * SmtpSender (nodemailer) against a real SMTP server in this process: encryption modes, AUTH,
 * certificate checks, pooling, and how every failure is classified (SPEC §5 / the issue).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { Secret } from '../../../src/config/secret.js';
import type { SmtpConfig } from '../../../src/config/types.js';
import { createTlsFiles } from '../../../src/devstack/tls-certificate.js';
import type { TlsFiles } from '../../../src/devstack/tls-certificate.js';
import { freePort } from '../../../src/devstack/ports.js';
import { SendError } from '../../../src/outbound/errors.js';
import { buildOutgoingMessage } from '../../../src/outbound/job.js';
import type { OutgoingMessage, SenderIdentity } from '../../../src/outbound/job.js';
import { SmtpSender } from '../../../src/outbound/smtp-sender.js';
import { parseReceived, startSmtpServer } from '../../helpers/smtp-server.js';
import type { TestSmtpOptions, TestSmtpServer } from '../../helpers/smtp-server.js';

const PASSWORD = 'smtp-pw-SENTINEL-7f3a';
const USER = 'relay@example.com';
const IDENTITY: SenderIdentity = {
  from: { name: 'Casper', address: 'casper@example.com' },
  replyBase: { mailbox: 'casper', delimiter: '+', domain: 'example.com' },
  messageIdDomain: 'example.com',
};

let dir = '';
let tls: TlsFiles;
const servers: TestSmtpServer[] = [];
const senders: SmtpSender[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mail-ingest-smtp-sender-'));
  tls = await createTlsFiles(path.join(dir, 'tls'));
});

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function server(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const s = await startSmtpServer({ tlsFiles: tls, auth: { user: USER, password: PASSWORD }, ...options });
  servers.push(s);
  return s;
}

function sender(s: { port: number }, config: Partial<SmtpConfig> = {}, pool = false): SmtpSender {
  const smtp = new SmtpSender(
    {
      kind: 'smtp',
      host: '127.0.0.1',
      port: s.port,
      encryption: 'starttls',
      caFile: tls.caPath,
      user: USER,
      password: new Secret(PASSWORD),
      ...config,
    },
    { pool, timeoutMs: 5_000 },
  );
  senders.push(smtp);
  return smtp;
}

function message(data: Record<string, unknown> = {}): OutgoingMessage {
  return buildOutgoingMessage(
    { to: 'bob@example.org', subject: 'Hello', text: 'Hi Bob.', ...data },
    IDENTITY,
  );
}

async function failure(p: Promise<unknown>): Promise<SendError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SendError);
    return err as SendError;
  }
  throw new Error('the send succeeded');
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64').replace(/=+$/, ''));
}

describe('SmtpSender', () => {
  it('sends over STARTTLS with AUTH, trusting the server through caFile; the message has every header', async () => {
    const s = await server();
    const m = message({
      to: [{ name: 'Bob Example', address: 'bob@example.org' }],
      cc: 'carol@example.net',
      bcc: 'audit@example.com',
      subject: 'Re: Quote – 40 licences',
      html: '<p>Here it is.</p>',
      inReplyTo: '<q2@example.org>',
      references: ['<q1@example.org>', '<q2@example.org>'],
      alias: 'sales',
      attachments: [
        {
          filename: 'quote.pdf',
          contentType: 'application/pdf',
          content: Buffer.from('%PDF-1.7').toString('base64'),
        },
        {
          filename: 'logo.png',
          contentType: 'image/png',
          content: Buffer.from('png').toString('base64'),
          contentId: 'logo@example.com',
          inline: true,
        },
      ],
    });
    const result = await sender(s).send(m);
    expect(result.replyCode).toBe(250);
    expect(result.messageId).toBe(m.messageId);

    expect(s.received).toHaveLength(1);
    const got = s.received[0]!;
    expect(got.secure).toBe(true);
    expect(got.user).toBe(USER);
    expect(got.mailFrom).toBe('casper@example.com');
    expect([...got.rcptTo].sort()).toEqual(['audit@example.com', 'bob@example.org', 'carol@example.net']);
    // AUTH happened only after the upgrade.
    expect(s.events.filter((e) => e.command === 'AUTH').map((e) => [e.code, e.secure])).toEqual([
      [235, true],
    ]);

    const p = await parseReceived(got);
    expect(p.from).toEqual([{ name: 'Casper', address: 'casper@example.com' }]);
    expect(p.to).toEqual([{ name: 'Bob Example', address: 'bob@example.org' }]);
    expect(p.cc).toEqual([{ name: '', address: 'carol@example.net' }]);
    expect(p.bccHeader).toBeNull();
    expect(p.replyTo).toEqual([{ name: 'Casper', address: 'casper+sales@example.com' }]);
    expect(p.subject).toBe('Re: Quote – 40 licences');
    expect(p.messageId).toBe(m.messageId);
    expect(p.messageId).toMatch(/@example\.com>$/);
    expect(p.inReplyTo).toBe('<q2@example.org>');
    expect(p.references).toEqual(['<q1@example.org>', '<q2@example.org>']);
    expect(p.text?.trim()).toBe('Hi Bob.');
    expect(p.html).toContain('<p>Here it is.</p>');
    // nodemailer puts inline parts into multipart/related: compare in name order.
    const attachments = [...p.attachments].sort((a, b) => (a.filename ?? '').localeCompare(b.filename ?? ''));
    expect(attachments.map((a) => [a.filename, a.contentType, a.content.toString(), a.disposition])).toEqual([
      ['logo.png', 'image/png', 'png', 'inline'],
      ['quote.pdf', 'application/pdf', '%PDF-1.7', 'attachment'],
    ]);
    expect(attachments[0]?.cid).toBe('logo@example.com');
  });

  it('sends over implicit TLS (encryption: tls)', async () => {
    const s = await server({ tls: 'implicit' });
    await sender(s, { encryption: 'tls' }).send(message());
    expect(s.received.map((r) => r.secure)).toEqual([true]);
  });

  it('sends in clear with encryption: none, without trying STARTTLS', async () => {
    const s = await server({ tls: 'starttls' });
    await sender(s, { encryption: 'none', caFile: null }).send(message());
    expect(s.received.map((r) => r.secure)).toEqual([false]);
  });

  it('sends without AUTH when no user/password is configured', async () => {
    const s = await server({ auth: undefined });
    await sender(s, { user: null, password: null }).send(message());
    expect(s.received.map((r) => r.user)).toEqual([null]);
    expect(s.events.some((e) => e.command === 'AUTH')).toBe(false);
  });

  it('refuses a server that does not offer STARTTLS when starttls is configured: nothing goes out in clear', async () => {
    const s = await server({ tls: 'none' });
    const e = await failure(sender(s).send(message()));
    expect(s.received).toHaveLength(0);
    expect(s.events.filter((x) => x.command === 'AUTH' || x.command === 'MAIL')).toEqual([]);
    // The operator must learn that STARTTLS is what is missing (validate prints this text), not
    // just the server's "500 command not recognized".
    expect(e.kind).toBe('tls');
    expect(e.message).toMatch(/STARTTLS/i);
  });

  it('does not trust a certificate it cannot verify (no caFile): a TLS failure, nothing sent, password not sent', async () => {
    const s = await server();
    const e = await failure(sender(s, { caFile: null }).send(message()));
    expect(e).toMatchObject({ kind: 'tls', permanent: false, replyCode: null });
    expect(e.message).toMatch(/certificate/i);
    expect(s.received).toHaveLength(0);
    expect(s.events.some((x) => x.command === 'AUTH')).toBe(false);
  });

  it('classifies 535 as a permanent auth failure, with the server text and without the password it echoed', async () => {
    const s = await server({
      auth: {
        user: USER,
        password: 'the-real-one',
        failureText: (u, p) => `5.7.8 bad credentials for ${u} / ${p} (${Buffer.from(p).toString('base64')})`,
      },
    });
    const e = await failure(sender(s).send(message()));
    expect(e).toMatchObject({ kind: 'auth', permanent: true, replyCode: 535, code: 'SEND_AUTH' });
    expect(e.message).toMatch(/535/);
    expect(e.message).toMatch(/bad credentials for relay@example\.com/);
    expectNoSecret(e.message);
    expect(s.received).toHaveLength(0);
  });

  it.each<[string, 'rcpt' | 'data', number, boolean, string]>([
    ['550 to RCPT', 'rcpt', 550, true, 'rejected'],
    ['554 to DATA', 'data', 554, true, 'rejected'],
    ['451 to RCPT', 'rcpt', 451, false, 'transient'],
    ['452 to DATA', 'data', 452, false, 'transient'],
  ])('classifies %s', async (_name, stage, code, permanent, kind) => {
    const s = await server();
    s.replyAlways(stage, code);
    const e = await failure(sender(s).send(message()));
    expect(e).toMatchObject({ kind, permanent, replyCode: code });
    expect(e.message).toContain(String(code));
    expect(s.received).toHaveLength(0);
  });

  it('classifies a refused connection as a retryable network error', async () => {
    const port = await freePort();
    const e = await failure(sender({ port }).send(message()));
    expect(e).toMatchObject({ kind: 'network', permanent: false, replyCode: null });
    expect(e.message).toMatch(/ECONNREFUSED|ECONNECTION/);
  });

  it('reuses one pooled connection for consecutive messages', async () => {
    const s = await server();
    const smtp = sender(s, {}, true);
    await smtp.send(message({ subject: 'one' }));
    await smtp.send(message({ subject: 'two' }));
    await smtp.send(message({ subject: 'three' }));
    expect(s.received).toHaveLength(3);
    expect(s.connections).toBe(1);
  });
});
