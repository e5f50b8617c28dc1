/**
 * Memory of one large message: how much the daemon's resident set grows while it processes a
 * 40 MB message, against two baselines measured in the same run on the same message:
 *   fetch   a fresh node process: imapflow fetchOne(uid, {source}) (the whole message in memory)
 *   parse   the same + mailparser simpleParser on it (the usual way)
 * Growth = peak RSS while processing (VmHWM, reset with /proc/PID/clear_refs just before) minus
 * RSS right before. The daemon gets the message by APPEND while it sits in IDLE, three messages
 * of each shape one after another (the first, and whether later ones grow further).
 *
 * Run as a script (`node bench/memory.mjs --baseline fetch|parse ...`) it is one baseline
 * process: it prints its own {beforeKb, peakKb} as JSON.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Queue } from 'bullmq';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';

import { base64Lines } from './corpus.mjs';
import { DaemonRun, writeDaemonConfig } from './daemon.mjs';
import { PASSWORD } from './env.mjs';
import { sleep } from './util.mjs';

const MB = 1e6;
export const MESSAGE_BYTES = 40 * MB;
const REPEAT = 3;

/** /proc/PID/status fields, in kB. */
function status(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

/** Resets the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0). */
function resetPeak(pid) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

// ---------------------------------------------------------------------------------------------
// The messages

const SHAPES = {
  attachment: 'one 30 MB binary attachment (base64) and a short text',
  text: 'one 40 MB text/plain body (UTF-8, 8bit)',
  'small attachments': '160 attachments of 180 KB each (base64), all under inlineAttachmentBytes',
};

function head(shape, i, to) {
  return [
    'From: Alice Example <alice@example.org>',
    `To: ${to}`,
    `Subject: memory ${shape} ${i}`,
    'Date: Fri, 04 Dec 2026 10:00:00 +0000',
    `Message-ID: <memory-${shape.replace(/\s/g, '-')}-${i}-${randomBytes(4).toString('hex')}@example.org>`,
    'MIME-Version: 1.0',
  ];
}

/** A message of `shape` of about MESSAGE_BYTES; `attachments` are the decoded attachment sizes. */
function buildMessage(shape, i, to) {
  if (shape === 'text') {
    const line =
      'The quick brown fox jumps over the lazy dog; all work and no play makes Jack a dull boy.\r\n';
    const body = line.repeat(Math.ceil((MESSAGE_BYTES - 400) / line.length));
    return {
      raw: Buffer.from(
        [...head(shape, i, to), 'Content-Type: text/plain; charset=utf-8', '', body].join('\r\n'),
      ),
      attachments: [],
    };
  }
  const sizes = shape === 'attachment' ? [Math.floor((MESSAGE_BYTES * 0.74) / 1)] : Array(160).fill(180_000);
  const parts = sizes.map((size, n) =>
    [
      '--mem-b',
      `Content-Type: application/octet-stream; name="part${n}.bin"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="part${n}.bin"`,
      '',
      base64Lines(randomBytes(size)),
    ].join('\r\n'),
  );
  const raw = [
    ...head(shape, i, to),
    'Content-Type: multipart/mixed; boundary="mem-b"',
    '',
    '--mem-b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'See the attachments.',
    ...parts,
    '--mem-b--',
    '',
  ].join('\r\n');
  return { raw: Buffer.from(raw), attachments: sizes };
}

// ---------------------------------------------------------------------------------------------
// Baselines: a fresh process per measurement

const SELF = fileURLToPath(import.meta.url);

async function baselineProcess(argv) {
  const arg = (name) => argv[argv.indexOf(name) + 1];
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: Number(arg('--port')),
    secure: false,
    doSTARTTLS: false,
    auth: { user: arg('--user'), pass: arg('--password') },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  await client.mailboxOpen('INBOX');
  globalThis.gc?.();
  await sleep(200);
  const beforeKb = status('self', 'VmRSS');
  resetPeak('self');
  const msg = await client.fetchOne(arg('--uid'), { source: true }, { uid: true });
  let parsed = null;
  if (arg('--baseline') === 'parse') parsed = await simpleParser(msg.source);
  const peakKb = status('self', 'VmHWM');
  await client.logout();
  process.stdout.write(
    `${JSON.stringify({ beforeKb, peakKb, size: msg.source.length, attachments: parsed?.attachments.length ?? null })}\n`,
  );
}

async function baseline(kind, env, user, uid) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--expose-gc',
      SELF,
      '--baseline',
      kind,
      '--port',
      String(env.dovecot.imapPort),
      '--user',
      user,
      '--password',
      PASSWORD,
      '--uid',
      String(uid),
    ],
    { maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout.trim().split('\n').pop());
  return { ...r, growthKb: r.peakKb - r.beforeKb };
}

