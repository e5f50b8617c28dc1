import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestTenant } from '../helpers/daemon.js';
import { DaemonProcess, appendAll, inboxFlags, jobsIn, message, uniqueId, unseenCount, writeConfig } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { sleep, startStack, waitFor } from '../helpers/stack.js';

/**
 * Fault suite, crash: SIGKILL the daemon at random moments while it drains a 1,000-message
 * backlog, restart it, five times; meanwhile a consumer completes jobs and cleans them away.
 * At the end every message has exactly its one job (counting the ones consumed and removed)
 * and is \Seen.
 */
let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-crash-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fault: crash (integration)', () => {
  it('loses nothing and duplicates nothing across five SIGKILLs mid-drain', async () => {
    const mailbox = uniqueId('crash');
    const tenant: TestTenant = { id: 'acme', mailbox, password: uniqueId('pw-') };
    const user = `${mailbox}@example.com`;
    await stack.dovecot.addUser(user, tenant.password);
    const total = 1000;
    const workspaces = ['w0', 'w1', 'w2', 'w3', 'w4'];
    await appendAll(
      stack,
      user,
      tenant.password,
      Array.from({ length: total }, (_, i) =>
        message({ to: `${mailbox}+${workspaces[i % 5] ?? 'w0'}@example.com`, subject: `crash ${i}`, messageId: `<crash-${i}@example.org>` }),
      ),
    );
    const statePrefix = uniqueId('t');
    // A short lease: a restarted replica takes over from the killed one within seconds.
    const configPath = writeConfig(dir, stack, [tenant], { statePrefix, pollInterval: '1s', leaseTtl: '2s' });

    // The consumer: completes every job, and a cleaner removes completed jobs (their BullMQ ids
    // go with them), so only the daemon's own markers can stop a second job.
    const consumed = new Map<string, number>();
    // Connection options, not a shared client: BullMQ then owns and closes its connections, so no
    // command is left pending on a client closed underneath it.
    const connection = { host: '127.0.0.1', port: stack.redis.port, maxRetriesPerRequest: null };
    const consumers = workspaces.map(
      (w) =>
        new Worker<{ messageId: string | null }>(
          `acme.${w}`,
          async (job) => {
            const id = job.data.messageId ?? '';
            consumed.set(id, (consumed.get(id) ?? 0) + 1);
            return Promise.resolve();
          },
          { connection, prefix: statePrefix, concurrency: 20 },
        ),
    );
    const cleanerQueues = workspaces.map((w) => new Queue(`acme.${w}`, { connection, prefix: statePrefix }));
    let cleaning = true;
    const cleaner = (async () => {
      while (cleaning) {
        await Promise.all(cleanerQueues.map((q) => q.clean(0, 10_000, 'completed')));
        await sleep(200);
      }
    })();

    try {
      let kills = 0;
      while (kills < 5) {
        const daemon = new DaemonProcess(configPath);
        await daemon.waitForLog((l) => l.msg === 'imap connected', 'connected', 30_000);
        // A random moment inside the drain: after some messages, plus a random delay.
        const threshold = 20 + Math.floor(Math.random() * 60);
        await waitFor(() => daemon.processed().length > threshold, { timeoutMs: 30_000, description: 'some messages processed' });
        await sleep(Math.floor(Math.random() * 150));
        daemon.kill();
        await daemon.exited;
        kills++;
      }
      const final = new DaemonProcess(configPath);
      try {
        await waitFor(async () => (await unseenCount(stack, user, tenant.password)) === 0, { timeoutMs: 90_000, intervalMs: 250, description: 'backlog drained' });
      } finally {
        await final.stop();
      }
    } finally {
      cleaning = false;
      await cleaner;
      await Promise.all(consumers.map((c) => c.close()));
      await Promise.all(cleanerQueues.map((q) => q.close()));
    }

    // Every message: exactly one job, whether consumed (and removed) or still in its queue.
    const remaining = (await Promise.all(workspaces.map((w) => jobsIn(stack.redis.url, statePrefix, `acme.${w}`)))).flat();
    const counts = new Map<string, number>(consumed);
    for (const job of remaining) {
      if (job.finishedOn) continue; // completed: counted by the consumer already
      const id = job.data.messageId ?? '';
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const missing = Array.from({ length: total }, (_, i) => `<crash-${i}@example.org>`).filter((id) => !counts.has(id));
    const twice = [...counts.entries()].filter(([, n]) => n > 1);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(counts.size).toBe(total);
    const flags = await inboxFlags(stack, user, tenant.password);
    expect([...flags.values()].every((f) => f.has('\\Seen'))).toBe(true);
  }, 300_000);
});
