import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestTenant } from '../helpers/daemon.js';
import { DaemonProcess, jobsIn, message, uniqueId, writeConfig } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { startStack, waitFor } from '../helpers/stack.js';

/**
 * Fault suite, IMAP outage: Dovecot restarts (down for 3 s) while the daemon sits in IDLE. The
 * daemon notices, backs off, builds a new client, and mail that arrived meanwhile is processed
 * once it is back — without waiting for the (hour-long) poll interval.
 */
let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-imap-outage-'));
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fault: IMAP outage (integration)', () => {
  it('reconnects after Dovecot restarts during IDLE and processes the mail that came meanwhile', async () => {
    const mailbox = uniqueId('imapout');
    const tenant: TestTenant = { id: 'acme', mailbox, password: uniqueId('pw-') };
    await stack.dovecot.addUser(`${mailbox}@example.com`, tenant.password);
    const statePrefix = uniqueId('t');
    const daemon = new DaemonProcess(writeConfig(dir, stack, [tenant], { statePrefix, pollInterval: '1h' }));
    try {
      await daemon.waitForLog((l) => l.msg === 'imap connected', 'first connection');
      await stack.dovecot.deliver([`${mailbox}+before@example.com`], message({ to: `${mailbox}+before@example.com`, subject: 'before' }));
      await daemon.waitForLog((l) => l.msg === 'message processed', 'first message through IDLE');

      await stack.dovecot.restart({ downMs: 3_000 });
      // Delivered as soon as Dovecot is back, possibly before the daemon has reconnected.
      await stack.dovecot.deliver([`${mailbox}+after@example.com`], message({ to: `${mailbox}+after@example.com`, subject: 'after' }));

      await waitFor(() => daemon.logs.filter((l) => l.msg === 'imap connected').length >= 2, {
        timeoutMs: 30_000,
        description: 'a new connection after the outage',
      });
      await waitFor(() => daemon.processed().length >= 2, { timeoutMs: 30_000, description: 'mail from the outage processed' });
      expect(daemon.logs.some((l) => l.msg === 'reconnecting after back-off')).toBe(true);
      // The default back-off starts at 0.5-1 s: the first retries come well inside the 5-minute cap.
      const delays = daemon.logs.filter((l) => l.msg === 'reconnecting after back-off').map((l) => Number(l.delayMs));
      expect(delays.every((d) => d <= 5 * 60_000)).toBe(true);
      expect((await jobsIn(stack.redis.url, statePrefix, 'acme.after')).map((j) => j.data.subject)).toEqual(['after']);
    } finally {
      expect((await daemon.stop()).code).toBe(0);
    }
  }, 120_000);
});
