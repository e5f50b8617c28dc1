import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DaemonProcess, appendAll, jobsIn, largeMessage, message, uniqueId, unseenCount } from '../helpers/daemon.js';
import type { Stack } from '../helpers/stack.js';
import { startStack, waitFor } from '../helpers/stack.js';
import type { TcpProxy } from '../helpers/tcp-proxy.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Fault suite, stalled connection: a proxy between daemon and Dovecot stops forwarding without
 * closing. The daemon must notice through its socket timeout (Dovecot's IDLE keep-alive, every
 * 10 s in the test stack, stops arriving), drop the connection, and reconnect. The same proxy
 * also drops a connection in the middle of a streamed download.
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

/** A user on the Dovecot stack and a daemon config that reaches it through the proxy. */
async function throughProxy(name: string): Promise<{ mailbox: string; password: string; statePrefix: string; configPath: string }> {
  const mailbox = uniqueId(name);
  const password = uniqueId('pw-');
  await stack.dovecot.addUser(`${mailbox}@example.com`, password);
  const statePrefix = uniqueId('t');
  const configPath = path.join(dir, `${name}.yaml`);
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
  return { mailbox, password, statePrefix, configPath };
}

describe('fault: stalled connection (integration)', () => {
  it('detects a connection that stops answering, reconnects, and picks up the mail', async () => {
    const { mailbox, statePrefix, configPath } = await throughProxy('stall');
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

  it('a connection dropped in the middle of streaming a large message: fetched again, one job, no dead-letter', async () => {
    const { mailbox, password, statePrefix, configPath } = await throughProxy('cut');
    const to = `${mailbox}+big@example.com`;
    const { raw, attachment } = largeMessage({ to, subject: 'cut mid-download', textBytes: 1_000_000, attachmentBytes: 9_000_000 });
    await appendAll(stack, `${mailbox}@example.com`, password, [raw]);
    // About 5 MB into the answers the connection goes: in the middle of the 13 MB download.
    proxy.cutAfter(5_000_000);
    const daemon = new DaemonProcess(configPath);
    try {
      await daemon.waitForLog((l) => l.msg === 'imap connection failed', 'the broken download noticed', 30_000);
      expect(daemon.processed()).toHaveLength(0);
      await daemon.waitForLog((l) => l.msg === 'message processed', 'the message processed after reconnecting', 30_000);
      expect(daemon.logs.filter((l) => l.msg === 'imap connected').length).toBeGreaterThanOrEqual(2);
      const jobs = await jobsIn(stack.redis.url, statePrefix, 'acme.big');
      expect(jobs.map((j) => [j.data.subject, j.data.attachments[0]?.size])).toEqual([['cut mid-download', attachment.length]]);
      expect(await jobsIn(stack.redis.url, statePrefix, 'acme.dead-letter')).toHaveLength(0);
      expect(await unseenCount(stack, `${mailbox}@example.com`, password)).toBe(0);
    } finally {
      expect((await daemon.stop()).code).toBe(0);
    }
  }, 120_000);
});
