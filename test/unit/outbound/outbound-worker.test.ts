/**
 * OutboundWorker.process: one job -> one send, and the failure class decides whether BullMQ may
 * retry (plain Error) or must fail the job for good (UnrecoverableError). Also what is logged.
 */
import { Writable } from 'node:stream';

import { UnrecoverableError } from 'bullmq';
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';

import { createLogger } from '../../../src/observability/logger.js';
import { SendError } from '../../../src/outbound/errors.js';
import type { OutgoingMessage, SenderIdentity } from '../../../src/outbound/job.js';
import type { MailSender, SendResult } from '../../../src/outbound/sender.js';
import { OutboundWorker } from '../../../src/queue/outbound-worker.js';

const IDENTITY: SenderIdentity = {
  from: { name: 'Casper', address: 'casper@example.com' },
  replyBase: { mailbox: 'casper', delimiter: '+', domain: 'example.com' },
  messageIdDomain: 'example.com',
};

class FakeSender implements MailSender {
  readonly sent: OutgoingMessage[] = [];
  constructor(
    readonly transport: 'smtp' | 'sendgrid',
    private readonly outcome: SendResult | SendError | Error,
  ) {}

  send(message: OutgoingMessage): Promise<SendResult> {
    this.sent.push(message);
    if (this.outcome instanceof Error) return Promise.reject(this.outcome);
    return Promise.resolve({ ...this.outcome, messageId: message.messageId });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(outcome: SendResult | SendError | Error, transport: 'smtp' | 'sendgrid' = 'smtp') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger({ level: 'info' }, stream).child({ tenant: 'acme', component: 'outbound' });
  const sender = new FakeSender(transport, outcome);
  const worker = new OutboundWorker('acme.outbound', 'redis://127.0.0.1:1', 'bull', sender, IDENTITY, log);
  return { worker, sender, lines };
}

function job(data: unknown, id = '42', attemptsMade = 0): Job {
  return { id, name: 'anything', data, attemptsMade } as unknown as Job;
}

const GOOD = { to: 'bob@example.org', subject: 'Hello', text: 'Hi.' };

async function thrown(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('process() resolved');
}

describe('OutboundWorker.process', () => {
  it('sends the job as the assistant and logs tenant, job id, transport and reply code', async () => {
    const { worker, sender, lines } = setup({ replyCode: 250, response: '250 OK', messageId: '' });
    const result = await worker.process(job(GOOD));
    expect(sender.sent).toHaveLength(1);
    expect(sender.sent[0]?.from).toEqual(IDENTITY.from);
    expect(result).toEqual({ messageId: sender.sent[0]?.messageId, replyCode: 250 });
    const line = lines.find((l) => l.msg === 'mail sent');
    expect(line).toMatchObject({
      level: 'info',
      tenant: 'acme',
      jobId: '42',
      transport: 'smtp',
      replyCode: 250,
      attempt: 1,
      recipients: 1,
    });
  });

  it.each<[string, SendError]>([
    ['SMTP 550', new SendError('rejected', true, 'SMTP 550: 550 no such user', 550)],
    ['SMTP 535', new SendError('auth', true, 'SMTP 535: 535 bad credentials', 535)],
    ['SendGrid 401', new SendError('auth', true, 'SendGrid 401: invalid grant', 401)],
    ['SendGrid 400', new SendError('rejected', true, 'SendGrid 400: bad request', 400)],
  ])(
    'fails a job for good on a permanent failure (%s): UnrecoverableError, logged with the reply code',
    async (_n, error) => {
      const { worker, lines } = setup(error);
      const err = await thrown(worker.process(job(GOOD)));
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect(err.message).toBe(error.message);
      expect(lines.find((l) => l.msg === 'mail not sent')).toMatchObject({
        level: 'warn',
        tenant: 'acme',
        jobId: '42',
        transport: 'smtp',
        replyCode: error.replyCode,
        permanent: true,
      });
    },
  );

  it.each<[string, Error]>([
    ['SMTP 451', new SendError('transient', false, 'SMTP 451: try later', 451)],
    ['SendGrid 429', new SendError('transient', false, 'SendGrid 429: too many requests', 429)],
    ['SendGrid 500', new SendError('transient', false, 'SendGrid 500: oops', 500)],
    ['a network error', new SendError('network', false, 'ECONNREFUSED: connect ECONNREFUSED', null)],
    ['something unexpected', new TypeError('boom')],
  ])('lets BullMQ retry a transient failure (%s): a plain Error', async (_n, error) => {
    const { worker, lines } = setup(error, 'sendgrid');
    const err = await thrown(worker.process(job(GOOD, '7', 1)));
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(err).toBeInstanceOf(Error);
    expect(lines.find((l) => l.msg === 'mail not sent')).toMatchObject({
      tenant: 'acme',
      jobId: '7',
      transport: 'sendgrid',
      attempt: 2,
      permanent: false,
    });
  });

  it('refuses header injection permanently without calling the transport', async () => {
    const { worker, sender, lines } = setup({ replyCode: 250, response: '250 OK', messageId: '' });
    const err = await thrown(worker.process(job({ ...GOOD, subject: 'Hi\r\nBcc: victim@evil.example' })));
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect(err.message).toMatch(/header injection/);
    expect(sender.sent).toHaveLength(0);
    expect(lines.find((l) => l.msg === 'mail not sent')).toMatchObject({
      kind: 'bad-job',
      permanent: true,
      replyCode: null,
    });
  });

  it('refuses a malformed job permanently without calling the transport', async () => {
    const { worker, sender } = setup({ replyCode: 250, response: '250 OK', messageId: '' });
    expect(await thrown(worker.process(job({ subject: 'no recipient', text: 'x' })))).toBeInstanceOf(
      UnrecoverableError,
    );
    expect(sender.sent).toHaveLength(0);
  });
});
