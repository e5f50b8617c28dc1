/**
 * Outbound mail through the real daemon (`node dist/cli.js run`): jobs added with BullMQ to
 * `<tenant>.outbound` on the test stack's Redis are sent through a real SMTP server in this
 * process (smtp-server) or a SendGrid stand-in (node:http), and the tests check what those
 * servers received and each job's final BullMQ state.
 *
 * One daemon serves every scenario: each scenario has its own tenant, queue and server, so the
 * scenarios run side by side; the last test reads the daemon's whole log for secrets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTlsFiles } from '../../src/devstack/tls-certificate.js';
import type { TlsFiles } from '../../src/devstack/tls-certificate.js';
import { DaemonProcess, uniqueId } from '../helpers/daemon.js';
import { startSendgridServer } from '../helpers/sendgrid-server.js';
import type { SendgridRequest, TestSendgridServer } from '../helpers/sendgrid-server.js';
import { parseReceived, startSmtpServer } from '../helpers/smtp-server.js';
import type { TestSmtpOptions, TestSmtpServer } from '../helpers/smtp-server.js';
import { sleep, startStack, waitFor } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

/** Sentinels: none of them may ever appear in the daemon's output or in Redis. */
const SMTP_PASSWORD = `smtp-pw-SENTINEL-${uniqueId('')}`;
const API_KEY = `SG.key-SENTINEL-${uniqueId('')}`;
const IMAP_PASSWORD = `imap-pw-SENTINEL-${uniqueId('')}`;
const SENTINELS = [SMTP_PASSWORD, API_KEY, IMAP_PASSWORD];
const SENDGRID_KEY_ACCEPTED = 'SG.the-key-the-server-wants';

const JOB_OPTIONS = { attempts: 3, backoff: { type: 'fixed', delay: 200 } } as const;
/** Generous: a send over loopback takes milliseconds; retries wait 200 ms each. */
const SETTLE_MS = 15_000;
/** A running worker takes a new job within milliseconds (beforeAll checked that there is one). */
const PICKUP_MS = 10_000;

type TenantTransport =
  | {
      kind: 'smtp';
      server: TestSmtpServer;
      encryption: 'starttls' | 'tls' | 'none';
      caFile?: string | null;
    }
  | { kind: 'sendgrid'; server: TestSendgridServer }
  | { kind: 'none' };

interface TenantSpec {
  id: string;
  /** false: no assistant mailbox (sends through `sender`). */
  mailbox: boolean;
  transport: TenantTransport;
}

let stack: Stack;
let dir: string;
let tls: TlsFiles;
let prefix: string;
let daemon: DaemonProcess;
let redis: Redis;
const queues = new Map<string, Queue>();
const smtp: Record<string, TestSmtpServer> = {};
const sendgrid: Record<string, TestSendgridServer> = {};
let sendingTenants: string[] = [];
let workersReady = false;

const domainOf = (tenant: string): string => `${tenant}.example`;

async function smtpServer(name: string, options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const s = await startSmtpServer({
    tlsFiles: tls,
    auth: { user: `relay-${name}`, password: SMTP_PASSWORD },
    ...options,
  });
  smtp[name] = s;
  return s;
}

async function sendgridServer(
  name: string,
  options: { apiKey?: string; echoKeyOn401?: boolean } = {},
): Promise<TestSendgridServer> {
  const s = await startSendgridServer({
    apiKey: options.apiKey ?? API_KEY,
    echoKeyOn401: options.echoKeyOn401,
  });
  sendgrid[name] = s;
  return s;
}

function transportYaml(id: string, t: TenantTransport, indent: string): string[] {
  if (t.kind === 'smtp') {
    const caFile = t.caFile === undefined ? tls.caPath : t.caFile;
    return [
      `${indent}smtp:`,
      `${indent}  host: 127.0.0.1`,
      `${indent}  port: ${t.server.port}`,
      `${indent}  encryption: ${t.encryption}`,
      ...(t.encryption === 'none' ? [`${indent}  allowInsecure: true`] : []),
      ...(caFile ? [`${indent}  caFile: ${caFile}`] : []),
      `${indent}  user: relay-${id}`,
      `${indent}  password: "${SMTP_PASSWORD}"`,
    ];
  }
  if (t.kind === 'sendgrid') {
    return [
      `${indent}sendgrid:`,
      `${indent}  apiKey: "${API_KEY}"`,
      `${indent}  endpoint: ${t.server.endpoint}`,
    ];
  }
  return [];
}

