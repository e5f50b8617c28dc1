/**
 * Runs the built daemon (`node dist/cli.js run`) as a child process against the test stack,
 * and reads what it left behind: BullMQ jobs in Redis and \Seen flags in Dovecot.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';

import type { EmailPayload } from '../../src/message/types.js';
import type { Stack } from './stack.js';
import { waitFor } from './stack.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface LogLine {
  level: string;
  msg: string;
  tenant?: string;
  outcome?: string;
  [key: string]: unknown;
}

export interface TestTenant {
  id: string;
  mailbox: string;
  domain?: string;
  password: string;
  tls?: 'implicit' | 'starttls' | 'none';
  /** Extra YAML lines inside the tenant block (indented by the helper). */
  extra?: string[];
  /** Overrides the password written into the config (wrong-password tests). */
  configPassword?: string;
}

/** A unique suffix so tests share one stack without sharing users, queues or keys. */
export function uniqueId(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

export function writeConfig(
  dir: string,
  stack: Stack,
  tenants: readonly TestTenant[],
  options: { statePrefix: string; prefix?: string; pollInterval?: string; http?: string; leaseTtl?: string },
): string {
  const lines = [
    'redis:',
    `  url: ${stack.redis.url}`,
    `  prefix: ${options.prefix ?? options.statePrefix}`,
    `  statePrefix: ${options.statePrefix}`,
    ...(options.leaseTtl ? [`  leaseTtl: ${options.leaseTtl}`] : []),
    'http:',
    `  listen: "${options.http ?? 'off'}"`,
    'log:',
    '  level: info',
    'defaults:',
    `  poll: { interval: ${options.pollInterval ?? '1s'}, idle: true }`,
    'tenants:',
  ];
  for (const t of tenants) {
    const tls = t.tls ?? 'none';
    const port = tls === 'implicit' ? stack.dovecot.imapsPort : stack.dovecot.imapPort;
    lines.push(
      `  ${t.id}:`,
      '    assistant:',
      `      mailbox: ${t.mailbox}`,
      `      domain: ${t.domain ?? 'example.com'}`,
      '    imap:',
      '      host: 127.0.0.1',
      `      port: ${port}`,
      `      tls: ${tls}`,
      ...(tls === 'none' ? ['      allowInsecure: true'] : [`      caFile: ${stack.dovecot.caPath}`]),
      `      password: "${t.configPassword ?? t.password}"`,
      ...(t.extra ?? []).map((l) => `    ${l}`),
    );
  }
  const file = path.join(dir, `config-${randomBytes(3).toString('hex')}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export class DaemonProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly proc: ChildProcess;

  constructor(configPath: string, extraArgs: string[] = []) {
    this.proc = spawn(process.execPath, [CLI, 'run', '--config', configPath, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'raw', msg: line });
        }
      }
    });
    this.proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  processed(tenant?: string): LogLine[] {
    return this.logs.filter((l) => l.msg === 'message processed' && (tenant === undefined || l.tenant === tenant));
  }

  async waitForLog(predicate: (l: LogLine) => boolean, description: string, timeoutMs = 20_000): Promise<LogLine> {
    return waitFor(() => this.logs.find(predicate), { timeoutMs, description: `${description}; stderr: ${this.stderr.join('')}` });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    return this.exited;
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

/** Every job in a queue, whatever its state. */
/** Connection options (not a client), so BullMQ owns the connection and closes it cleanly. */
function connectionOf(redisUrl: string): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
}

export async function jobsIn(redisUrl: string, prefix: string, queueName: string): Promise<Job<EmailPayload>[]> {
  const queue = new Queue<EmailPayload>(queueName, { connection: connectionOf(redisUrl), prefix });
  try {
    return await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
  } finally {
    await queue.close();
  }
}

export async function removeJob(redisUrl: string, prefix: string, queueName: string, jobId: string): Promise<void> {
  const queue = new Queue(queueName, { connection: connectionOf(redisUrl), prefix });
  try {
    await queue.remove(jobId);
  } finally {
    await queue.close();
  }
}

export async function smembers(redisUrl: string, key: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  try {
    return (await redis.smembers(key)).sort();
  } finally {
    redis.disconnect();
  }
}

/** A plain-IMAP client of the test stack's Dovecot, logged in as `user` for `fn`, then logged out. */
export async function withImap<T>(stack: Stack, user: string, password: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: '127.0.0.1', port: stack.dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass: password }, logger: false });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** UID -> flags of every message in the user's INBOX. */
export async function inboxFlags(stack: Stack, user: string, password: string): Promise<Map<number, Set<string>>> {
  return withImap(stack, user, password, async (client) => {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const out = new Map<number, Set<string>>();
      const exists = client.mailbox && typeof client.mailbox === 'object' ? client.mailbox.exists : 0;
      if (exists === 0) return out;
      for await (const msg of client.fetch('1:*', { uid: true, flags: true })) out.set(msg.uid, msg.flags ?? new Set());
      return out;
    } finally {
      lock.release();
    }
  });
}

/** IMAP APPEND of many messages over one connection (a backlog in seconds, not minutes). */
export async function appendAll(stack: Stack, user: string, password: string, raws: readonly string[]): Promise<void> {
  await withImap(stack, user, password, async (client) => {
    for (const raw of raws) await client.append('INBOX', raw, []);
  });
}

export async function unseenCount(stack: Stack, user: string, password: string): Promise<number> {
  const flags = await inboxFlags(stack, user, password);
  return [...flags.values()].filter((f) => !f.has('\\Seen')).length;
}

/** A minimal RFC 5322 message with CRLF line ends. */
export function message(opts: {
  from?: string;
  to: string;
  cc?: string;
  subject: string;
  body?: string;
  messageId?: string;
  headers?: string[];
}): string {
  const lines = [
    `From: ${opts.from ?? 'Alice Example <alice@example.org>'}`,
    `To: ${opts.to}`,
    ...(opts.cc ? [`Cc: ${opts.cc}`] : []),
    `Subject: ${opts.subject}`,
    `Date: Fri, 04 Dec 2026 10:00:00 +0000`,
    `Message-ID: ${opts.messageId ?? `<${randomBytes(8).toString('hex')}@example.org>`}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    ...(opts.headers ?? []),
    '',
    opts.body ?? 'Hello.',
    '',
  ];
  return lines.join('\r\n');
}

/**
 * A message large enough to be streamed into the parser: a long text body and one binary
 * attachment (returned too, to check its size and hash in the job).
 */
export function largeMessage(opts: { to: string; subject: string; textBytes: number; attachmentBytes: number; messageId?: string }): {
  raw: string;
  attachment: Buffer;
} {
  const attachment = randomBytes(opts.attachmentBytes);
  const line = 'Large message body line, to be cut at maxBodyChars by the daemon.\r\n';
  const head = message({ to: opts.to, subject: opts.subject, messageId: opts.messageId, body: '' }).replace(
    'Content-Type: text/plain; charset=utf-8',
    'Content-Type: multipart/mixed; boundary="large-boundary"',
  );
  const raw = [
    head.replace(/\r\n\r\n$/, ''),
    '',
    '--large-boundary',
    'Content-Type: text/plain; charset=utf-8',
    '',
    line.repeat(Math.ceil(opts.textBytes / line.length)),
    '--large-boundary',
    'Content-Type: application/octet-stream; name="blob.bin"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="blob.bin"',
    '',
    (attachment.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
    '--large-boundary--',
    '',
  ].join('\r\n');
  return { raw, attachment };
}
