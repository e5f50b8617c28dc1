import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DaemonProcess, jobsIn, message, uniqueId } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { startStack, waitFor } from '../helpers/stack.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Fault suite, stalled connection: a proxy between daemon and Dovecot stops forwarding without
 * closing. The daemon must notice through its socket timeout (Dovecot's IDLE keep-alive, every
 * 10 s in the test stack, stops arriving), drop the connection, and reconnect.
 */
let stack: Stack;
let proxy: TcpProxy;
let dir: string;

beforeAll(async () => {
  stack = await startStack();
  proxy = await startTcpProxy('127.0.0.1', stack.dovecot.imapPort);
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-stall-'));
});

afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fault: stalled connection (integration)', () => {
  it('detects a connection that stops answering, reconnects, and picks up the mail', async () => {
    const mailbox = uniqueId('stall');
    const password = uniqueId('pw-');
    await stack.dovecot.addUser(`${mailbox}@example.com`, password);
    const statePrefix = uniqueId('t');
    const configPath = path.join(dir, 'stall.yaml');
    writeFileSync(
      configPath,
      [
        'redis:',
        `  url: ${stack.redis.url}`,
        `  prefix: ${statePrefix}`,
        `  statePrefix: ${statePrefix}`,
        'http: { listen: "off" }',
        'tenants:',
        '  acme:',
        '    assistant: { mailbox: ' + mailbox + ', domain: example.com }',
        '    poll: { interval: 1h, idle: true }',
        '    imap:',
        '      host: 127.0.0.1',
        `      port: ${proxy.port}`,
        '      tls: none',
        '      allowInsecure: true',
        `      password: "${password}"`,
        '      socketTimeout: 15s',
        '',
      ].join('\n'),
    );
    const daemon = new DaemonProcess(configPath);
    try {
      await daemon.waitForLog((l) => l.msg === 'imap connected', 'first connection');
      await waitFor(() => daemon.logs.some((l) => l.msg === 'tenant state' && l.to === 'ready'), { timeoutMs: 10_000 });
      proxy.stall();
      // Mail arrives while the connection is stalled: the daemon cannot hear about it.
      await stack.dovecot.deliver([`${mailbox}+late@example.com`], message({ to: `${mailbox}+late@example.com`, subject: 'during the stall' }));
      await daemon.waitForLog((l) => l.msg === 'imap connection failed' || l.msg === 'reconnecting after back-off', 'the stall detected', 40_000);
      proxy.resume();
      await waitFor(() => daemon.logs.filter((l) => l.msg === 'imap connected').length >= 2, { timeoutMs: 30_000, description: 'reconnected' });
      await daemon.waitForLog((l) => l.msg === 'message processed', 'mail from the stall processed', 20_000);
      expect((await jobsIn(stack.redis.url, statePrefix, 'acme.late')).map((j) => j.data.subject)).toEqual(['during the stall']);
    } finally {
      proxy.resume();
      expect((await daemon.stop()).code).toBe(0);
    }
  }, 120_000);
});
