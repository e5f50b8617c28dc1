import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { EmailPayload } from '../../src/message/types.js';
import type { TestTenant } from '../helpers/daemon.js';
import { DaemonProcess, inboxFlags, jobsIn, uniqueId, unseenCount, withImap, writeConfig } from '../helpers/daemon.js';
import type { HostileMessage } from '../helpers/hostile-messages.js';
import { hostileMessages } from '../helpers/hostile-messages.js';
import type { Stack } from '../helpers/stack.js';
import { startStack, waitFor } from '../helpers/stack.js';

/**
 * Fault suite, hostile input: a few hundred broken, lying, huge and deeply nested messages
 * (test/helpers/hostile-messages.ts). The daemon must survive all of them, drain the mailbox
 * (nothing left Unseen) and put every message in exactly one place: its workspace queue,
 * unrouted, or dead-letter with a reason.
 */
let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-hostile-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const LMTP_LABELS = ['truncated-mime-0', 'bad-base64-0', 'charset-utf8-but-latin1', 'nul-in-body', 'calendar-broken-lines', 'rrule-absurd-0', 'tzid-unknown-0'];

interface Delivered {
  readonly message: HostileMessage;
  readonly uid: number;
  readonly via: 'imap' | 'lmtp';
}

/** IMAP APPEND of Buffers over one connection; returns the UID of each (UIDPLUS), or the refusal. */
async function appendBuffers(
  user: string,
  password: string,
  messages: readonly HostileMessage[],
): Promise<{ appended: Delivered[]; refused: { message: HostileMessage; error: string }[] }> {
  const appended: Delivered[] = [];
  const refused: { message: HostileMessage; error: string }[] = [];
  await withImap(stack, user, password, async (client) => {
    for (const m of messages) {
      try {
        const res = await client.append('INBOX', m.raw, []);
        if (!res || typeof res !== 'object' || typeof res.uid !== 'number') throw new Error(`APPEND gave no UID: ${JSON.stringify(res)}`);
        appended.push({ message: m, uid: res.uid, via: 'imap' });
      } catch (err) {
        refused.push({ message: m, error: err instanceof Error ? err.message : String(err) });
      }
    }
  });
  return { appended, refused };
}

/** Peak RSS of a process: the max of VmRSS samples and the kernel's VmHWM, in kB. */
function rssSampler(pid: number): { stop(): { peakKb: number; hwmKb: number } } {
  let peakKb = 0;
  let hwmKb = 0;
  const read = (): void => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
      const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
      if (rss) peakKb = Math.max(peakKb, Number(rss));
      if (hwm) hwmKb = Math.max(hwmKb, Number(hwm));
    } catch {
      // the process is gone
    }
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop() {
      read();
      clearInterval(timer);
      return { peakKb, hwmKb };
    },
  };
}

/** The names of every BullMQ queue under a prefix. */
async function queuesUnder(redisUrl: string, prefix: string): Promise<string[]> {
  const redis = new Redis(redisUrl);
  try {
    const names = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) {
        const name = k.slice(prefix.length + 1).split(':')[0];
        if (name) names.add(name);
      }
    } while (cursor !== '0');
    return [...names].sort();
  } finally {
    redis.disconnect();
  }
}