function writeOutboundConfig(tenants: readonly TenantSpec[], senderServer: TestSmtpServer): string {
  const lines = [
    'redis:',
    `  url: ${stack.redis.url}`,
    `  prefix: ${prefix}`,
    `  statePrefix: ${prefix}`,
    'http:',
    '  listen: "off"',
    'log:',
    '  level: info',
    'defaults:',
    '  poll: { interval: 1h, idle: true }',
    'sender:',
    '  from: "Casper Relay <relay@assistant.example>"',
    ...transportYaml('sender', { kind: 'smtp', server: senderServer, encryption: 'starttls' }, '  '),
    'tenants:',
  ];
  for (const t of tenants) {
    if (!t.mailbox) {
      lines.push(`  ${t.id}: {}`);
      continue;
    }
    lines.push(
      `  ${t.id}:`,
      '    assistant:',
      '      mailbox: casper',
      `      domain: ${domainOf(t.id)}`,
      '      displayName: Casper',
      '    imap:',
      '      host: 127.0.0.1',
      `      port: ${stack.dovecot.imapPort}`,
      '      tls: none',
      '      allowInsecure: true',
      `      password: "${IMAP_PASSWORD}"`,
      ...transportYaml(t.id, t.transport, '    '),
    );
  }
  const file = path.join(dir, 'outbound.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-outbound-'));
  tls = await createTlsFiles(path.join(dir, 'smtp-tls'));
  prefix = uniqueId('ob');

  const relay = await smtpServer('sender');
  const tenants: TenantSpec[] = [
    {
      id: 'starttls',
      mailbox: true,
      transport: { kind: 'smtp', server: await smtpServer('starttls'), encryption: 'starttls' },
    },
    {
      id: 'implicit',
      mailbox: true,
      transport: {
        kind: 'smtp',
        server: await smtpServer('implicit', { tls: 'implicit' }),
        encryption: 'tls',
      },
    },
    {
      id: 'plain',
      mailbox: true,
      transport: { kind: 'smtp', server: await smtpServer('plain'), encryption: 'none', caFile: null },
    },
    {
      id: 'badauth',
      mailbox: true,
      transport: {
        kind: 'smtp',
        // The server wants another password and echoes what it was given in its 535 text.
        server: await smtpServer('badauth', {
          auth: {
            user: 'relay-badauth',
            password: 'not-the-configured-one',
            failureText: (u, p) => `5.7.8 bad password "${p}" for ${u}`,
          },
        }),
        encryption: 'starttls',
      },
    },
    {
      id: 'nostarttls',
      mailbox: true,
      transport: {
        kind: 'smtp',
        server: await smtpServer('nostarttls', { tls: 'none' }),
        encryption: 'starttls',
      },
    },
    {
      id: 'perm',
      mailbox: true,
      transport: { kind: 'smtp', server: await smtpServer('perm'), encryption: 'starttls' },
    },
    {
      id: 'temp',
      mailbox: true,
      transport: { kind: 'smtp', server: await smtpServer('temp'), encryption: 'starttls' },
    },
    {
      id: 'inject',
      mailbox: true,
      transport: { kind: 'smtp', server: await smtpServer('inject'), encryption: 'starttls' },
    },
    { id: 'sg', mailbox: true, transport: { kind: 'sendgrid', server: await sendgridServer('sg') } },
    {
      id: 'sg401',
      mailbox: true,
      transport: {
        kind: 'sendgrid',
        server: await sendgridServer('sg401', { apiKey: SENDGRID_KEY_ACCEPTED, echoKeyOn401: true }),
      },
    },
    { id: 'sg429', mailbox: true, transport: { kind: 'sendgrid', server: await sendgridServer('sg429') } },
    {
      id: 'sginject',
      mailbox: true,
      transport: { kind: 'sendgrid', server: await sendgridServer('sginject') },
    },
    // Through the top-level sender: one without a mailbox, one with a mailbox but no transport.
    { id: 'nobox', mailbox: false, transport: { kind: 'none' } },
    { id: 'boxonly', mailbox: true, transport: { kind: 'none' } },
  ];
  for (const t of tenants)
    if (t.mailbox) await stack.dovecot.addUser(`casper@${domainOf(t.id)}`, IMAP_PASSWORD);

  redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  daemon = new DaemonProcess(writeOutboundConfig(tenants, relay));
  await daemon.waitForLog((l) => l.msg === 'mail-ingest started', 'daemon started');
  // Every tenant that can send should get a worker on its queue. Waited for here, checked by the
  // first test; without workers the scenarios fail at once instead of each timing out.
  sendingTenants = tenants.map((t) => t.id);
  workersReady = await waitFor(async () => (await workerCounts()).every(([, c]) => c > 0), {
    timeoutMs: 10_000,
    intervalMs: 100,
  }).catch(() => false);
}, 60_000);

