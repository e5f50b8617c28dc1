/**
 * The bench's servers (a throwaway Dovecot and Redis from dist/devstack, loopback only) and the
 * small IMAP / Redis helpers every scenario uses.
 */
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';

import { ImapFlow } from 'imapflow';
import { Redis } from 'ioredis';

import { startDovecot } from '../dist/devstack/dovecot.js';
import { startRedis } from '../dist/devstack/redis.js';
import { corpus, USER } from './corpus.mjs';
import { sleep } from './util.mjs';

export const PASSWORD = 'bench-password';
export const PREFIX = 'bench';
export const STATE_PREFIX = 'bench-state';

/** Starts both servers; whatever started is stopped again if the other fails. */
export async function startEnv() {
  const [dovecot, redis] = await Promise.allSettled([startDovecot(), startRedis()]);
  if (dovecot.status === 'rejected' || redis.status === 'rejected') {
    await Promise.allSettled(
      [dovecot, redis].filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()),
    );
    throw dovecot.status === 'rejected' ? dovecot.reason : redis.reason;
  }
  const env = {
    dovecot: dovecot.value,
    redis: redis.value,
    user: USER,
    password: PASSWORD,
    stop: () => Promise.allSettled([dovecot.value.stop(), redis.value.stop()]),
  };
  await env.dovecot.addUser(USER, PASSWORD);
  return env;
}

export function imapClient(env, options = {}) {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: env.dovecot.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: env.user, pass: env.password },
    logger: false,
    disableAutoIdle: true,
    ...options,
  });
  // An 'error' event without a listener would crash the bench; failures surface via commands.
  client.on('error', () => undefined);
  return client;
}

export async function withClient(env, fn, { select = true } = {}) {
  const client = imapClient(env);
  await client.connect();
  try {
    if (select) await client.mailboxOpen('INBOX');
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export function redisClient(env) {
  const redis = new Redis(env.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', () => undefined);
  return redis;
}

/** `UID STORE 1:* -FLAGS (\Seen)` and FLUSHALL: every scenario starts from the same state. */
export async function resetState(env) {
  await withClient(env, async (client) => {
    if (client.mailbox.exists > 0) {
      const ok = await client.messageFlagsRemove('1:*', ['\\Seen'], { uid: true });
      if (!ok) throw new Error('UID STORE 1:* -FLAGS (\\Seen) was refused');
    }
  });
  const redis = redisClient(env);
  try {
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
  const status = await mailboxStatus(env);
  if (status.unseen !== status.messages) {
    throw new Error(`reset left ${status.messages - status.unseen} of ${status.messages} messages \\Seen`);
  }
  return status;
}

export async function mailboxStatus(env) {
  return withClient(env, async (client) => client.status('INBOX', { messages: true, unseen: true }), {
    select: false,
  });
}

/**
 * Fills INBOX with the corpus over ONE imapflow connection (APPEND in a loop), except Bcc
 * messages, which go over LMTP so that only Dovecot's Delivered-To names the alias. The next
 * message is generated while the current one is in flight.
 */
export async function fill(env, { seed, count, log }) {
  const expectations = [];
  let bytes = 0;
  let lmtp = 0;
  const started = performance.now();
  const client = imapClient(env);
  await client.connect();
  try {
    const it = corpus(seed, 'fill', count);
    let current = it.next();
    let lastReport = started;
    while (!current.done) {
      const m = current.value;
      const io = m.lmtpRecipient
        ? env.dovecot.deliver([m.lmtpRecipient], m.raw)
        : client.append('INBOX', m.raw, [], m.date).then((r) => {
            if (!r) throw new Error(`APPEND of message ${m.index} failed`);
          });
      io.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
      if (m.lmtpRecipient) lmtp++;
      // Let the write reach the socket, then build the next message while Dovecot stores this one.
      await new Promise((resolve) => setImmediate(resolve));
      current = it.next();
      await io;
      bytes += m.raw.length;
      expectations.push({
        index: m.index,
        messageId: m.messageId,
        queues: m.queues,
        invite: m.invite,
        kind: m.kind,
        size: m.raw.length,
      });
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        log(`  fill: ${expectations.length}/${count} messages, ${(bytes / 1e6).toFixed(0)} MB`);
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  const ms = performance.now() - started;
  const status = await mailboxStatus(env);
  if (status.messages !== count)
    throw new Error(`fill: INBOX holds ${status.messages} messages, expected ${count}`);
  return { expectations, bytes, lmtp, ms };
}

/** Polls STATUS UNSEEN on its own connection every `intervalMs` until it reads 0. */
export async function waitUntilNoUnseen(env, { intervalMs = 100, timeoutMs, abortIf }) {
  const client = imapClient(env);
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    let last = null;
    for (;;) {
      const status = await client.status('INBOX', { unseen: true });
      last = status.unseen;
      if (last === 0) return { at: Date.now() };
      const reason = abortIf?.();
      if (reason) throw new Error(`${reason} (${last} messages still Unseen)`);
      if (Date.now() > deadline) throw new Error(`${last} messages still Unseen after ${timeoutMs} ms`);
      await sleep(intervalMs);
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}