describe('fault: hostile input (integration)', () => {
  it('survives a few hundred hostile messages and files every one exactly once', async () => {
    const mailbox = uniqueId('hostile');
    const bulkMailbox = uniqueId('bulk');
    const main: TestTenant = { id: 'acme', mailbox, password: uniqueId('pw-'), extra: ['limits: { maxMessageBytes: 2MB }'] };
    // The 100,000-VEVENT calendar is ~6 MB: it goes to a second tenant whose limit is raised.
    const bulk: TestTenant = { id: 'bulk', mailbox: bulkMailbox, password: uniqueId('pw-'), extra: ['limits: { maxMessageBytes: 16MB }'] };
    const user = `${mailbox}@example.com`;
    const bulkUser = `${bulkMailbox}@example.com`;
    await stack.dovecot.addUser(user, main.password);
    await stack.dovecot.addUser(bulkUser, bulk.password);

    const corpus = hostileMessages({ to: `${mailbox}+hostile@example.com`, bulkTo: `${bulkMailbox}+hostile@example.com`, maxMessageBytes: 2 * 1024 * 1024 });
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus.map((m) => m.label)).size).toBe(corpus.length);

    // LMTP first, into the empty mailbox: UIDs 1..k in delivery order.
    const lmtp = corpus.filter((m) => LMTP_LABELS.some((l) => m.label.endsWith(`-${l}`)));
    expect(lmtp.length).toBe(LMTP_LABELS.length);
    const delivered: Delivered[] = [];
    for (const m of lmtp) {
      await stack.dovecot.deliver([`${mailbox}+hostile@example.com`], m.raw);
      delivered.push({ message: m, uid: delivered.length + 1, via: 'lmtp' });
    }
    expect([...(await inboxFlags(stack, user, main.password)).keys()].sort((a, b) => a - b)).toEqual(delivered.map((d) => d.uid));

    const viaImap = corpus.filter((m) => !lmtp.includes(m));
    const mainResult = await appendBuffers(user, main.password, viaImap.filter((m) => m.target === 'main'));
    const bulkResult = await appendBuffers(bulkUser, bulk.password, viaImap.filter((m) => m.target === 'bulk'));
    const refused = [...mainResult.refused, ...bulkResult.refused];
    if (refused.length > 0) console.log('refused by Dovecot at APPEND:', refused.map((r) => `${r.message.label}: ${r.error}`));
    // Only the truly empty message may be refused (IMAP APPEND of zero bytes).
    expect(refused.map((r) => r.message.label).filter((l) => !l.endsWith('-zero-byte'))).toEqual([]);
    const mainDelivered = [...delivered, ...mainResult.appended];
    const bulkDelivered = bulkResult.appended;
    console.log(`delivered ${mainDelivered.length + bulkDelivered.length} hostile messages (${delivered.length} via LMTP), ${Math.round(corpus.reduce((n, m) => n + m.raw.length, 0) / 1024)} kB`);

    const prefix = uniqueId('q');
    const statePrefix = uniqueId('s');
    const configPath = writeConfig(dir, stack, [main, bulk], { statePrefix, prefix, pollInterval: '1s' });
    const daemon = new DaemonProcess(configPath);
    let exitedEarly: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    void daemon.exited.then((e) => {
      exitedEarly = e;
    });
    expect(daemon.pid).toBeTypeOf('number');
    const sampler = rssSampler(daemon.pid ?? 0);
    const started = Date.now();
    let rss = { peakKb: 0, hwmKb: 0 };
    try {
      await waitFor(
        async () => {
          if (exitedEarly) throw new Error(`daemon exited: ${JSON.stringify(exitedEarly)}; stderr: ${daemon.stderr.join('').slice(-4000)}`);
          const [a, b] = await Promise.all([unseenCount(stack, user, main.password), unseenCount(stack, bulkUser, bulk.password)]);
          return a === 0 && b === 0;
        },
        { timeoutMs: 120_000, intervalMs: 500, description: 'hostile backlog drained' },
      );
    } finally {
      rss = sampler.stop();
      const drainMs = Date.now() - started;
      console.log(`hostile drain: ${drainMs} ms; daemon peak RSS ${Math.round(rss.peakKb / 1024)} MB (sampled VmRSS), VmHWM ${Math.round(rss.hwmKb / 1024)} MB`);
      const bad = daemon.logs.filter((l) => l.level === 'error' || l.level === 'fatal' || l.level === 'raw' || String(l.level) === '50' || String(l.level) === '60');
      if (bad.length > 0) console.log('daemon error lines:', bad.slice(0, 20));
    }

    // Still alive after all of it, and a clean exit on SIGTERM.
    expect(exitedEarly).toBeNull();
    const exit = await daemon.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });

    // Nothing stays Unseen.
    for (const [u, pw] of [[user, main.password], [bulkUser, bulk.password]] as const) {
      const flags = await inboxFlags(stack, u, pw);
      expect([...flags.entries()].filter(([, f]) => !f.has('\\Seen')).map(([uid]) => uid)).toEqual([]);
    }

    // Every job, in every queue of both tenants, matched to its message by (user, UID).
    const queues = await queuesUnder(stack.redis.url, prefix);
    console.log('queues:', queues);
    const jobs: { queue: string; data: EmailPayload }[] = [];
    for (const q of queues) for (const j of await jobsIn(stack.redis.url, prefix, q)) jobs.push({ queue: q, data: j.data });
    const byKey = new Map<string, { queue: string; data: EmailPayload }[]>();
    for (const j of jobs) {
      const key = `${j.data.source.user}#${j.data.source.uid}`;
      byKey.set(key, [...(byKey.get(key) ?? []), j]);
    }

    const problems: string[] = [];
    const outcomes = new Map<string, number>();
    let idMismatches = 0;
    const notRouted: string[] = [];
    const detail: string[] = [];
    const check = (d: Delivered, u: string, tenant: string): void => {
      const found = byKey.get(`${u}#${d.uid}`) ?? [];
      byKey.delete(`${u}#${d.uid}`);
      const label = `${d.message.label} (uid ${d.uid}, ${d.via})`;
      if (found.length !== 1) {
        problems.push(`${label}: ${found.length} jobs (${found.map((f) => f.queue).join(', ')})`);
        return;
      }
      const [{ queue, data }] = found as [{ queue: string; data: EmailPayload }];
      const place = queue === `${tenant}.dead-letter` ? 'dead-letter' : queue === `${tenant}.unrouted` ? 'unrouted' : queue.startsWith(`${tenant}.`) ? 'routed' : `foreign queue ${queue}`;
      outcomes.set(place, (outcomes.get(place) ?? 0) + 1);
      if (place !== 'routed') notRouted.push(`${label} -> ${place}: ${data.reason ?? ''}`);
      if (data.invites.length > 0 || data.warnings.length > 0) detail.push(`${d.message.label}: ${data.invites.length} invites, warnings ${JSON.stringify(data.warnings).slice(0, 300)}`);
      if (place.startsWith('foreign')) problems.push(`${label}: in ${queue}`);
      if (place === 'dead-letter' && !(typeof data.reason === 'string' && data.reason.length > 0)) problems.push(`${label}: dead-lettered without a reason`);
      if (place === 'routed' && queue !== `${tenant}.hostile`) problems.push(`${label}: routed to ${queue}, not ${tenant}.hostile`);
      if (d.message.oversized && place !== 'dead-letter') problems.push(`${label}: oversized but ${place}`);
      if (d.message.messageId !== null && data.messageId !== null && data.messageId !== d.message.messageId) idMismatches++;
    };
    for (const d of mainDelivered) check(d, user, 'acme');
    for (const d of bulkDelivered) check(d, bulkUser, 'bulk');
    for (const [key, left] of byKey) problems.push(`job(s) for no delivered message: ${key} in ${left.map((l) => l.queue).join(', ')}`);
    const withId = [...mainDelivered, ...bulkDelivered].filter((d) => d.message.messageId !== null).length;
    const headerless = mainDelivered.length + bulkDelivered.length - withId;
    console.log(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}; ${jobs.length} jobs for ${mainDelivered.length + bulkDelivered.length} messages (${headerless} without a Message-ID); ${idMismatches} jobs with a different messageId than written`);
    console.log(`not routed:\n${notRouted.join('\n')}`);
    console.log(`invites / warnings:\n${detail.map((l) => l.slice(0, 400)).join('\n')}`);
    for (const j of jobs.filter((x) => x.data.subject.includes('nul-in') || (x.data.messageId ?? '').includes('nul-in'))) {
      const text = j.data.text ?? '';
      console.log(`${j.data.messageId ?? ''} via uid ${j.data.source.uid}: subject ${JSON.stringify(j.data.subject)}, NULs in text ${text.split('\u0000').length - 1}, U+FFFD in text ${text.split('\ufffd').length - 1}`);
    }
    const deadLetters = jobs.filter((j) => j.queue.endsWith('.dead-letter'));
    if (deadLetters.length > 0) console.log('dead-letter reasons:', [...new Set(deadLetters.map((j) => j.data.reason))]);
    expect(problems).toEqual([]);
    expect(jobs.length).toBe(mainDelivered.length + bulkDelivered.length);
  }, 240_000);
});
