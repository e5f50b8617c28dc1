import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestTenant } from '../helpers/daemon.js';
import { DaemonProcess, appendAll, inboxFlags, jobsIn, message, uniqueId, unseenCount, writeConfig } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { startStack, waitFor } from '../helpers/stack.js';

/**
 * Fault suite, full Redis (`maxmemory` with `noeviction`, as a slow consumer would leave it):
 * adds fail, the daemon backs off and marks nothing; once memory is available again the drain
 * completes with exactly one job per message.
 */
let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack({ redis: { maxmemory: '3mb' } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-redis-full-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fault: Redis out of memory (integration)', () => {
  it('marks nothing whose job could not be added, and resumes when memory is back', async () => {
    const mailbox = uniqueId('full');
    const tenant: TestTenant = { id: 'acme', mailbox, password: uniqueId('pw-') };
    const user = `${mailbox}@example.com`;
    await stack.dovecot.addUser(user, tenant.password);
    const total = 150;
    const body = 'x'.repeat(40_000);
    await appendAll(
      stack,
      user,
      tenant.password,
      Array.from({ length: total }, (_, i) => message({ to: `${mailbox}+f@example.com`, subject: `full ${i}`, messageId: `<full-${i}@example.org>`, body })),
    );
    const statePrefix = uniqueId('t');
    const redis = new Redis(stack.redis.url);
    const daemon = new DaemonProcess(writeConfig(dir, stack, [tenant], { statePrefix, pollInterval: '1s' }));
    try {
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      await daemon.waitForLog((l) => l.msg === 'recording jobs failed: nothing marked read, retrying', 'adds refused by a full Redis', 30_000);
      // Whatever is \Seen now has its job in Redis; the rest waits.
      const seen = total - (await unseenCount(stack, user, tenant.password));
      const recorded = (await jobsIn(stack.redis.url, statePrefix, 'acme.f')).length;
      expect(seen).toBeLessThan(total);
      expect(seen).toBeLessThanOrEqual(recorded);

      await redis.config('SET', 'maxmemory', '0');
      await waitFor(async () => (await unseenCount(stack, user, tenant.password)) === 0, { timeoutMs: 60_000, intervalMs: 250, description: 'drain completes' });
    } finally {
      redis.disconnect();
      expect((await daemon.stop()).code).toBe(0);
    }
    const jobs = await jobsIn(stack.redis.url, statePrefix, 'acme.f');
    const ids = jobs.map((j) => j.data.messageId);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toHaveLength(total);
    const flags = await inboxFlags(stack, user, tenant.password);
    expect([...flags.values()].every((f) => f.has('\\Seen'))).toBe(true);
  }, 120_000);
});