afterAll(async () => {
  const exit = await daemon?.stop('SIGTERM');
  await Promise.all([...queues.values()].map((q) => q.close()));
  redis?.disconnect();
  await Promise.all([...Object.values(smtp), ...Object.values(sendgrid)].map((s) => s.stop()));
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(exit?.code).toBe(0);
});

async function workerCounts(): Promise<[string, number][]> {
  return Promise.all(
    sendingTenants.map(async (id) => [id, await queueOf(id).getWorkersCount()] as [string, number]),
  );
}

function queueOf(tenant: string): Queue {
  let q = queues.get(tenant);
  if (!q) {
    q = new Queue(`${tenant}.outbound`, { connection: redis, prefix });
    queues.set(tenant, q);
  }
  return q;
}

interface Settled {
  state: 'completed' | 'failed';
  attemptsMade: number;
  failedReason: string;
  returnvalue: unknown;
}

/**
 * Adds an outbound job (attempts 3, fixed back-off 200 ms) and waits until it completed or failed
 * for good. A job no worker has even started after PICKUP_MS fails the test at once.
 */
async function send(
  tenant: string,
  data: Record<string, unknown>,
  name = 'send',
): Promise<Settled & { id: string }> {
  if (!workersReady)
    throw new Error('the daemon runs no outbound worker (see the first test): the job would never be sent');
  const q = queueOf(tenant);
  const added = await q.add(name, data, JOB_OPTIONS);
  const id = added.id ?? '';
  const started = Date.now();
  for (;;) {
    const state = await q.getJobState(id);
    const j = await Job.fromId(q, id);
    if (j && (state === 'completed' || state === 'failed')) {
      return {
        id,
        state,
        attemptsMade: j.attemptsMade,
        failedReason: j.failedReason ?? '',
        returnvalue: j.returnvalue as unknown,
      };
    }
    const waited = Date.now() - started;
    if (state === 'waiting' && (j?.attemptsStarted ?? 0) === 0 && waited > PICKUP_MS)
      throw new Error(
        `no worker took job ${id} from ${tenant}.outbound within ${PICKUP_MS} ms (state ${state}); stderr: ${daemon.stderr.join('')}`,
      );
    if (waited > SETTLE_MS)
      throw new Error(`job ${id} in ${tenant}.outbound still ${state} after ${SETTLE_MS} ms`);
    await sleep(50);
  }
}

const job = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  to: 'bob@example.org',
  subject: 'Hello from the assistant',
  text: 'Hi Bob.',
  ...extra,
});

describe('outbound mail: workers', () => {
  it('runs a BullMQ worker on <tenant>.outbound for every tenant that can send', async () => {
    const counts = await workerCounts();
    expect(counts.map(([id]) => id)).toHaveLength(14);
    expect(counts.filter(([, count]) => count === 0).map(([id]) => `${id}.outbound`)).toEqual([]);
    expect(workersReady).toBe(true);
  });
});

