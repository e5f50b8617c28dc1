/**
 * The throughput scenarios, each on the same mailbox (reset to all-Unseen and an empty Redis
 * before it):
 *   a  transport limit: imapflow `fetch('1:*', {source: true})` (BODY.PEEK[]), download only
 *   b  the usual way: a + mailparser simpleParser (default options) on each message, in turn
 *   c  the naive loop: per Unseen UID fetch one, simpleParser, queue.add one job, set \Seen
 *   d  `mail-ingest run` draining the backlog, from spawn until STATUS UNSEEN reads 0
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { Queue } from 'bullmq';
import { simpleParser } from 'mailparser';

import { jobIdFor } from '../dist/queue/job-id.js';

import { DaemonRun, ROOT, writeDaemonConfig } from './daemon.mjs';
import { imapClient, PREFIX, redisClient, resetState, STATE_PREFIX, waitUntilNoUnseen } from './env.mjs';
import { coresBusy, cpuDelta, groupCpu, machineCpu } from './util.mjs';

const CORES = os.cpus().length;

/** Servers' process groups (each server leads its group: pid = pgid). */
export function serverGroups(env) {
  return { dovecot: env.dovecot.pid, redis: env.redis.pid };
}

/** Starts a measurement; the returned function ends it: wall ms, busy cores, CPU s per party. */
function measure(env) {
  const cpu = machineCpu();
  const own = process.cpuUsage();
  const groups = serverGroups(env);
  const servers = groupCpu(groups);
  const t = performance.now();
  return () => {
    const u = process.cpuUsage(own);
    return {
      ms: performance.now() - t,
      cores: coresBusy(cpu, machineCpu(), CORES),
      cpu: { bench: (u.user + u.system) / 1e6, ...cpuDelta(servers, groupCpu(groups)) },
    };
  };
}

async function selected(env) {
  const client = imapClient(env);
  await client.connect();
  await client.mailboxOpen('INBOX');
  return client;
}

/** (a) BODY.PEEK[] of every message over one connection; nothing else. */
export async function transport(env) {
  const client = await selected(env);
  try {
    let messages = 0;
    let bytes = 0;
    const done = measure(env);
    for await (const msg of client.fetch('1:*', { uid: true, source: true })) {
      messages++;
      bytes += msg.source.length;
    }
    return { messages, bytes, ...done() };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** (b) (a) plus `simpleParser(source)` with default options, one message after the other. */
export async function usual(env) {
  const client = await selected(env);
  try {
    let messages = 0;
    let bytes = 0;
    let attachments = 0;
    const done = measure(env);
    for await (const msg of client.fetch('1:*', { uid: true, source: true })) {
      const parsed = await simpleParser(msg.source);
      attachments += parsed.attachments.length;
      messages++;
      bytes += msg.source.length;
    }
    return { messages, bytes, attachments, ...done() };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

const ALIAS = /casper\+([a-z0-9][a-z0-9._-]{0,63})@example\.com/gi;

/** The naive consumer's routing: every casper+alias in Delivered-To / To / Cc, else unrouted. */
function naiveQueues(parsed) {
  const found = new Set();
  for (const { key, line } of parsed.headerLines) {
    if (key !== 'delivered-to' && key !== 'to' && key !== 'cc') continue;
    for (const m of line.matchAll(ALIAS)) found.add(m[1].toLowerCase());
  }
  return found.size ? [...found].map((w) => `acme.${w}`) : ['acme.unrouted'];
}

function naivePayload(parsed, uid, size) {
  const addresses = (a) => (a ? (Array.isArray(a) ? a : [a]).flatMap((x) => x.value) : []);
  return {
    source: { uid, size },
    messageId: parsed.messageId ?? null,
    date: parsed.date ? parsed.date.toISOString() : null,
    subject: parsed.subject ?? '',
    from: addresses(parsed.from),
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    text: parsed.text ?? null,
    html: parsed.html || null,
    attachments: parsed.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      size: a.size,
      checksum: a.checksum,
      // Same rule as the daemon's default inlineAttachmentBytes (256 KiB).
      content: a.size <= 256 * 1024 ? a.content.toString('base64') : null,
    })),
  };
}

/** (c) for each Unseen UID: fetch one, parse, add one job per workspace, set \Seen on it. */
export async function naive(env) {
  const client = await selected(env);
  const redis = redisClient(env);
  const queues = new Map();
  const queue = (name) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: redis, prefix: PREFIX });
      q.on('error', () => undefined);
      queues.set(name, q);
    }
    return q;
  };
  try {
    let messages = 0;
    let bytes = 0;
    let jobs = 0;
    const done = measure(env);
    const uids = await client.search({ seen: false }, { uid: true });
    for (const uid of uids) {
      const msg = await client.fetchOne(uid, { uid: true, source: true }, { uid: true });
      if (!msg || !msg.source) throw new Error(`naive: UID ${uid} could not be fetched`);
      const parsed = await simpleParser(msg.source);
      const payload = naivePayload(parsed, uid, msg.source.length);
      for (const name of naiveQueues(parsed)) {
        await queue(name).add('email', payload, { removeOnComplete: 1000 });
        jobs++;
      }
      const ok = await client.messageFlagsAdd(uid, ['\\Seen'], { uid: true });
      if (!ok) throw new Error(`naive: STORE \\Seen on UID ${uid} refused`);
      messages++;
      bytes += msg.source.length;
    }
    return { messages, bytes, jobs, ...done() };
  } finally {
    await Promise.allSettled([...queues.values()].map((q) => q.close()));
    redis.disconnect();
    await client.logout().catch(() => client.close());
  }
}

