import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { DaemonProcess, TestTenant } from '../helpers/daemon.js';
import { DaemonProcess as Daemon, appendAll, inboxFlags, jobsIn, largeMessage, message, removeJob, smembers, uniqueId, unseenCount, writeConfig } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { startStack, waitFor } from '../helpers/stack.js';

let stack: Stack;
let dir: string;
const running: DaemonProcess[] = [];

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-daemon-'));
});

afterEach(async () => {
  // A daemon left running would leak into the next test: stop every one, then check they exited.
  const exits = await Promise.all(running.splice(0).map((d) => d.stop('SIGKILL')));
  expect(exits.every((e) => e.code !== null || e.signal !== null)).toBe(true);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Scenario {
  tenant: TestTenant;
  user: string;
  statePrefix: string;
  configPath: string;
  daemon: DaemonProcess;
}

async function scenario(options: { workspaces?: Record<string, string>; extra?: string[]; tls?: TestTenant['tls']; pollInterval?: string; start?: boolean } = {}): Promise<Scenario> {
  const mailbox = uniqueId('casper');
  const user = `${mailbox}@example.com`;
  const password = uniqueId('pw-');
  await stack.dovecot.addUser(user, password);
  const extra = [...(options.extra ?? [])];
  if (options.workspaces) extra.push('workspaces:', ...Object.entries(options.workspaces).map(([a, w]) => `  ${a}: ${w}`));
  const tenant: TestTenant = { id: 'acme', mailbox, password, tls: options.tls, extra };
  const statePrefix = uniqueId('t');
  const configPath = writeConfig(dir, stack, [tenant], { statePrefix, pollInterval: options.pollInterval });
  const s: Scenario = { tenant, user, statePrefix, configPath, daemon: undefined as unknown as DaemonProcess };
  if (options.start !== false) startDaemon(s);
  return s;
}

function startDaemon(s: Scenario): DaemonProcess {
  s.daemon = new Daemon(s.configPath);
  running.push(s.daemon);
  return s.daemon;
}

async function drained(s: Scenario, expected: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(() => s.daemon.processed().length >= expected, { timeoutMs, description: `${expected} processed messages` });
  await waitFor(async () => (await unseenCount(stack, s.user, s.tenant.password)) === 0, { timeoutMs, description: 'no Unseen mail left' });
}

describe('mail-ingest run (integration, real Dovecot + Redis)', () => {
  it('routes Gmail-style Delivered-To, Exchange-style To/Cc, Bcc-only, fan-out, unrouted, auto-reply and an invite', async () => {
    const s = await scenario({ workspaces: { sales: 'ws-1842', support: 'ws-77', ops: 'ws-9' } });
    const mb = s.tenant.mailbox;
    const d = stack.dovecot;
    // Delivered-To from Dovecot's own LMTP (the way Google Workspace keeps the alias).
    await d.deliver([`${mb}+sales@example.com`], message({ to: `${mb}+sales@example.com`, subject: 'gmail style', messageId: '<gmail-1@example.org>' }));
    // Exchange after a redirect rule: delivered to the bare mailbox, alias only in Cc.
    await d.deliver([`${mb}@example.com`], message({ to: 'bob@example.net', cc: `"Support, Team" <${mb}+support@example.com>`, subject: 'exchange style' }));
    // Bcc-only: no assistant address in To/Cc at all; Delivered-To carries it.
    await d.deliver([`${mb}+ops@example.com`], message({ to: 'bob@example.net', subject: 'bcc only' }));
    // Fan-out: one message, two aliases; Dovecot stores one copy per recipient (same Message-ID).
    await d.deliver([`${mb}+sales@example.com`, `${mb}+support@example.com`], message({ to: `${mb}+sales@example.com, ${mb}+support@example.com`, subject: 'fan out', messageId: '<fan-1@example.org>' }));
    // Unrouted: the bare mailbox.
    await d.deliver([`${mb}@example.com`], message({ to: `${mb}@example.com`, subject: 'no alias' }));
    // Auto-reply with a valid alias: never routed.
    await d.deliver([`${mb}+sales@example.com`], message({ to: `${mb}+sales@example.com`, subject: 'Automatic reply: gone fishing', headers: ['Auto-Submitted: auto-replied'] }));
    // An Outlook-style invite.
    const invite = [
      `From: Olga Organizer <olga@example.org>`,
      `To: ${mb}+sales@example.com`,
      'Subject: Quarterly review',
      'Message-ID: <invite-1@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: text/calendar; charset="utf-8"; method=REQUEST',
      'Content-Transfer-Encoding: 7bit',
      '',
      'BEGIN:VCALENDAR',
      'METHOD:REQUEST',
      'PRODID:Microsoft Exchange Server 2010',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:review-2026-q4@example.org',
      'SUMMARY:Quarterly review',
      'DTSTART;TZID=W. Europe Standard Time:20261210T150000',
      'DTEND;TZID=W. Europe Standard Time:20261210T160000',
      'ORGANIZER;CN=Olga Organizer:mailto:olga@example.org',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    await d.deliver([`${mb}+sales@example.com`], invite);

    await drained(s, 8);
    const prefix = s.statePrefix;
    const sales = await jobsIn(stack.redis.url, prefix, 'acme.ws-1842');
    const support = await jobsIn(stack.redis.url, prefix, 'acme.ws-77');
    const ops = await jobsIn(stack.redis.url, prefix, 'acme.ws-9');
    const unrouted = await jobsIn(stack.redis.url, prefix, 'acme.unrouted');

    expect(sales.map((j) => j.data.subject).sort()).toEqual(['Quarterly review', 'fan out', 'gmail style']);
    expect(support.map((j) => j.data.subject).sort()).toEqual(['exchange style', 'fan out']);
    expect(ops.map((j) => j.data.subject)).toEqual(['bcc only']);
    expect(unrouted.map((j) => j.data.subject).sort()).toEqual(['Automatic reply: gone fishing', 'no alias']);

    const gmail = sales.find((j) => j.data.subject === 'gmail style');
    expect(gmail?.name).toBe('email');
    expect(gmail?.id).toMatch(/^m[0-9a-f]{40}$/);
    expect(gmail?.data.recipient).toEqual({ address: `${mb}+sales@example.com`, header: 'delivered-to' });
    expect(support.find((j) => j.data.subject === 'exchange style')?.data.recipient?.header).toBe('cc');
    expect(ops[0]?.data.recipient?.header).toBe('delivered-to');
    expect(unrouted.find((j) => j.data.subject.startsWith('Automatic'))?.data.autoSubmitted).toBe('auto-replied');
    const inv = sales.find((j) => j.data.subject === 'Quarterly review')?.data.invites[0];
    expect(inv).toMatchObject({ method: 'REQUEST', start: '2026-12-10T14:00:00.000Z', timezone: 'Europe/Berlin' });
    expect(gmail?.data.source).toMatchObject({ user: s.user, folder: 'INBOX', uid: expect.any(Number) as number });

    expect(await smembers(stack.redis.url, `${prefix}:queues`)).toEqual(['acme.unrouted', 'acme.ws-1842', 'acme.ws-77', 'acme.ws-9']);
    const line = s.daemon.processed()[0];
    expect(line).toMatchObject({ tenant: 'acme', level: 'info' });
    expect(Object.keys(line ?? {})).toEqual(expect.arrayContaining(['uid', 'messageId', 'workspace', 'outcome', 'ms']));
  });

  it('drains a backlog of 500 messages: every one \\Seen, exactly one job each', async () => {
    const s = await scenario({ pollInterval: '1h', start: false });
    const mb = s.tenant.mailbox;
    const backlog = Array.from({ length: 500 }, (_, i) =>
      message({ to: `${mb}+w${i % 5}@example.com`, subject: `backlog ${i}`, messageId: `<backlog-${i}@example.org>` }),
    );
    await appendAll(stack, s.user, s.tenant.password, backlog);
    expect(await unseenCount(stack, s.user, s.tenant.password)).toBe(500);
    startDaemon(s);
    await drained(s, 500, 60_000);
    const jobs = (await Promise.all([0, 1, 2, 3, 4].map((w) => jobsIn(stack.redis.url, s.statePrefix, `acme.w${w}`)))).flat();
    expect(jobs).toHaveLength(500);
    expect(new Set(jobs.map((j) => j.data.subject)).size).toBe(500);
    const flags = await inboxFlags(stack, s.user, s.tenant.password);
    expect([...flags.values()].every((f) => f.has('\\Seen'))).toBe(true);
  }, 180_000);

  it('streams a message over 4 MB into the parser: exact attachment, text cut to maxBodyChars, \\Seen', async () => {
    const s = await scenario({ pollInterval: '1h', start: false });
    const to = `${s.tenant.mailbox}+big@example.com`;
    const { raw, attachment } = largeMessage({ to, subject: 'large', textBytes: 3_500_000, attachmentBytes: 3_000_000 });
    expect(raw.length).toBeGreaterThan(7_000_000);
    await appendAll(stack, s.user, s.tenant.password, [raw]);
    startDaemon(s);
    await drained(s, 1);
    const [job, ...more] = await jobsIn(stack.redis.url, s.statePrefix, 'acme.big');
    expect(more).toHaveLength(0);
    expect(job?.data.source.size).toBe(raw.length);
    expect(job?.data.attachments.map((a) => [a.filename, a.size, a.sha256, a.content])).toEqual([
      ['blob.bin', attachment.length, createHash('sha256').update(attachment).digest('hex'), null],
    ]);
    expect(job?.data.text).toHaveLength(1_000_000);
    expect(job?.data.text?.startsWith('Large message body line')).toBe(true);
    expect(job?.data.truncated).toBe(true);
    expect(job?.data.warnings).toEqual(['text truncated to 1000000 characters']);
  }, 60_000);

  it('picks up mail delivered during IDLE without waiting for the poll interval', async () => {
    const s = await scenario({ pollInterval: '1h' });
    await s.daemon.waitForLog((l) => l.msg === 'imap connected', 'imap connected');
    await waitFor(() => s.daemon.logs.some((l) => l.msg === 'tenant state' && l.to === 'ready'), { timeoutMs: 10_000 });
    // Give the first (empty) cycle time to finish and IDLE to start; then deliver.
    await waitFor(async () => (await unseenCount(stack, s.user, s.tenant.password)) === 0, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    await stack.dovecot.deliver([`${s.tenant.mailbox}+live@example.com`], message({ to: `${s.tenant.mailbox}+live@example.com`, subject: 'during idle' }));
    // The poll interval is an hour: only IDLE can bring this in.
    await s.daemon.waitForLog((l) => l.msg === 'message processed', 'message processed through IDLE', 15_000);
    expect((await jobsIn(stack.redis.url, s.statePrefix, 'acme.live')).map((j) => j.data.subject)).toEqual(['during idle']);
  });

  it('suppresses duplicates across restarts and after the consumer removed the job', async () => {
    const s = await scenario();
    const mb = s.tenant.mailbox;
    await stack.dovecot.deliver([`${mb}+dup@example.com`], message({ to: `${mb}+dup@example.com`, subject: 'once', messageId: '<dup-1@example.org>' }));
    await drained(s, 1);
    const [job] = await jobsIn(stack.redis.url, s.statePrefix, 'acme.dup');
    expect(job).toBeDefined();
    // The consumer completes the job and BullMQ removes it with its id key.
    await removeJob(stack.redis.url, s.statePrefix, 'acme.dup', job?.id ?? '');
    expect(await jobsIn(stack.redis.url, s.statePrefix, 'acme.dup')).toHaveLength(0);
    await s.daemon.stop();
    // The same message again (a second copy, and the first made Unseen again).
    await stack.dovecot.deliver([`${mb}+dup@example.com`], message({ to: `${mb}+dup@example.com`, subject: 'once', messageId: '<dup-1@example.org>' }));
    const again = startDaemon(s);
    await waitFor(() => again.processed().length >= 1, { timeoutMs: 20_000, description: 'second copy processed' });
    await waitFor(async () => (await unseenCount(stack, s.user, s.tenant.password)) === 0, { timeoutMs: 20_000 });
    expect(await jobsIn(stack.redis.url, s.statePrefix, 'acme.dup')).toHaveLength(0);
  });

  it('keeps one tenant running while another has a wrong password', async () => {
    const good = { id: 'good', mailbox: uniqueId('good'), password: uniqueId('pw-') };
    const bad = { id: 'bad', mailbox: uniqueId('bad'), password: uniqueId('pw-'), configPassword: 'wrong-password-SENTINEL' };
    await stack.dovecot.addUser(`${good.mailbox}@example.com`, good.password);
    await stack.dovecot.addUser(`${bad.mailbox}@example.com`, bad.password);
    const statePrefix = uniqueId('t');
    const daemon = new Daemon(writeConfig(dir, stack, [good, bad], { statePrefix }));
    running.push(daemon);
    await stack.dovecot.deliver([`${good.mailbox}+a@example.com`], message({ to: `${good.mailbox}+a@example.com`, subject: 'for good' }));
    await daemon.waitForLog((l) => l.tenant === 'good' && l.msg === 'message processed', 'good tenant processed');
    const failure = await daemon.waitForLog((l) => l.tenant === 'bad' && l.msg === 'imap connection failed', 'bad tenant failed');
    expect(failure.kind).toBe('auth');
    expect(JSON.stringify(failure)).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
    await daemon.waitForLog((l) => l.tenant === 'bad' && l.msg === 'reconnecting after back-off', 'bad tenant backs off');
    expect(JSON.stringify(daemon.logs)).not.toContain('wrong-password-SENTINEL');
    expect(JSON.stringify(daemon.logs)).not.toContain(good.password);
  });

  it.each(['implicit', 'starttls'] as const)('connects with tls: %s, verifying the server against caFile', async (tls) => {
    const s = await scenario({ tls });
    await stack.dovecot.deliver([`${s.tenant.mailbox}+tls@example.com`], message({ to: `${s.tenant.mailbox}+tls@example.com`, subject: `over ${tls}` }));
    await drained(s, 1);
    expect((await jobsIn(stack.redis.url, s.statePrefix, 'acme.tls')).map((j) => j.data.subject)).toEqual([`over ${tls}`]);
  });

  it('lets one replica work a mailbox at a time and hands it over when that replica dies', async () => {
    const mailbox = uniqueId('lease');
    const tenant: TestTenant = { id: 'acme', mailbox, password: uniqueId('pw-') };
    await stack.dovecot.addUser(`${mailbox}@example.com`, tenant.password);
    const statePrefix = uniqueId('t');
    const configPath = writeConfig(dir, stack, [tenant], { statePrefix, leaseTtl: '2s' });
    const first = new Daemon(configPath);
    running.push(first);
    await first.waitForLog((l) => l.msg === 'imap connected', 'first replica connected');
    const second = new Daemon(configPath);
    running.push(second);
    await second.waitForLog((l) => l.msg === 'another replica works this mailbox: standing by', 'second replica standing by');
    first.kill(); // SIGKILL: no release, the lease has to expire
    await first.exited;
    await stack.dovecot.deliver([`${mailbox}+hand@example.com`], message({ to: `${mailbox}+hand@example.com`, subject: 'after hand-over' }));
    await second.waitForLog((l) => l.msg === 'lease acquired: taking over the mailbox', 'second replica takes over', 15_000);
    await second.waitForLog((l) => l.msg === 'message processed', 'processed by the second replica', 15_000);
    expect((await jobsIn(stack.redis.url, statePrefix, 'acme.hand')).map((j) => j.data.subject)).toEqual(['after hand-over']);
    expect(second.logs.filter((l) => l.msg === 'imap connected')).toHaveLength(1);
  });

  it('exits 0 on SIGTERM after logging out', async () => {
    const s = await scenario();
    await s.daemon.waitForLog((l) => l.msg === 'imap connected', 'connected');
    const exit = await s.daemon.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(s.daemon.logs.some((l) => l.msg === 'mail-ingest stopped')).toBe(true);
  });
});
