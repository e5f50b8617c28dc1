/**
 * SendgridSender against a local stand-in for the v3 mail-send API: request shape, bearer key,
 * and how every answer is classified (SPEC §5 / the issue).
 */
import { afterEach, describe, expect, it } from 'vitest';

import { Secret } from '../../../src/config/secret.js';
import { freePort } from '../../../src/devstack/ports.js';
import { SendError } from '../../../src/outbound/errors.js';
import { buildOutgoingMessage } from '../../../src/outbound/job.js';
import type { OutgoingMessage, SenderIdentity } from '../../../src/outbound/job.js';
import { SendgridSender, sendgridBody } from '../../../src/outbound/sendgrid-sender.js';
import { startSendgridServer } from '../../helpers/sendgrid-server.js';
import type { TestSendgridServer } from '../../helpers/sendgrid-server.js';

const KEY = 'SG.apikey-SENTINEL-91c2';
const IDENTITY: SenderIdentity = {
  from: { name: 'Casper', address: 'casper@example.com' },
  replyBase: { mailbox: 'casper', delimiter: '+', domain: 'example.com' },
  messageIdDomain: 'example.com',
};

const servers: TestSendgridServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function server(options: { echoKeyOn401?: boolean } = {}): Promise<TestSendgridServer> {
  const s = await startSendgridServer({ apiKey: KEY, ...options });
  servers.push(s);
  return s;
}

function sender(endpoint: string, key = KEY): SendgridSender {
  return new SendgridSender({ kind: 'sendgrid', apiKey: new Secret(key), endpoint }, 5_000);
}

function message(): OutgoingMessage {
  return buildOutgoingMessage(
    {
      to: 'bob@example.org',
      subject: 'Re: quote',
      text: 'Here.',
      inReplyTo: '<q1@example.org>',
      references: '<q1@example.org>',
      alias: 'sales',
    },
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

describe('SendgridSender', () => {
  it('POSTs the v3 body to <endpoint>/v3/mail/send with the bearer key', async () => {
    const s = await server();
    const m = message();
    const result = await sender(s.endpoint).send(m);
    expect(result).toEqual({
      replyCode: 202,
      response: expect.stringMatching(/^202\b/) as string,
      messageId: m.messageId,
    });
    expect(s.requests).toHaveLength(1);
    const req = s.requests[0]!;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/v3/mail/send',
      authorization: `Bearer ${KEY}`,
      status: 202,
    });
    expect(req.contentType).toMatch(/^application\/json/);
    expect(req.body).toEqual(sendgridBody(m));
  });

  it.each<[number, string, boolean]>([
    [400, 'rejected', true],
    [403, 'auth', true],
    [413, 'rejected', true],
    [429, 'transient', false],
    [500, 'transient', false],
    [503, 'transient', false],
  ])(
    "classifies HTTP %i as %s (permanent: %s), with SendGrid's error text",
    async (status, kind, permanent) => {
      const s = await server();
      s.script(status);
      const e = await failure(sender(s.endpoint).send(message()));
      expect(e).toMatchObject({ kind, permanent, replyCode: status });
      expect(e.message).toMatch(new RegExp(`^SendGrid ${status}: \\S`));
    },
  );

  it('classifies a wrong key (401) as a permanent auth failure, quoting SendGrid', async () => {
    const s = await server();
    const e = await failure(sender(s.endpoint, 'SG.wrong-key').send(message()));
    expect(e).toMatchObject({ kind: 'auth', permanent: true, replyCode: 401, code: 'SEND_AUTH' });
    expect(e.message).toBe('SendGrid 401: The provided authorization grant is invalid, expired, or revoked');
  });

  it('removes the key from an error text that echoes it', async () => {
    const s = await server({ echoKeyOn401: true });
    const wrong = 'SG.wrong-key-SENTINEL-55aa';
    const e = await failure(sender(s.endpoint, wrong).send(message()));
    expect(s.requests[0]?.raw).toBeDefined();
    expect(e.message).toMatch(/authorization grant/);
    expect(e.message).not.toContain(wrong);
  });

  it('classifies a refused connection as a retryable network error', async () => {
    const port = await freePort();
    const e = await failure(sender(`http://127.0.0.1:${port}`).send(message()));
    expect(e).toMatchObject({ kind: 'network', permanent: false, replyCode: null });
  });

  it('answers in sequence: 429 then 202', async () => {
    const s = await server();
    s.script(429);
    const sg = sender(s.endpoint);
    await failure(sg.send(message()));
    await expect(sg.send(message())).resolves.toMatchObject({ replyCode: 202 });
    expect(s.requests.map((r) => r.status)).toEqual([429, 202]);
  });
});
