/**
 * The analysis extras of the bench: --phases (the daemon's steps timed one by one) and the
 * summary of --profile's .cpuprofile files.
 *
 * Phases: the daemon's own building blocks from dist/ (ImapSession, processMessage, JobProducer),
 * driven in this process one step after another, with a timer around each step. Sequential and
 * single-threaded on purpose: the sum of the phases is the work the daemon has to fit onto the
 * machine; `d` shows how well it overlaps it. Per batch of 50 (the daemon's batch size): UID FETCH
 * (RFC822.SIZE INTERNALDATE), UID FETCH BODY.PEEK[], the pipeline on each message, a structured
 * clone of the raw bytes and of the result (what postMessage to and from a parser thread copies),
 * JobProducer.record (dedup check + one MULTI), UID STORE +FLAGS (\Seen). For comparison,
 * simpleParser with default options runs on the same bytes in the same loop (timed separately,
 * not part of the cycle).
 *
 * Profile: self time by package / area and the hottest functions, per thread (`node --cpu-prof`
 * writes one file per thread: the main thread and each parser worker).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';

import { simpleParser } from 'mailparser';

import { loadConfig } from '../dist/config/load.js';
import { ImapSession } from '../dist/imap/session.js';
import { processMessage } from '../dist/message/pipeline.js';
import { createLogger } from '../dist/observability/logger.js';
import { forQueue } from '../dist/ingest/processor.js';
import { JobProducer } from '../dist/queue/producer.js';
import { createRedisConnection } from '../dist/queue/redis.js';
import { asPipelineTenant } from '../dist/cli/inspect.js';
import { ROOT, writeDaemonConfig } from './daemon.mjs';
import { fmt, table } from './util.mjs';

const BATCH = 50;
export async function phases(env, { dir }) {
  const configPath = writeDaemonConfig(dir, env, { level: 'silent', name: 'phases' });
  const config = loadConfig(configPath, {});
  const tenant = config.tenants.find((t) => t.id === 'acme');
  const pipelineTenant = asPipelineTenant(tenant);
  const log = createLogger({ level: 'silent' });
  const redis = createRedisConnection(config.redis.url, {
    connectionName: 'bench:phases',
    profile: 'producer',
  });
  redis.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('error', reject);
  });
  const producer = new JobProducer(
    redis,
    { prefix: config.redis.prefix, statePrefix: config.redis.statePrefix, templates: config.queues },
    log,
  );
  const session = await ImapSession.open(tenant.imap, log, { onExists() {}, onClose() {} });

  const t = {
    search: 0,
    fetchMeta: 0,
    fetchSources: 0,
    pipeline: 0,
    serialize: 0,
    clone: 0,
    record: 0,
    markSeen: 0,
    simpleParser: 0,
  };
  let messages = 0;
  let bytes = 0;
  let payloadJsonBytes = 0;
  let jobs = 0;
  const time = async (key, fn) => {
    const s = performance.now();
    const v = await fn();
    t[key] += performance.now() - s;
    return v;
  };
  try {
    const uids = await time('search', () => session.searchUnseen());
    for (let i = 0; i < uids.length; i += BATCH) {
      const batch = uids.slice(i, i + BATCH);
      const metas = await time('fetchMeta', () => session.fetchMeta(batch));
      const fetched = await time('fetchSources', () => session.fetchSources(metas.map((m) => m.uid)));
      const results = [];
      for (const m of fetched) {
        const source = {
          user: tenant.imap.user,
          folder: tenant.imap.folder,
          uidValidity: session.uidValidity,
          uid: m.uid,
          size: m.source.length,
          internalDate: m.internalDate,
        };
        const result = await time('pipeline', () => processMessage(m.source, source, pipelineTenant));
        await time('clone', () => {
          // The serializer postMessage uses (HTML structured clone), both ways.
          v8.deserialize(
            v8.serialize(new Uint8Array(m.source.buffer, m.source.byteOffset, m.source.byteLength)),
          );
          v8.deserialize(v8.serialize(result));
        });
        await time('simpleParser', () => simpleParser(m.source));
        // As the parser threads do: each payload serialized to JSON bytes, which the producer writes.
        const queued = await time('serialize', () => forQueue(result));
        for (const job of queued.jobs) payloadJsonBytes += job.json.byteLength;
        jobs += queued.jobs.length;
        results.push(queued);
        messages++;
        bytes += m.source.length;
      }
      await time('record', () => producer.record(tenant.id, results));
      await time('markSeen', () => session.markSeen(fetched.map((m) => m.uid)));
    }
  } finally {
    await session.logout().catch(() => session.close());
    await producer.close().catch(() => undefined);
    redis.disconnect();
  }
  const cycle =
    t.search + t.fetchMeta + t.fetchSources + t.pipeline + t.serialize + t.clone + t.record + t.markSeen;
  return { messages, bytes, jobs, payloadJsonBytes, ms: t, cycleMs: cycle };
}

// ---------------------------------------------------------------------------------------------
// --profile

function areaOf(url, name) {
  if (!url) {
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)' || name === '(root)')
      return name;
    return '(native)';
  }
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (u.startsWith('node:internal/'))
    return `node:internal/${u.slice('node:internal/'.length).split('/')[0]}`;
  if (u.startsWith('node:')) return 'node:' + u.slice(5).split('/')[0];
  if (u.startsWith(ROOT)) return path.relative(ROOT, u).split('/').slice(0, 2).join('/');
  return u;
}

export function summarizeProfile(file) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const areas = new Map();
  const fns = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    const { functionName, url, lineNumber } = n.callFrame;
    const name = functionName || '(anonymous)';
    const area = areaOf(url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = `${name} ${url ? `${areaOf(url, name)}:${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    total += us;
  }
  const idle = areas.get('(idle)') ?? 0;
  const sort = (m) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file: path.basename(file),
    totalMs: total / 1000,
    busyMs: (total - idle) / 1000,
    areas: sort(areas),
    fns: sort(fns),
  };
}

/** Markdown for every profile in `dir`; the main thread (thread id 0 in the name) first. */
export function profileReport(dir, { top = 12 } = {}) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  const out = [];
  const summaries = files.map((f) => summarizeProfile(path.join(dir, f)));
  summaries.sort((a, b) => b.busyMs - a.busyMs);
  for (const s of summaries) {
    const busy = s.busyMs * 1000;
    out.push(
      `**${s.file}**: ${fmt(s.totalMs / 1000, 2)} s profiled, ${fmt(s.busyMs / 1000, 2)} s busy (not idle)\n`,
    );
    out.push(
      table(
        ['area (self time)', 'ms', '% of busy'],
        s.areas
          .filter(([a]) => a !== '(idle)')
          .slice(0, top)
          .map(([a, us]) => [a, fmt(us / 1000, 0), fmt((us / busy) * 100, 1)]),
      ),
    );
    out.push('');
    out.push(
      table(
        ['function (self time)', 'ms', '% of busy'],
        s.fns
          .filter(([f]) => !f.startsWith('(idle)'))
          .slice(0, top)
          .map(([f, us]) => [`\`${f}\``, fmt(us / 1000, 0), fmt((us / busy) * 100, 1)]),
      ),
    );
    out.push('');
  }
  return out.join('\n');
}
