import { randomBytes } from 'node:crypto';

import { pino } from 'pino';

import { loadConfigText } from '../config/load.js';
import type { DovecotServer } from '../devstack/dovecot.js';
import { startDovecot } from '../devstack/dovecot.js';
import type { RedisServer } from '../devstack/redis.js';
import { startRedis } from '../devstack/redis.js';
import { waitFor } from '../devstack/wait-for.js';
import { Daemon } from '../ingest/daemon.js';
import { createLogger } from '../observability/logger.js';
import type { QueueListing } from '../queue/read-queues.js';
import { readQueues } from '../queue/read-queues.js';
import { sampleMessages } from './samples.js';

const MAILBOX = 'casper';
const DOMAIN = 'example.com';

/**
 * `mail-ingest demo`: the whole product end to end on a throwaway Dovecot and Redis (temp dir,
 * free loopback ports): deliver sample mail over LMTP, run the daemon until the mailbox is
 * drained, print what landed in which queue, stop everything.
 */
export async function runDemo(out: (text: string) => void): Promise<void> {
  const started = Date.now();
  out('mail-ingest demo: starting a throwaway Dovecot and Redis on loopback...\n');
  const [dovecot, redis] = await Promise.all([startDovecot(), startRedis()]);
  let daemon: Daemon | null = null;
  try {
    const password = randomBytes(12).toString('hex');
    await dovecot.addUser(`${MAILBOX}@${DOMAIN}`, password);
    const samples = sampleMessages(MAILBOX, DOMAIN);
    for (const sample of samples) await dovecot.deliver(sample.recipients, sample.raw);
    const copies = samples.reduce((n, s) => n + s.recipients.length, 0);
    out(`delivered ${samples.length} messages over LMTP (${copies} stored copies) to ${MAILBOX}@${DOMAIN}\n`);

    const config = loadConfigText(demoConfig(dovecot, redis, password), 'demo.yaml', {});
    // The daemon's own log goes to stderr, warnings only: the demo prints a summary instead.
    const log = createLogger({ level: 'warn' }, pino.destination({ dest: 2, sync: true }));
    daemon = new Daemon(config, log, { parserThreads: 1, stopTimeoutMs: 10_000 });
    await daemon.start();
    const worker = daemon.workers[0];
    await waitFor(() => worker !== undefined && worker.processedMessages >= copies, {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: 'the daemon to drain the mailbox',
    });
    await daemon.stop();
    daemon = null;

    const listings = await readQueues(redis.url, config.redis.prefix, config.redis.statePrefix);
    out(renderSummary(listings));
    out(
      `\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; every message is marked \\Seen only after its jobs were in Redis.\n`,
    );
  } finally {
    if (daemon) daemon.abort();
    await Promise.allSettled([dovecot.stop(), redis.stop()]);
  }
}

function demoConfig(dovecot: DovecotServer, redis: RedisServer, password: string): string {
  return [
    'redis:',
    `  url: ${redis.url}`,
    'http:',
    '  listen: "off"',
    'tenants:',
    '  demo:',
    '    assistant:',
    `      mailbox: ${MAILBOX}`,
    `      domain: ${DOMAIN}`,
    '      displayName: Casper',
    '    imap:',
    `      host: ${dovecot.host}`,
    `      port: ${dovecot.imapsPort}`,
    '      tls: implicit',
    `      caFile: ${dovecot.caPath}`,
    `      password: "${password}"`,
    '    workspaces:',
    '      sales: ws-sales',
    '      support: ws-support',
    '    unknownAlias: unrouted',
    '    noAlias: unrouted',
    '    autoReplies: unrouted',
    '    poll: { interval: 30s, idle: true }',
    '',
  ].join('\n');
}

export function renderSummary(listings: readonly QueueListing[]): string {
  const out: string[] = ['', 'What landed where:'];
  for (const { queue, jobs } of listings) {
    out.push('', `  ${queue}  (${jobs.length} job${jobs.length === 1 ? '' : 's'})`);
    for (const { data } of jobs) {
      const via = data.recipient ? ` — via ${data.recipient.header}: ${data.recipient.address}` : '';
      const why = data.reason ? ` — ${data.reason}` : '';
      out.push(`    • ${data.subject}${via}${why}`);
      for (const invite of data.invites) {
        out.push(
          `        invite ${invite.method ?? ''}: "${invite.summary ?? ''}" starts ${invite.start ?? '?'} (UTC), zone ${invite.timezone ?? 'none'}`,
        );
      }
    }
  }
  return `${out.join('\n')}\n`;
}