/**
 * (d) `node dist/cli.js run`: spawn, then STATUS UNSEEN on a separate connection every 100 ms
 * until it reads 0. Times from spawn, and from the `time` of the daemon's 'imap connected'
 * line when the log level lets it print one (info).
 */
export async function daemon(
  env,
  { dir, level, name, timeoutMs, nodeArgs = [], totalBytes, messages, script = null, scriptArgs = [] },
) {
  const config = writeDaemonConfig(dir, env, { level, name });
  const done = measure(env);
  const run = new DaemonRun(config, { nodeArgs, script, scriptArgs });
  let drained;
  let cpuS = null;
  let m;
  try {
    drained = await waitUntilNoUnseen(env, {
      intervalMs: 100,
      timeoutMs,
      abortIf: () => (run.running ? null : `daemon exited early\n${run.describe()}`),
    });
    cpuS = run.cpuSeconds();
    m = done();
  } catch (err) {
    await run.stop().catch(() => undefined);
    throw err;
  }
  // Graceful stop (SIGTERM, exit 0) is part of the contract; a daemon that needs SIGKILL is an error.
  await run.stop().catch((err) => {
    throw new Error(`${name}: ${err.message}`);
  });
  const fromSpawnMs = drained.at - run.spawnedAt;
  const fromConnectedMs = run.connected ? drained.at - run.connected.time : null;
  if (level === 'info' && run.processed < messages) {
    throw new Error(
      `${name}: the mailbox drained but the daemon logged only ${run.processed} of ${messages} 'message processed' lines`,
    );
  }
  return {
    messages,
    bytes: totalBytes,
    ms: fromSpawnMs,
    fromConnectedMs,
    connectAfterMs: run.connected ? run.connected.time - run.spawnedAt : null,
    // Start-up milestones from the daemon's own log lines (level info and below), ms after spawn.
    startup: Object.fromEntries(
      ['redis connected', 'mail-ingest started', 'imap connected']
        .map((msg) => [msg, run.logs.find((l) => l.msg === msg)])
        .filter(([, l]) => l)
        .map(([msg, l]) => [msg, Date.parse(l.time) - run.spawnedAt]),
    ),
    cores: m.cores,
    cpu: { ...m.cpu, daemon: cpuS },
    exit: run.exitStatus,
    problems: run.problems().length,
    processedLines: run.processed,
  };
}

const STATES = [
  'waiting',
  'paused',
  'delayed',
  'prioritized',
  'active',
  'completed',
  'failed',
  'waiting-children',
];

/**
 * Every message has exactly one job per distinct workspace (or one unrouted job): each expected
 * job id (README "Job ids") exists, and the queues hold no job besides them. Invite messages'
 * jobs are read back to check that their invites were extracted.
 */
