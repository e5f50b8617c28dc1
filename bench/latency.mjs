/**
 * Latency: messages delivered one by one over LMTP while the daemon sits in IDLE and, on the
 * same mailbox, a bare imapflow client sits in IDLE too, listening for EXISTS.
 *
 * Per message:
 *   t_send   just before dovecot.deliver() is called (LMTP connect, LHLO, MAIL, RCPT, DATA)
 *   t0       when deliver() resolved: Dovecot answered 250 to the end of DATA, the message is stored
 *   t_exists when the bare client's 'exists' event fired for its sequence number
 *   t_job    when the job entered Redis: the ms part of the id of its 'added' entry in the queue's
 *            events stream (Redis's own clock, stamped inside the EXEC that added it); for a
 *            fan-out message the latest of its jobs
 * All clocks are the same machine's wall clock, read in ms.
 */
import { buildMessage, prng, USER, WORKSPACES } from './corpus.mjs';
import { DaemonRun, writeDaemonConfig } from './daemon.mjs';
import { imapClient, PREFIX, redisClient, withClient, waitUntilNoUnseen } from './env.mjs';
import { jobIdFor } from '../dist/queue/job-id.js';
import { sleep, summary } from './util.mjs';

/** The one address each latency message is delivered to (one copy, one EXISTS). */
function recipientOf(m) {
  if (m.lmtpRecipient) return m.lmtpRecipient;
  const q = m.queues[0];
  if (q === 'acme.unrouted') return USER;
  const ws = q.slice('acme.'.length);
  if (!WORKSPACES.includes(ws)) throw new Error(`unexpected queue ${q}`);
  return `casper+${ws}@example.com`;
}

export async function latency(env, { dir, seed, count, log, timeoutMs }) {
  // Everything already in the mailbox is \Seen: the daemon's first cycle finds nothing.
  await withClient(env, async (client) => {
    if (client.mailbox.exists > 0) await client.messageFlagsAdd('1:*', ['\\Seen'], { uid: true });
  });
  const redis = redisClient(env);
  await redis.flushall();

  // debug adds one 'cycle done' line per cycle (its end and duration), nothing per protocol line.
  const config = writeDaemonConfig(dir, env, { level: 'debug', name: 'latency' });
  const daemon = new DaemonRun(config);
  const bare = imapClient(env);
  const records = [];
  try {
    await daemon.waitFor(() => daemon.connected !== null, "the daemon's 'imap connected' line", 30_000);

    await bare.connect();
    await bare.mailboxOpen('INBOX');
    const base = bare.mailbox.exists;
    const existsAt = new Map();
    bare.on('exists', ({ count: now, prevCount }) => {
      const t = Date.now();
      for (let seq = Math.max(prevCount, base) + 1; seq <= now; seq++)
        if (!existsAt.has(seq)) existsAt.set(seq, t);
    });
    const idling = bare.idle().catch(() => undefined);
    // Both clients' first IDLE is in place (the daemon's empty first cycle takes a few ms).
    await sleep(1_000);

    const r = prng(`${seed}:latency-spacing`);
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < count; i++) {
      if (Date.now() > deadline) throw new Error(`latency: deliveries took longer than ${timeoutMs} ms`);
      if (!daemon.running) throw new Error(`daemon exited during the latency run\n${daemon.describe()}`);
      const m = buildMessage(seed, 'latency', i);
      const rec = {
        i,
        seq: base + i + 1,
        size: m.raw.length,
        messageId: m.messageId,
        queues: m.queues,
        tSend: Date.now(),
      };
      await env.dovecot.deliver([recipientOf(m)], m.raw);
      rec.t0 = Date.now();
      records.push(rec);
      await sleep(50 + r.int(51));
    }
    await waitUntilNoUnseen(env, {
      intervalMs: 50,
      timeoutMs: 30_000,
      abortIf: () => (daemon.running ? null : `daemon exited\n${daemon.describe()}`),
    });
    const settle = Date.now() + 10_000;
    while (existsAt.size < count && Date.now() < settle) await sleep(20);
    for (const rec of records) rec.tExists = existsAt.get(rec.seq) ?? null;
    void idling;

    // t_job from the queues' event streams.
    const added = new Map();
    for (const q of new Set(records.flatMap((rec) => rec.queues))) {
      const entries = await redis.xrange(`${PREFIX}:${q}:events`, '-', '+');
      for (const [id, fields] of entries) {
        const f = {};
        for (let k = 0; k < fields.length; k += 2) f[fields[k]] = fields[k + 1];
        if (f.event === 'added') added.set(`${q}/${f.jobId}`, Number(id.split('-')[0]));
      }
    }
    let missingJobs = 0;
    for (const rec of records) {
      const times = rec.queues.map((q) => added.get(`${q}/${jobIdFor('acme', q, `mid:${rec.messageId}`)}`));
      if (times.some((t) => t === undefined)) {
        missingJobs++;
        rec.tJob = null;
      } else rec.tJob = Math.max(...times);
    }
    if (missingJobs > 0)
      throw new Error(`latency: ${missingJobs} of ${count} messages have no job 'added' event`);
    const missingExists = records.filter((rec) => rec.tExists === null).length;
    if (missingExists > 0) log(`  warning: the bare client saw no EXISTS for ${missingExists} messages`);
  } finally {
    await bare.logout().catch(() => bare.close());
    await daemon.stop().catch(() => undefined);
    redis.disconnect();
  }

  // The daemon's cycle that recorded each job: its start is when the daemon woke up (its own EXISTS).
  const cycles = daemon.cycles
    .map((c) => ({ start: c.end - c.ms, end: c.end, messages: c.messages }))
    .sort((x, y) => x.start - y.start);
  for (const rec of records) {
    const c =
      rec.tJob === null ? undefined : cycles.find((x) => x.start <= rec.tJob && rec.tJob <= x.end + 2);
    rec.tWake = c ? c.start : null;
  }
  const woke = records.filter((rec) => rec.tWake !== null && rec.tJob !== null);
  const full = records.filter((rec) => rec.tExists !== null && rec.tJob !== null);
  const small = full.filter((rec) => rec.size <= 100 * 1024);
  const large = full.filter((rec) => rec.size > 100 * 1024);
  return {
    count,
    measured: full.length,
    deliverMs: summary(records.map((rec) => rec.t0 - rec.tSend)),
    exists: summary(full.map((rec) => rec.tExists - rec.t0)),
    job: summary(full.map((rec) => rec.tJob - rec.t0)),
    diff: summary(full.map((rec) => rec.tJob - rec.tExists)),
    existsFromSend: summary(full.map((rec) => rec.tExists - rec.tSend)),
    jobSmall: summary(small.map((rec) => rec.tJob - rec.t0)),
    jobLarge: summary(large.map((rec) => rec.tJob - rec.t0)),
    daemonWake: summary(woke.map((rec) => rec.tWake - rec.t0)),
    daemonWork: summary(woke.map((rec) => rec.tJob - rec.tWake)),
    cycles: cycles.length,
    messagesPerCycle: cycles.length ? cycles.reduce((a, c) => a + c.messages, 0) / cycles.length : null,
    meanSizeKiB: records.reduce((a, rec) => a + rec.size, 0) / records.length / 1024,
    records,
  };
}