describe.concurrent('outbound mail (integration: daemon + Redis + SMTP / SendGrid stand-ins)', () => {
  it('sends over STARTTLS with AUTH and caFile trust: From, Reply-To alias, Message-ID, threading headers, body, attachments', async ({
    expect,
  }) => {
    const s = smtp.starttls!;
    const result = await send(
      'starttls',
      job({
        to: [{ name: 'Bob Example', address: 'bob@example.org' }],
        cc: 'carol@example.net',
        bcc: ['audit@example.com'],
        subject: 'Re: Quote for 40 licences',
        html: '<p>Here is the quote.</p>',
        text: 'Here is the quote.',
        inReplyTo: '<q2@example.org>',
        references: ['<q1@example.org>', '<q2@example.org>'],
        alias: 'sales',
        attachments: [
          {
            filename: 'quote.pdf',
            contentType: 'application/pdf',
            content: Buffer.from('%PDF-1.7 quote').toString('base64'),
          },
        ],
      }),
      'reply-any-name',
    );
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 1 });
    expect(s.received).toHaveLength(1);
    const got = s.received[0]!;
    expect(got).toMatchObject({ secure: true, user: 'relay-starttls', mailFrom: 'casper@starttls.example' });
    expect([...got.rcptTo].sort()).toEqual(['audit@example.com', 'bob@example.org', 'carol@example.net']);
    expect(s.events.filter((e) => e.command === 'AUTH').every((e) => e.secure)).toBe(true);

    const p = await parseReceived(got);
    expect(p.from).toEqual([{ name: 'Casper', address: 'casper@starttls.example' }]);
    expect(p.header('from')).toBe('Casper <casper@starttls.example>');
    expect(p.replyTo).toEqual([{ name: 'Casper', address: 'casper+sales@starttls.example' }]);
    expect(p.to).toEqual([{ name: 'Bob Example', address: 'bob@example.org' }]);
    expect(p.cc.map((a) => a.address)).toEqual(['carol@example.net']);
    expect(p.bccHeader).toBeNull();
    expect(p.subject).toBe('Re: Quote for 40 licences');
    expect(p.messageId).toMatch(/^<[^<>@\s]+@starttls\.example>$/);
    expect(p.inReplyTo).toBe('<q2@example.org>');
    expect(p.references).toEqual(['<q1@example.org>', '<q2@example.org>']);
    expect(p.text?.trim()).toBe('Here is the quote.');
    expect(p.html).toContain('<p>Here is the quote.</p>');
    expect(p.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
      ['quote.pdf', 'application/pdf', '%PDF-1.7 quote'],
    ]);
    // The job's return value and the log line name the same Message-ID.
    expect(result.returnvalue).toMatchObject({ messageId: p.messageId, replyCode: 250 });
    const line = await daemon.waitForLog(
      (l) => l.tenant === 'starttls' && l.msg === 'mail sent',
      'mail sent log line',
    );
    expect(line).toMatchObject({
      level: 'info',
      jobId: result.id,
      transport: 'smtp',
      replyCode: 250,
      messageId: p.messageId,
    });
  });

  it('sends over implicit TLS (encryption: tls)', async ({ expect }) => {
    const result = await send('implicit', job());
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 1 });
    expect(smtp.implicit!.received.map((r) => [r.secure, r.user])).toEqual([[true, 'relay-implicit']]);
    const p = await parseReceived(smtp.implicit!.received[0]!);
    expect(p.messageId).toMatch(/@implicit\.example>$/);
  });

  it('sends in clear with encryption: none and allowInsecure (never upgrading)', async ({ expect }) => {
    const result = await send('plain', job());
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 1 });
    expect(smtp.plain!.received.map((r) => [r.secure, r.user])).toEqual([[false, 'relay-plain']]);
  });

  it('fails a job for good on SMTP 535 (not retried), logging the reply code', async ({ expect }) => {
    const s = smtp.badauth!;
    const result = await send('badauth', job());
    expect(result).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(result.failedReason).toMatch(/535/);
    expect(s.received).toHaveLength(0);
    expect(s.events.filter((e) => e.command === 'AUTH').map((e) => e.code)).toEqual([535]);
    for (const secret of SENTINELS) expect(result.failedReason).not.toContain(secret);
    const line = await daemon.waitForLog(
      (l) => l.tenant === 'badauth' && l.msg === 'mail not sent',
      'mail not sent log line',
    );
    expect(line).toMatchObject({ jobId: result.id, transport: 'smtp', replyCode: 535, permanent: true });
  });

  it('refuses a server without STARTTLS when starttls is configured: nothing travels in clear', async ({
    expect,
  }) => {
    const s = smtp.nostarttls!;
    const result = await send('nostarttls', job());
    expect(result.state).toBe('failed');
    expect(s.received).toHaveLength(0);
    // Neither the password (AUTH) nor the envelope (MAIL) went over the unencrypted connection.
    expect(s.events.filter((e) => e.command === 'AUTH' || e.command === 'MAIL')).toEqual([]);
  });

  it('fails a job for good on 550 (one attempt only)', async ({ expect }) => {
    const s = smtp.perm!;
    s.replyAlways('rcpt', 550);
    const result = await send('perm', job());
    expect(result).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(result.failedReason).toMatch(/550/);
    expect(s.events.filter((e) => e.command === 'RCPT').map((e) => e.code)).toEqual([550]);
    expect(s.received).toHaveLength(0);
  });

  it('retries a job after 451 and completes it once the server accepts again', async ({ expect }) => {
    const s = smtp.temp!;
    s.replyNext('rcpt', 451);
    const result = await send('temp', job({ subject: 'after a 451' }));
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 2 });
    expect(s.events.filter((e) => e.command === 'RCPT').map((e) => e.code)).toEqual([451, 250]);
    expect(s.received).toHaveLength(1);
    expect((await parseReceived(s.received[0]!)).subject).toBe('after a 451');
    // Logs are written asynchronously: the line may arrive after the job settled in Redis.
    expect(
      await daemon.waitForLog(
        (l) => l.tenant === 'temp' && l.msg === 'mail not sent',
        'mail not sent (temp)',
      ),
    ).toMatchObject({ replyCode: 451, permanent: false });
  });

  it('refuses header injection: failed after one attempt (of 3), nothing sent', async ({ expect }) => {
    const s = smtp.inject!;
    const result = await send('inject', job({ subject: 'Hello\r\nBcc: victim@evil.example' }));
    expect(result).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(result.failedReason).toMatch(/header injection/);
    const viaName = await send(
      'inject',
      job({ to: [{ name: 'Bob\nBcc: victim@evil.example', address: 'bob@example.org' }] }),
    );
    expect(viaName).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(s.received).toHaveLength(0);
    expect(s.events.filter((e) => e.command === 'MAIL')).toEqual([]);
  });

  it('sends through SendGrid with the bearer key: the same content, reply headers included', async ({
    expect,
  }) => {
    const s = sendgrid.sg!;
    const result = await send(
      'sg',
      job({
        to: [{ name: 'Bob Example', address: 'bob@example.org' }],
        cc: ['carol@example.net'],
        subject: 'Re: Quote',
        html: '<p>Quote</p>',
        text: 'Quote',
        inReplyTo: '<q2@example.org>',
        references: '<q1@example.org> <q2@example.org>',
        alias: 'sales',
        attachments: [
          {
            filename: 'quote.pdf',
            contentType: 'application/pdf',
            content: Buffer.from('%PDF').toString('base64'),
          },
        ],
      }),
    );
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 1 });
    expect(s.requests).toHaveLength(1);
    const req: SendgridRequest = s.requests[0]!;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/v3/mail/send',
      authorization: `Bearer ${API_KEY}`,
      status: 202,
    });
    const body = req.body as Record<string, unknown>;
    expect(body).toMatchObject({
      personalizations: [
        { to: [{ email: 'bob@example.org', name: 'Bob Example' }], cc: [{ email: 'carol@example.net' }] },
      ],
      from: { email: 'casper@sg.example', name: 'Casper' },
      reply_to: { email: 'casper+sales@sg.example', name: 'Casper' },
      subject: 'Re: Quote',
      content: [
        { type: 'text/plain', value: 'Quote' },
        { type: 'text/html', value: '<p>Quote</p>' },
      ],
      headers: { 'In-Reply-To': '<q2@example.org>', References: '<q1@example.org> <q2@example.org>' },
      attachments: [
        {
          content: Buffer.from('%PDF').toString('base64'),
          filename: 'quote.pdf',
          type: 'application/pdf',
          disposition: 'attachment',
        },
      ],
    });
    expect((body.headers as Record<string, string>)['Message-ID']).toMatch(/^<[^<>@\s]+@sg\.example>$/);
    expect(
      await daemon.waitForLog((l) => l.tenant === 'sg' && l.msg === 'mail sent', 'mail sent (sg)'),
    ).toMatchObject({ jobId: result.id, transport: 'sendgrid', replyCode: 202 });
  });

  it('fails a job for good on SendGrid 401 (not retried), even when SendGrid echoes the key', async ({
    expect,
  }) => {
    const s = sendgrid.sg401!;
    const result = await send('sg401', job());
    expect(result).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(result.failedReason).toMatch(/401/);
    expect(s.requests.map((r) => r.status)).toEqual([401]);
    expect(s.requests[0]?.raw).toBeDefined();
    for (const secret of SENTINELS) expect(result.failedReason).not.toContain(secret);
    expect(
      await daemon.waitForLog(
        (l) => l.tenant === 'sg401' && l.msg === 'mail not sent',
        'mail not sent (sg401)',
      ),
    ).toMatchObject({ transport: 'sendgrid', replyCode: 401, permanent: true });
  });

  it('retries after SendGrid 429 and completes on the following 202', async ({ expect }) => {
    const s = sendgrid.sg429!;
    s.script(429);
    const result = await send('sg429', job());
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 2 });
    expect(s.requests.map((r) => r.status)).toEqual([429, 202]);
  });

  it('refuses header injection on the SendGrid path too: nothing is requested', async ({ expect }) => {
    const result = await send('sginject', job({ inReplyTo: '<q1@example.org>\r\nX-Evil: 1' }));
    expect(result).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(sendgrid.sginject!.requests).toHaveLength(0);
  });

  it('sends for a tenant without an assistant mailbox through the top-level sender', async ({ expect }) => {
    const result = await send('nobox', job({ subject: 'from a tenant without mailbox', alias: 'sales' }));
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 1 });
    const got = smtp.sender!.received.find((r) => r.raw.includes('from a tenant without mailbox'));
    expect(got).toBeDefined();
    expect(got).toMatchObject({ secure: true, user: 'relay-sender', mailFrom: 'relay@assistant.example' });
    const p = await parseReceived(got!);
    expect(p.from).toEqual([{ name: 'Casper Relay', address: 'relay@assistant.example' }]);
    expect(p.replyTo).toEqual([]);
    expect(p.messageId).toMatch(/@assistant\.example>$/);
  });

  it("sends for a mailbox without its own transport through sender, replies pointed at the tenant's alias", async ({
    expect,
  }) => {
    const result = await send(
      'boxonly',
      job({ subject: 'from a mailbox without transport', alias: 'support' }),
    );
    expect(result).toMatchObject({ state: 'completed', attemptsMade: 1 });
    const got = smtp.sender!.received.find((r) => r.raw.includes('from a mailbox without transport'));
    expect(got).toBeDefined();
    const p = await parseReceived(got!);
    expect(p.from).toEqual([{ name: 'Casper Relay', address: 'relay@assistant.example' }]);
    expect(p.replyTo.map((a) => a.address)).toEqual(['casper+support@boxonly.example']);
  });
});

describe('outbound mail: secrets', () => {
  it('never writes a password or API key to the daemon output (or to the failed jobs in Redis)', async () => {
    // Runs after the concurrent suite, so the output holds every scenario's log lines.
    const output = `${JSON.stringify(daemon.logs)}\n${daemon.stderr.join('')}`;
    for (const secret of SENTINELS) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    }
    const failed = (await Promise.all([...queues.values()].map((q) => q.getFailed()))).flat();
    const stored = JSON.stringify(failed.map((j) => [j.failedReason, j.stacktrace]));
    for (const secret of SENTINELS) expect(stored).not.toContain(secret);
    // ...and the check had something to look at: sends and refusals (535 and 401 echo secrets).
    expect(daemon.logs.some((l) => l.msg === 'mail sent')).toBe(true);
    expect(daemon.logs.filter((l) => l.msg === 'mail not sent').map((l) => l.tenant)).toEqual(
      expect.arrayContaining(['badauth', 'sg401']),
    );
    expect(failed.length).toBeGreaterThan(0);
  });
});