export async function verifyJobs(env, expectations) {
  const redis = redisClient(env);
  try {
    const expected = new Map();
    for (const e of expectations) {
      for (const q of e.queues) {
        if (!expected.has(q)) expected.set(q, []);
        expected.get(q).push({ e, jobId: jobIdFor('acme', q, `mid:${e.messageId}`) });
      }
    }
    const registered = await redis.smembers(`${STATE_PREFIX}:queues`);
    const names = [
      ...new Set([...expected.keys(), ...registered, 'acme.unrouted', 'acme.dead-letter']),
    ].sort();
    const perQueue = {};
    let actual = 0;
    for (const name of names) {
      const q = new Queue(name, { connection: redis, prefix: PREFIX });
      q.on('error', () => undefined);
      const counts = await q.getJobCounts(...STATES);
      await q.close();
      const n = Object.values(counts).reduce((a, b) => a + b, 0);
      perQueue[name] = n;
      actual += n;
    }
    let missing = 0;
    let expectedJobs = 0;
    const missingExamples = [];
    for (const [q, list] of expected) {
      expectedJobs += list.length;
      const exists = await redis
        .pipeline(list.map(({ jobId }) => ['exists', `${PREFIX}:${q}:${jobId}`]))
        .exec();
      exists.forEach(([err, v], i) => {
        if (err || v !== 1) {
          missing++;
          if (missingExamples.length < 5) missingExamples.push(`${q} ${list[i].e.messageId}`);
        }
      });
    }
    // Invites: the first job of every invite message must carry at least one.
    let inviteMessages = 0;
    let inviteJobsWithout = 0;
    let warnings = 0;
    for (const e of expectations.filter((x) => x.invite)) {
      inviteMessages++;
      const q = e.queues[0];
      const data = await redis.hget(`${PREFIX}:${q}:${jobIdFor('acme', q, `mid:${e.messageId}`)}`, 'data');
      if (!data) continue; // counted as missing above
      const payload = JSON.parse(data);
      if (!Array.isArray(payload.invites) || payload.invites.length === 0) inviteJobsWithout++;
      if (payload.warnings?.length) warnings++;
    }
    const extra = actual - (expectedJobs - missing);
    return {
      ok:
        missing === 0 && extra === 0 && (perQueue['acme.dead-letter'] ?? 0) === 0 && inviteJobsWithout === 0,
      expectedJobs,
      actual,
      missing,
      extra,
      missingExamples,
      deadLetter: perQueue['acme.dead-letter'] ?? 0,
      unrouted: perQueue['acme.unrouted'] ?? 0,
      queues: Object.keys(perQueue).length,
      inviteMessages,
      inviteJobsWithout,
      inviteJobsWithWarnings: warnings,
    };
  } finally {
    redis.disconnect();
  }
}

/**
 * `--sweep`: the daemon with 0 (parse in the main thread), 1 and 2 parser threads. The thread
 * count is DaemonOptions.parserThreads, which `mail-ingest run` does not expose (it always uses
 * one per core, 2 here), so daemon.mjs, run as a script, runs the daemon's own Daemon class from
 * dist/ the way `run` does, in a fresh process per setting, measured exactly like d (log level
 * warn, from spawn until STATUS UNSEEN reads 0, jobs verified).
 */
export async function sweep(env, { dir, threads, messages, totalBytes, expectations, timeoutMs, log }) {
  const out = [];
  for (const k of threads) {
    await resetState(env);
    const r = await daemon(env, {
      dir,
      level: 'warn',
      name: `sweep-${k}`,
      timeoutMs,
      totalBytes,
      messages,
      script: path.join(ROOT, 'bench', 'daemon.mjs'),
      scriptArgs: ['--threads', String(k)],
    });
    const v = await verifyJobs(env, expectations);
    if (!v.ok)
      throw new Error(`sweep with ${k} parser threads: job verification failed: ${JSON.stringify(v)}`);
    out.push({ threads: k, ...r });
    log(
      `  ${k} parser thread(s): ${(r.ms / 1000).toFixed(2)} s, ${(messages / (r.ms / 1000)).toFixed(0)} msgs/s, daemon CPU ${r.cpu.daemon?.toFixed(2)} s; jobs OK`,
    );
  }
  return out;
}