// ---------------------------------------------------------------------------------------------
// The daemon

/** Waits until the daemon has used (almost) no CPU for a while: start-up and warm-up are over. */
async function settled(run) {
  let last = run.cpuSeconds();
  for (let i = 0; i < 100; i++) {
    await sleep(500);
    const now = run.cpuSeconds();
    if (now !== null && last !== null && now - last < 0.02) return;
    last = now;
  }
}

async function jobsOf(env, prefix, queueName) {
  const url = new URL(env.redis.url);
  const queue = new Queue(queueName, {
    prefix,
    connection: { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null },
  });
  try {
    return await queue.getJobs([
      'waiting',
      'delayed',
      'prioritized',
      'paused',
      'active',
      'completed',
      'failed',
    ]);
  } finally {
    await queue.close();
  }
}

async function daemonRun(env, { dir, shape, log }) {
  const mailbox = `mem${randomBytes(3).toString('hex')}`;
  const user = `${mailbox}@example.com`;
  await env.dovecot.addUser(user, PASSWORD);
  const prefix = `mem-${mailbox}`;
  const config = writeDaemonConfig(dir, env, { level: 'info', name: prefix, user, prefix });
  const run = new DaemonRun(config);
  try {
    await run.waitFor(() => run.connected, 'imap connected', 30_000);
    await settled(run);
    const idleKb = status(run.pid, 'VmRSS');
    const messages = [];
    for (let i = 1; i <= REPEAT; i++) {
      const { raw, attachments } = buildMessage(shape, i, `${mailbox}+mem@example.com`);
      const beforeKb = status(run.pid, 'VmRSS');
      resetPeak(run.pid);
      const t = Date.now();
      const uid = await env.dovecot.append(user, PASSWORD, raw);
      await run.waitFor(() => run.processed >= i, `message ${i} processed`, 180_000);
      const ms = Date.now() - t;
      const peakKb = status(run.pid, 'VmHWM');
      messages.push({
        size: raw.length,
        attachments,
        beforeKb,
        peakKb,
        growthKb: peakKb - beforeKb,
        ms,
        uid,
      });
      log(
        `  ${shape} #${i}: ${(raw.length / MB).toFixed(1)} MB, RSS ${(beforeKb / 1024).toFixed(0)} -> peak ${(peakKb / 1024).toFixed(0)} MiB (+${((peakKb - beforeKb) / 1024).toFixed(0)}), ${ms} ms`,
      );
      await sleep(1000);
    }
    const afterKb = status(run.pid, 'VmRSS');
    const problems = run.problems();
    // The jobs are the proof that the messages were processed, and processed right.
    const jobs = await jobsOf(env, prefix, 'acme.mem');
    const dead = await jobsOf(env, prefix, 'acme.dead-letter');
    const jobsOk =
      jobs.length === REPEAT &&
      dead.length === 0 &&
      jobs.every((j) => {
        const sizes = j.data.attachments.map((a) => a.size);
        return JSON.stringify(sizes) === JSON.stringify(messages[0].attachments);
      });
    await run.stop();
    return {
      user,
      idleKb,
      afterKb,
      messages,
      jobsOk,
      jobs: jobs.length,
      dead: dead.length,
      problems: problems.length,
    };
  } finally {
    if (run.running) await run.stop().catch(() => undefined);
  }
}

