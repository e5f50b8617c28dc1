import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestTenant } from '../helpers/daemon.js';
import { DaemonProcess, appendAll, inboxFlags, jobsIn, message, uniqueId, unseenCount, writeConfig } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { freePort, startStack, waitFor } from '../helpers/stack.js';

/**
 * Fault suite, Redis outage: Redis (with persistence) goes away for 10 s in the middle of a
 * drain and comes back. Nothing may be \Seen without its job, nothing lost, no restart of the
 * daemon needed, and the outage visible in the logs and on /readyz.
 */
let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack({ redis: { appendonly: true } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-redis-outage-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function readyz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch {
    return 0;
  }
}

describe('fault: Redis outage (integration)', () => {
  it('stops marking while Redis is down and finishes the drain when it is back, without a restart', async () => {
    const mailbox = uniqueId('outage');
    const tenant: TestTenant = { id: 'acme', mailbox, password: uniqueId('pw-') };
    const user = `${mailbox}@example.com`;
    await stack.dovecot.addUser(user, tenant.password);
    const total = 600;
    await appendAll(
      stack,
      user,
      tenant.password,
      Array.from({ length: total }, (_, i) => message({ to: `${mailbox}+o${i % 3}@example.com`, subject: `outage ${i}`, messageId: `<outage-${i}@example.org>` })),
    );
    const port = await freePort();
    const statePrefix = uniqueId('t');
    const daemon = new DaemonProcess(writeConfig(dir, stack, [tenant], { statePrefix, pollInterval: '1s', http: `127.0.0.1:${port}` }));
    try {
      await waitFor(() => daemon.processed().length >= 50, { timeoutMs: 30_000, description: 'drain under way' });
      expect(await readyz(port)).toBe(200);

      const outage = stack.redis.restart({ downMs: 10_000 });
      await daemon.waitForLog((l) => l.msg === 'redis connection closed', 'the daemon sees Redis go', 10_000);
      await waitFor(async () => (await readyz(port)) === 503, { timeoutMs: 8_000, description: '/readyz reports the outage' });
      // While Redis is down, \Seen must not move: take two readings a few seconds apart.
      const seenAtStart = total - (await unseenCount(stack, user, tenant.password));
      await new Promise((r) => setTimeout(r, 3_000));
      const seenLater = total - (await unseenCount(stack, user, tenant.password));
      expect(seenLater).toBe(seenAtStart);
      await outage;

      await waitFor(async () => (await unseenCount(stack, user, tenant.password)) === 0, { timeoutMs: 90_000, intervalMs: 250, description: 'drain finished after the outage' });
      await waitFor(async () => (await readyz(port)) === 200, { timeoutMs: 10_000, description: '/readyz ready again' });
      expect(daemon.logs.some((l) => l.level === 'warn' && /redis unavailable|recording jobs failed/.test(l.msg))).toBe(true);
    } finally {
      const exit = await daemon.stop();
      expect(exit.code).toBe(0);
    }

    const jobs = (await Promise.all(['o0', 'o1', 'o2'].map((w) => jobsIn(stack.redis.url, statePrefix, `acme.${w}`)))).flat();
    const counts = new Map<string, number>();
    for (const j of jobs) counts.set(j.data.messageId ?? '', (counts.get(j.data.messageId ?? '') ?? 0) + 1);
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const flags = await inboxFlags(stack, user, tenant.password);
    expect([...flags.values()].every((f) => f.has('\\Seen'))).toBe(true);
  }, 180_000);
});
