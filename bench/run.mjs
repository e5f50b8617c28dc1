#!/usr/bin/env node
/**
 * mail-ingest benchmark: `npm run bench` (builds first) or `node bench/run.mjs [options]`.
 *
 *   --messages N   messages in the mailbox (default 5000)
 *   --quick        smoke run: 200 messages, 30 latency samples, 1 round
 *   --latency N    latency samples (default 300)
 *   --rounds N     run a, b and d N times and use the fastest of each (default 2; 1 with --quick)
 *   --seed S       corpus seed (default 20261204)
 *   --profile      one more drain under `node --cpu-prof`, summarised in the results
 *   --phases       one more drain through the daemon's own modules, step by step, timed
 *   --sweep        the daemon's Daemon class in-process with 0, 1 and 2 parser threads
 *   --analyze      all three of --profile, --phases, --sweep
 *   --memory-only  only the 40 MB-message memory test; replaces that section of the results file
 *   --timeout MIN  give up (exit 1, everything torn down) after MIN minutes (default 20)
 *   --results PATH where to write the results (default bench/RESULTS.md)
 *   --dump PATH    also write every measurement (latency samples included) as JSON
 *
 * Starts its own Dovecot and Redis on loopback (dist/devstack), fills the mailbox, runs the
 * scenarios a-d and the latency test on it, prints the results and writes RESULTS.md. Exits 1 on
 * errors only (a missed target is a result, not an error); stops every server and daemon it
 * started on any way out.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearTimeout } from 'node:timers';

import { leftoverProcesses, liveChildProcesses } from '../dist/devstack/processes.js';
import { killChildren, ROOT } from './daemon.mjs';
import { fill, redisClient, resetState, startEnv } from './env.mjs';
import { latency } from './latency.mjs';
import { memory, MEMORY_HEADING, renderMemory } from './memory.mjs';
import { phases, profileReport } from './analysis.mjs';
import { daemon, naive, sweep, transport, usual, verifyJobs } from './scenarios.mjs';
import { fmt, table, withTimeout } from './util.mjs';

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = {
    messages: 5000,
    latency: 300,
    seed: '20261204',
    profile: false,
    phases: false,
    sweep: false,
    rounds: 2,
    timeoutMin: 20,
    quick: false,
    memoryOnly: false,
    dump: null,
    results: path.join(ROOT, 'bench', 'RESULTS.md'),
  };
  let messagesGiven = false;
  let latencyGiven = false;
  let roundsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} expects a positive integer, got ${v}`);
      return n;
    };
    if (a === '--messages') {
      o.messages = int(value());
      messagesGiven = true;
    } else if (a === '--latency') {
      o.latency = int(value());
      latencyGiven = true;
    } else if (a === '--rounds') {
      o.rounds = int(value());
      roundsGiven = true;
    } else if (a === '--quick') o.quick = true;
    else if (a === '--seed') o.seed = value();
    else if (a === '--profile') o.profile = true;
    else if (a === '--phases') o.phases = true;
    else if (a === '--sweep') o.sweep = true;
    else if (a === '--analyze') o.profile = o.phases = o.sweep = true;
    else if (a === '--memory-only') o.memoryOnly = true;
    else if (a === '--timeout') o.timeoutMin = Number(value());
    else if (a === '--results') o.results = path.resolve(value());
    else if (a === '--dump') o.dump = path.resolve(value());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: node bench/run.mjs [--messages N] [--quick] [--latency N] [--rounds N] [--seed S] [--profile] [--phases] [--sweep] [--analyze] [--memory-only] [--timeout MIN] [--results PATH] [--dump PATH]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.quick) {
    if (!messagesGiven) o.messages = 200;
    if (!latencyGiven) o.latency = 30;
    if (!roundsGiven) o.rounds = 1;
  }
  if (!(o.timeoutMin > 0)) throw new Error('--timeout expects minutes > 0');
  return o;
}

// ---------------------------------------------------------------------------------------------
// Teardown on every way out

let env = null;
let tmpDir = null;

function removeTmpDir() {
  if (!tmpDir) return;
  try {
    rmSync(tmpDir, { recursive: true, force: true });
  } catch {
    // best effort
  }
  tmpDir = null;
}

async function teardown() {
  killChildren();
  const e = env;
  env = null;
  if (e) {
    const results = await withTimeout(e.stop(), 30_000, 'stopping the servers').catch((err) => [
      { status: 'rejected', reason: err },
    ]);
    for (const r of results)
      if (r.status === 'rejected') console.error(`bench: teardown: ${r.reason?.message ?? r.reason}`);
  }
  removeTmpDir();
}

// Synchronous last resort: daemons get SIGKILL here; dist/devstack's own exit hook SIGKILLs the
// server process groups and removes their temp dirs.
process.on('exit', () => {
  killChildren();
  removeTmpDir();
});
// A signal stops the daemons at once and the servers in an orderly way (waiting for them, so none
// is left behind, not even as a zombie), bounded in time; a second signal exits immediately.
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killChildren();
    if (signalled) process.exit(130);
    signalled = true;
    console.error(`bench: ${signal}: stopping`);
    void teardown().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------

const log = (line) => process.stdout.write(`${line}\n`);
const mb = (bytes) => bytes / 1e6;

function versions(redisInfo) {
  const dovecot = (() => {
    try {
      return execFileSync('/usr/sbin/dovecot', ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const redis = /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown';
  return { dovecot, redis };
}

async function main(o) {
  const started = Date.now();
  const loadStart = os.loadavg();
  const date = execFileSync('date', ['-u'], { encoding: 'utf8' }).trim();
  log(
    `mail-ingest bench: ${o.messages} messages, ${o.latency} latency samples, seed ${o.seed}${o.quick ? ' (quick)' : ''}`,
  );
  tmpDir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-bench-'));

  log('starting Dovecot and Redis (loopback, throwaway)...');
  env = await startEnv();
  if (o.memoryOnly) {
    const section = renderMemory(await memory(env, { dir: tmpDir, log }), table, fmt);
    const note = `_This section from a separate \`node bench/run.mjs --memory-only\` run, ${date}._`;
    replaceSection(o.results, `${section}\n\n${note}`);
    log('');
    log(section);
    log(`\nmemory section written to ${path.relative(process.cwd(), o.results) || o.results}`);
    return;
  }
  const redis = redisClient(env);
  const info = await redis.info('server');
  redis.disconnect();
  const ver = versions(info);

  log(`filling INBOX with ${o.messages} messages (one IMAP connection, APPEND; Bcc over LMTP)...`);
  const filled = await fill(env, { seed: o.seed, count: o.messages, log });
  const totalBytes = filled.bytes;
  log(`  filled in ${fmt(filled.ms / 1000)} s: ${fmt(mb(totalBytes))} MB, ${filled.lmtp} over LMTP`);
  const drainTimeoutMs = Math.max(120_000, o.messages * 60);

  const step = async (key, label, fn) => {
    const status = await resetState(env);
    if (status.unseen !== o.messages)
      throw new Error(`${key}: ${status.unseen} Unseen after reset, expected ${o.messages}`);
    log(`(${key}) ${label}...`);
    const r = await fn();
    log(
      `  ${fmt(r.ms / 1000, 2)} s, ${fmt(r.messages / (r.ms / 1000))} msgs/s, ${fmt(mb(r.bytes) / (r.ms / 1000))} MB/s`,
    );
    return r;
  };

  const verifications = {};
  let bytes = null;
  const runDaemon = async (key, level, extra = {}, tag = '') =>
    step(
      key,
      `mail-ingest run (log level ${level}${extra.nodeArgs ? `, ${extra.nodeArgs[0]}` : ''})${tag}`,
      async () => {
        const r = await daemon(env, {
          dir: tmpDir,
          level,
          name: key,
          timeoutMs: drainTimeoutMs,
          totalBytes: bytes,
          messages: o.messages,
          ...extra,
        });
        const v = await verifyJobs(env, filled.expectations);
        verifications[key] = v;
        log(
          `  jobs: ${v.actual} in ${v.queues} queues, expected ${v.expectedJobs}; missing ${v.missing}, extra ${v.extra}, dead-letter ${v.deadLetter}; invites ok ${v.inviteMessages - v.inviteJobsWithout}/${v.inviteMessages}: ${v.ok ? 'OK' : 'FAILED'}`,
        );
        if (!v.ok) throw new Error(`(${key}) job verification failed: ${JSON.stringify(v)}`);
        if (r.fromConnectedMs !== null)
          log(
            `  from 'imap connected': ${fmt(r.fromConnectedMs / 1000, 2)} s (connected ${fmt(r.connectAfterMs)} ms after spawn)`,
          );
        return r;
      },
    );

  // a, b and d are repeated (--rounds) and the fastest sample of each is used: on a shared
  // machine other load only ever adds time. c and d′ run once (round 1).
  const samples = { a: [], b: [], d: [] };
  let c = null;
  let dInfo = null;
  for (let round = 1; round <= o.rounds; round++) {
    const tag = o.rounds > 1 ? ` [round ${round}/${o.rounds}]` : '';
    const ar = await step('a', `transport limit: imapflow fetch 1:* BODY.PEEK[]${tag}`, () => transport(env));
    if (ar.messages !== o.messages)
      throw new Error(`(a) fetched ${ar.messages} messages, expected ${o.messages}`);
    // Sizes as the server counts them (Dovecot adds headers to LMTP mail): the byte total of every scenario.
    bytes ??= ar.bytes;
    samples.a.push(ar);
    samples.b.push(await step('b', `the usual way: a + simpleParser${tag}`, () => usual(env)));
    if (round === 1) {
      c = await step('c', 'the naive loop: fetchOne + simpleParser + queue.add + \\Seen per message', () =>
        naive(env),
      );
      if (c.messages !== o.messages)
        throw new Error(`(c) processed ${c.messages} messages, expected ${o.messages}`);
    }
    samples.d.push(await runDaemon('d', 'warn', {}, tag));
    if (round === 1) dInfo = await runDaemon('d_info', 'info');
  }
  const best = (list) => list.reduce((x, y) => (y.ms < x.ms ? y : x));
  const a = best(samples.a);
  const b = best(samples.b);
  const d = best(samples.d);

  let profile = null;
  if (o.profile) {
    // Only the newest run's profiles are kept (they are tens of MB).
    rmSync(path.join(ROOT, 'bench', '.profiles'), { recursive: true, force: true });
    const dir = path.join(ROOT, 'bench', '.profiles', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    const p = await runDaemon('d_prof', 'warn', { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    profile = { dir, run: p, report: profileReport(dir) };
  }
  let phaseResult = null;
  if (o.phases) {
    await resetState(env);
    log("(phases) the daemon's steps in this process, one after another...");
    phaseResult = await phases(env, { dir: tmpDir });
    log(`  ${fmt(phaseResult.cycleMs / 1000, 2)} s of cycle work for ${phaseResult.messages} messages`);
  }

  let sweepResult = null;
  if (o.sweep) {
    log('(sweep) the daemon with 0, 1, 2 parser threads (bench/daemon.mjs as a script)...');
    sweepResult = await sweep(env, {
      dir: tmpDir,
      threads: [0, 1, 2],
      messages: o.messages,
      totalBytes: bytes,
      expectations: filled.expectations,
      timeoutMs: drainTimeoutMs,
      log,
    });
  }

  log(`latency: ${o.latency} messages over LMTP, 50-100 ms apart, daemon and a bare client in IDLE...`);
  const lat = await latency(env, {
    dir: tmpDir,
    seed: o.seed,
    count: o.latency,
    log,
    timeoutMs: o.latency * 1_000 + 30_000,
  });

  const mem = await memory(env, { dir: tmpDir, log });

  const elapsedS = (Date.now() - started) / 1000;
  const load = { start: loadStart, end: os.loadavg() };
  // Everything measured, once: the report is rendered from it and --dump writes it as it is
  // (without the fill's per-message expectations and the profile's rendered text).
  const run = {
    o,
    date,
    ver,
    filled,
    bytes,
    a,
    b,
    c,
    d,
    dInfo,
    verifications,
    lat,
    profile,
    phaseResult,
    sweepResult,
    elapsedS,
    load,
    samples,
    mem,
  };
  const report = render(run);
  if (o.dump) {
    const { report: _omit, ...prof } = profile ?? {};
    const dump = {
      ...run,
      filled: { ms: filled.ms, bytes: filled.bytes, lmtp: filled.lmtp },
      profile: profile ? prof : null,
    };
    writeFileSync(o.dump, JSON.stringify(dump, null, 1));
  }
  log('');
  log(report);
  writeFileSync(o.results, `${report}\n`);
  log(`\nwritten to ${path.relative(process.cwd(), o.results) || o.results}`);
}

// ---------------------------------------------------------------------------------------------
// Report

function render({
  o,
  date,
  ver,
  filled,
  bytes,
  a,
  b,
  c,
  d,
  dInfo,
  verifications,
  lat,
  profile,
  phaseResult,
  sweepResult,
  elapsedS,
  load,
  samples,
  mem,
}) {
  const cpus = os.cpus();
  const n = o.messages;
  const rate = (r) => n / (r.ms / 1000);
  const mbs = (r) => mb(bytes) / (r.ms / 1000);
  const vsB = (ms) => b.ms / ms;
  const dConn = { ms: dInfo.fromConnectedMs };
  const exps = filled.expectations;
  const sizes = exps.map((e) => e.size).sort((x, y) => x - y);
  const kinds = {};
  for (const e of exps) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
  const fanOut = exps.filter((e) => e.queues.length > 1).length;
  const invites = exps.filter((e) => e.invite).length;
  const jobs = exps.reduce((s, e) => s + e.queues.length, 0);

  const row = (key, what, r, extra = {}) => [
    key,
    what,
    fmt(r.ms / 1000, 2),
    fmt(rate(r), 0),
    fmt(mbs(r), 1),
    fmt(vsB(r.ms), 2),
    extra.cores ?? (r.cores != null ? fmt(r.cores, 2) : 'n/a'),
  ];
  const scenarioTable = table(
    ['', 'scenario', 'time (s)', 'msgs/s', 'MB/s', 'vs b', 'cores busy'],
    [
      row('a', 'transport limit: imapflow `fetch(1:*, {source})` (BODY.PEEK[])', a),
      row('b', 'the usual way: a + `simpleParser` (defaults), sequential', b),
      row('c', 'naive loop: per UID fetchOne + simpleParser + `queue.add` + `\\Seen`', c),
      row('d', '`mail-ingest run` (level warn), spawn → no Unseen', d),
      row('d′', '`mail-ingest run` (level info), spawn → no Unseen', dInfo),
      row('d″', 'same run as d′, from its `imap connected` line → no Unseen', dConn, { cores: '' }),
    ],
    ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
  );
  const ratio = (x, y) => y.ms / x.ms;
  const verdict = (value, target) =>
    value >= target ? `**met** (target ≥ ${target})` : `**missed** (target ≥ ${target})`;
  const dB = ratio(d, b);
  const dC = ratio(d, c);
  const latDelta = lat.job.p99 - lat.exists.p99;

  const latRow = (label, s) => [
    label,
    fmt(s.p50, 0),
    fmt(s.p95, 0),
    fmt(s.p99, 0),
    fmt(s.max, 0),
    fmt(s.mean, 1),
  ];
  const v = verifications.d;
  const lines = [
    '# mail-ingest benchmark results',
    '',
    `- Date: ${date}`,
    `- Command: \`${['node bench/run.mjs', ...process.argv.slice(2)].join(' ')}\`${process.argv.length > 2 ? '' : ' (defaults)'}; whole run ${fmt(elapsedS, 0)} s`,
    `- Machine: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()}; Node ${process.version}; Dovecot ${ver.dovecot}; Redis ${ver.redis}`,
    `- Load average (1/5/15 min) at start ${load.start.map((x) => fmt(x, 2)).join(' / ')}, at end ${load.end.map((x) => fmt(x, 2)).join(' / ')} (the machine is shared: see "other" below)`,
    `- Corpus (seed ${o.seed}): ${n} messages, ${fmt(mb(bytes), 1)} MB as stored (MB = 10^6 bytes; ${fmt(mb(filled.bytes), 1)} MB generated), mean ${fmt(filled.bytes / n / 1024, 1)} KiB, median ${fmt(sizes[Math.floor(n / 2)] / 1024, 1)} KiB, max ${fmt(sizes[n - 1] / 1024, 0)} KiB; ` +
      `alias in To ${kinds.to ?? 0}, in Cc ${kinds.cc ?? 0}, Bcc (Delivered-To only, via LMTP) ${kinds.bcc ?? 0}, bare mailbox ${kinds.bare ?? 0}, auto-replies ${kinds['auto-reply'] ?? 0}; ${fanOut} fan-out (2 workspaces); ${invites} calendar invites; 20 workspaces; ${jobs} expected jobs`,
    `- Fill: ${fmt(filled.ms / 1000, 1)} s (${fmt(n / (filled.ms / 1000), 0)} msgs/s, ${fmt(mb(filled.bytes) / (filled.ms / 1000), 1)} MB/s) over one IMAP connection (APPEND) plus ${filled.lmtp} LMTP deliveries`,
    '',
    '## Throughput',
    '',
    'Same mailbox for every scenario; before each: `UID STORE 1:* -FLAGS (\\Seen)` and `FLUSHALL`. ' +
      'a-c time from the first command after login; d from `spawn` until `STATUS INBOX (UNSEEN)` (polled every 100 ms on a separate connection) reads 0. ' +
      '"vs b" is b\'s time divided by the scenario\'s (> 1: faster than b). "cores busy": machine-wide average from /proc/stat (all processes: bench, daemon, Dovecot, Redis), out of ' +
      `${cpus.length}.`,
    '',
    scenarioTable,
    '',
    ...(o.rounds > 1
      ? [
          `a, b and d ran ${o.rounds} times each (a b c d d′, then a b d for each further round); the table shows the fastest of each. All samples (s): ` +
            ['a', 'b', 'd']
              .map((k) => `${k} ${samples[k].map((r) => fmt(r.ms / 1000, 2)).join(' / ')}`)
              .join('; ') +
            '.',
          '',
        ]
      : []),
    'CPU seconds (user + system) used during each scenario, by process (bench = this process: the client in a-c, only the STATUS poller in d; Dovecot = its whole process group; other = machine-wide busy time from /proc/stat minus these, i.e. the kernel and whatever else shares the machine):',
    '',
    table(
      [
        '',
        'wall (s)',
        'bench',
        'daemon',
        'Dovecot',
        'Redis',
        'sum',
        'sum: CPU ms / message',
        'other (noise)',
      ],
      [
        ['a', a],
        ['b', b],
        ['c', c],
        ['d', d],
        ['d′', dInfo],
      ].map(([k, r]) => {
        const cpu = r.cpu ?? {};
        const sum = ['bench', 'daemon', 'dovecot', 'redis'].reduce((acc, x) => acc + (cpu[x] ?? 0), 0);
        const other = r.cores == null ? null : Math.max(0, r.cores * (r.ms / 1000) - sum);
        return [
          k,
          fmt(r.ms / 1000, 2),
          fmt(cpu.bench, 2),
          cpu.daemon == null ? '' : fmt(cpu.daemon, 2),
          fmt(cpu.dovecot, 2),
          fmt(cpu.redis, 2),
          fmt(sum, 2),
          fmt((sum * 1000) / n, 2),
          fmt(other, 2),
        ];
      }),
    ),
    '',
    `- d/a = ${fmt(ratio(d, a), 2)}, d/b = ${fmt(dB, 2)} → ${verdict(dB, 1.5)}, d/c = ${fmt(dC, 2)} → ${verdict(dC, 3.5)}`,
    `- From the \`imap connected\` line instead of spawn (d″, a level-info run; 'message processed' lines discarded by the bench): d″/a = ${fmt(ratio(dConn, a), 2)}, d″/b = ${fmt(ratio(dConn, b), 2)}, d″/c = ${fmt(ratio(dConn, c), 2)}. The daemon logged \`redis connected\` ${fmt(dInfo.startup?.['redis connected'], 0)} ms, \`mail-ingest started\` ${fmt(dInfo.startup?.['mail-ingest started'], 0)} ms and \`imap connected\` ${fmt(dInfo.connectAfterMs, 0)} ms after spawn.`,
    `- Daemon CPU (all threads) during d: ${fmt(d.cpu.daemon, 1)} s for ${fmt(d.ms / 1000, 1)} s wall.`,
    `- Jobs after d: ${v.actual} in ${v.queues} queues (acme.ws01-ws20, acme.unrouted, acme.dead-letter), expected ${v.expectedJobs}: missing ${v.missing}, extra ${v.extra}, dead-letter ${v.deadLetter}, unrouted ${v.unrouted}; invite jobs with ≥ 1 invite ${v.inviteMessages - v.inviteJobsWithout}/${v.inviteMessages} (${v.inviteJobsWithWarnings} with warnings). Same check after d′: ${verifications.d_info.ok ? 'OK' : 'FAILED'}.`,
    `- (c) added ${c.jobs} jobs (naive routing: every casper+alias in Delivered-To/To/Cc, no auto-reply detection).`,
    '',
    '## Latency (daemon in IDLE)',
    '',
    `${lat.count} messages (mean ${fmt(lat.meanSizeKiB, 1)} KiB, same size mix as the corpus) delivered one by one with \`dovecot.deliver()\` (LMTP), 50-100 ms apart, while \`mail-ingest run\` and a bare imapflow client both sat in IDLE on INBOX. ` +
      "t0 = when deliver() resolved (Dovecot had answered 250 to the end of DATA); t_exists = the bare client's `exists` event; t_job = the ms part of the id of the job's `added` entry in its queue's BullMQ events stream (Redis clock, same machine; for fan-out messages the later job). All in ms.",
    '',
    table(
      ['', 'p50', 'p95', 'p99', 'max', 'mean'],
      [
        latRow('bare client EXISTS − t0', lat.exists),
        latRow('daemon job in Redis − t0', lat.job),
        latRow('daemon − bare (per message)', lat.diff),
        latRow('daemon job − t0, messages ≤ 100 KiB', lat.jobSmall),
        latRow('daemon job − t0, messages > 100 KiB', lat.jobLarge),
        latRow('daemon woke (cycle start) − t0', lat.daemonWake),
        latRow('daemon job − cycle start', lat.daemonWork),
        latRow('deliver() duration (t0 − send)', lat.deliverMs),
      ],
    ),
    '',
    `- Daemon p99 − bare p99 = ${fmt(latDelta, 0)} ms → ${latDelta <= 50 ? '**met**' : '**missed**'} (target ≤ 50 ms). Measured ${lat.measured}/${lat.count}. The daemon ran at level debug for this test to log its cycles ('cycle done': end time and duration; a cycle starts when the daemon is woken by its EXISTS): ${lat.cycles} cycles, ${fmt(lat.messagesPerCycle, 1)} messages per cycle on average. With t0 = just before deliver() was called instead, bare EXISTS p50 ${fmt(lat.existsFromSend.p50, 0)} ms.`,
  ];
  if (phaseResult) {
    const p = phaseResult;
    const pct = (ms) => fmt((ms / p.cycleMs) * 100, 1);
    lines.push(
      '',
      "## Where the daemon's work goes (--phases)",
      '',
      `The daemon's own modules from dist/ (ImapSession, processMessage, JobProducer) run one step after another in the bench process on the same ${p.messages} messages, batches of 50, each step timed (the bench process is JIT-warm by then: b and c ran the same mailparser code). ` +
        `Sum = ${fmt(p.cycleMs / 1000, 2)} s of work (vs d: ${fmt(d.ms / 1000, 2)} s wall with parser threads). simpleParser (defaults) timed on the same bytes for comparison (not part of the sum). ` +
        `Job payload JSON written to Redis: ${fmt(mb(p.payloadJsonBytes), 1)} MB for ${p.jobs} jobs (${fmt(p.payloadJsonBytes / bytes, 2)} × the raw mail).`,
      '',
      table(
        ['step', 'ms', '% of sum', 'ms / message'],
        [
          ['UID SEARCH UNSEEN', p.ms.search],
          ['UID FETCH (RFC822.SIZE INTERNALDATE), per batch', p.ms.fetchMeta],
          ['UID FETCH BODY.PEEK[], per batch', p.ms.fetchSources],
          ['processMessage (parse, route, invites, payload)', p.ms.pipeline],
          ['payload JSON bytes (forQueue, done in the parser threads)', p.ms.serialize],
          ['structured clone of raw + result (worker round trip copy)', p.ms.clone],
          ['JobProducer.record (dedup EXISTS + MULTI of addJob)', p.ms.record],
          ['UID STORE +FLAGS (\\Seen), per batch', p.ms.markSeen],
        ]
          .map(([s, ms]) => [s, fmt(ms, 0), pct(ms), fmt(ms / p.messages, 2)])
          .concat([
            [
              'simpleParser, default options (comparison)',
              fmt(p.ms.simpleParser, 0),
              '',
              fmt(p.ms.simpleParser / p.messages, 2),
            ],
          ]),
      ),
    );
  }
  if (sweepResult) {
    lines.push(
      '',
      '## Parser threads (--sweep)',
      '',
      "`DaemonOptions.parserThreads` is not a CLI option, so `bench/daemon.mjs`, run as a script, runs the daemon's own `Daemon` class from dist/ the way `mail-ingest run` does (config → logger → Daemon → start; SIGTERM → stop) with 0 (parse in the main thread), 1 and 2 parser threads (2 = what `run` uses here: one per core). Each is a fresh process measured exactly like d (level warn, spawn → no Unseen, jobs verified).",
      '',
      table(
        [
          'parser threads',
          'time (s)',
          'msgs/s',
          'MB/s',
          'vs b',
          'cores busy',
          'CPU s: daemon',
          'Dovecot',
          'Redis',
        ],
        sweepResult.map((r) => [
          String(r.threads),
          fmt(r.ms / 1000, 2),
          fmt(rate(r), 0),
          fmt(mbs(r), 1),
          fmt(vsB(r.ms), 2),
          fmt(r.cores, 2),
          fmt(r.cpu.daemon, 2),
          fmt(r.cpu.dovecot, 2),
          fmt(r.cpu.redis, 2),
        ]),
      ),
      '',
      `For reference, d (\`mail-ingest run\`, 2 threads) in the same run: ${fmt(d.ms / 1000, 2)} s, daemon CPU ${fmt(d.cpu.daemon, 2)} s.`,
    );
  }
  if (profile) {
    lines.push(
      '',
      '## CPU profile of `mail-ingest run` (--profile)',
      '',
      `A third drain under \`node --cpu-prof\` (${fmt(profile.run.ms / 1000, 2)} s, profiling overhead included); profiles in \`${path.relative(ROOT, profile.dir)}\`. Self time by area and the hottest functions, per thread:`,
      '',
      profile.report,
    );
  }
  lines.push('', renderMemory(mem, table, fmt));
  return lines.join('\n');
}

/** Replaces the memory section of an existing results file (or appends it). */
function replaceSection(file, section) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // no results yet
  }
  const start = text.indexOf(MEMORY_HEADING);
  if (start < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}\n`);
    return;
  }
  const next = text.indexOf('\n## ', start + MEMORY_HEADING.length);
  writeFileSync(file, `${text.slice(0, start)}${section}\n${next < 0 ? '' : text.slice(next)}`);
}

// ---------------------------------------------------------------------------------------------

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`bench: ${err.message}`);
  process.exit(2);
}
const watchdog = setTimeout(() => {
  console.error(`bench: gave up after ${options.timeoutMin} minutes`);
  void teardown().finally(() => process.exit(1));
}, options.timeoutMin * 60_000);
watchdog.unref();

let exitCode = 0;
try {
  await main(options);
} catch (err) {
  exitCode = 1;
  console.error(`bench failed: ${err?.stack ?? err}`);
} finally {
  await teardown();
  clearTimeout(watchdog);
}
const leftovers = [
  ...leftoverProcesses().map((p) => `${p.server} ${p.pid}`),
  ...liveChildProcesses().map((p) => `child ${p}`),
];
if (leftovers.length > 0) {
  console.error(`bench: processes left behind: ${leftovers.join(', ')}`);
  exitCode = 1;
}
process.exit(exitCode);