/** Every shape: the daemon (three messages), then both baselines on its first message. */
export async function memory(env, { dir, log }) {
  const out = [];
  for (const [shape, what] of Object.entries(SHAPES)) {
    log(`(memory) ${shape}: ${what}`);
    const d = await daemonRun(env, { dir, shape, log });
    if (!d.jobsOk)
      throw new Error(`(memory) ${shape}: jobs wrong: ${JSON.stringify({ jobs: d.jobs, dead: d.dead })}`);
    const uid = d.messages[0].uid;
    const fetch = await baseline('fetch', env, d.user, uid);
    const parse = await baseline('parse', env, d.user, uid);
    log(
      `  baselines: fetch +${(fetch.growthKb / 1024).toFixed(0)} MiB, fetch + simpleParser +${(parse.growthKb / 1024).toFixed(0)} MiB`,
    );
    out.push({ shape, what, daemon: d, fetch, parse });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Report

export const MEMORY_HEADING = '## Memory: one 40 MB message';

export function renderMemory(results, table, fmt) {
  const mib = (kb) => fmt(kb / 1024, 0);
  const rows = [];
  const notes = [];
  for (const r of results) {
    const size = r.daemon.messages[0].size;
    const worst = Math.max(...r.daemon.messages.map((m) => m.growthKb));
    const x = (kb) => fmt((kb * 1024) / size, 2);
    rows.push([
      r.shape,
      fmt(size / MB, 1),
      r.daemon.messages.map((m) => mib(m.growthKb)).join(' / '),
      x(worst),
      mib(r.fetch.growthKb),
      mib(r.parse.growthKb),
      fmt(r.parse.growthKb / worst, 2),
      r.daemon.messages.map((m) => fmt(m.ms / 1000, 1)).join(' / '),
    ]);
    notes.push(
      `- ${r.shape} (${r.what}): worst growth ${x(worst)}× the message size → ${(worst * 1024) / size < 2.5 ? '**met**' : '**missed**'} (target < 2.5×); daemon RSS idle ${mib(r.daemon.idleKb)} MiB, after the three ${mib(r.daemon.afterKb)} MiB; ${r.daemon.jobs} jobs with the right attachments, ${r.daemon.dead} dead-letters.`,
    );
  }
  return [
    MEMORY_HEADING,
    '',
    `Each shape: a fresh \`mail-ingest run\` (2 parser threads) in IDLE on its own mailbox gets ${REPEAT} such messages by APPEND, one after another. Growth = peak RSS while the message is processed (VmHWM after resetting it through \`/proc/PID/clear_refs\`) minus RSS just before, whole process (all threads), MiB. Baselines, same run, same message, each a fresh node process: "fetch" = imapflow \`fetchOne(uid, {source: true})\`; "fetch + parse" = the same plus \`simpleParser\`. "vs parse" = the baseline's growth divided by the daemon's worst (> 1: the daemon needs less).`,
    '',
    table(
      [
        'shape',
        'MB',
        'daemon growth, messages 1/2/3 (MiB)',
        'worst ÷ size',
        'fetch (MiB)',
        'fetch + parse (MiB)',
        'vs parse',
        'daemon s (1/2/3)',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    ...notes,
    '- Messages over 4 MiB are not downloaded whole: the daemon streams them with partial `BODY.PEEK[]<offset.1MiB>` fetches into a parser thread (at most 2 chunks in flight), hashing as they pass; text and html bodies are cut before mailparser at what can still decode to `maxBodyChars`. Attachments up to `inlineAttachmentBytes` travel inside the job (base64) only until the job\'s `inlineTotalBytes` (2 MB) is used up, so "small attachments" yields a job of about 3 MB, not one as large as the message (before that limit: +255 MiB, 6.8×). The first message\'s growth includes heap the process touches for the first time; later ones mostly reuse it.',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF && process.argv.includes('--baseline')) {
  await baselineProcess(process.argv.slice(2));
}
