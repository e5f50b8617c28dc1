import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ExpectStatic } from 'vitest';
import { PAYLOAD_KEYS } from '../../helpers/payload-keys.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FIXTURES = 'test/fixtures/config';
const SENTINEL = 's3cr3t-SENTINEL';
const JOB_ID = /^m[0-9a-f]{40}$/;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Job {
  queue: string;
  name: string;
  jobId: string;
  data: Record<string, unknown> & {
    recipient: { address: string; header: string } | null;
    source: { user: string; folder: string; size: number; internalDate: string };
  };
}

/** Runs `node dist/cli.js ARGS` from the repo root with a clean environment plus `env`. */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const runs = new Map<string, Promise<Run>>();

/** The same invocation is run once and shared between tests (each run costs a Node start). */
function runOnce(args: readonly string[]): Promise<Run> {
  const key = JSON.stringify(args);
  let pending = runs.get(key);
  if (!pending) {
    pending = run(args);
    runs.set(key, pending);
  }
  return pending;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

function jobsOf(r: Run): Job[] {
  const report = JSON.parse(r.stdout) as { jobs: Job[] };
  return report.jobs;
}

/** SPEC §2: no stack trace and no secret, on stdout or stderr. */
function expectClean(expect: ExpectStatic, r: Run): void {
  const all = `${r.stdout}\n${r.stderr}`;
  expect(all).not.toMatch(/^\s+at .+[(:]/m);
  expect(all).not.toContain(SENTINEL);
}

const eml = (name: string): string => `${FIXTURES}/${name}`;
const cfg = (name: string): string => `${FIXTURES}/${name}`;

let tmp = '';

beforeAll(() => {
  if (!existsSync(CLI))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-inspect-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent('mail-ingest inspect', () => {
  it('prints the exact job a message to an alias yields: queue from the template, name, id, v1 payload', async ({
    expect,
  }) => {
    const r = await runOnce(['inspect', eml('to-sales.eml'), '--config', cfg('acme.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = jobsOf(r);
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    expect(job?.queue).toBe('acme.ws-1842');
    expect(job?.name).toBe('email');
    expect(job?.jobId).toMatch(JOB_ID);
    for (const key of PAYLOAD_KEYS) expect(job?.data, key).toHaveProperty(key);
    expect(job?.data).toMatchObject({
      schema: 'mail-ingest.email/v1',
      tenant: 'acme',
      workspace: 'ws-1842',
      alias: 'sales',
      recipient: { address: 'casper+sales@example.com', header: 'delivered-to' },
      messageId: '<CAF7k2p0q9Zx.quote-1842@mail.example.org>',
      inReplyTo: null,
      references: [],
      date: '2026-12-03T09:13:55.000Z',
      subject: 'Quote request for 40 seats',
      from: [{ name: 'Dana Whitfield', address: 'dana.whitfield@example.org' }],
      cc: [],
      html: null,
      truncated: false,
      attachments: [],
      invites: [],
      autoSubmitted: null,
      warnings: [],
    });
    expect(job?.data.text).toContain('quote for 40 seats');
    const size = readFileSync(path.join(ROOT, eml('to-sales.eml'))).length;
    expect(job?.data.source).toMatchObject({ user: 'casper@example.com', folder: 'INBOX', size });
    expect(Number.isNaN(Date.parse(job?.data.source.internalDate ?? ''))).toBe(false);
    expectClean(expect, r);
  });

  it('puts mail to the bare mailbox into the unrouted queue, with workspace null and a reason', async ({
    expect,
  }) => {
    const r = await run(['inspect', eml('to-bare.eml'), '--config', cfg('acme.yaml')]);
    expect(r.code).toBe(0);
    const jobs = jobsOf(r);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ queue: 'acme.unrouted', name: 'email' });
    expect(jobs[0]?.jobId).toMatch(JOB_ID);
    for (const key of PAYLOAD_KEYS) expect(jobs[0]?.data, key).toHaveProperty(key);
    expect(jobs[0]?.data).toMatchObject({
      schema: 'mail-ingest.email/v1',
      tenant: 'acme',
      workspace: null,
      alias: null,
    });
    expect(jobs[0]?.data.reason).toEqual(expect.any(String));
    expect(jobs[0]?.data.reason).not.toBe('');
    expectClean(expect, r);
  });

  it('fans a message out to each aliased workspace, one job and one distinct id per queue', async ({
    expect,
  }) => {
    const r = await run(['inspect', eml('to-sales-and-support.eml'), '--config', cfg('acme.yaml')]);
    expect(r.code).toBe(0);
    const jobs = jobsOf(r);
    expect(jobs.map((j) => j.queue).sort()).toEqual(['acme.ws-1842', 'acme.ws-77']);
    expect(jobs.every((j) => j.name === 'email' && JOB_ID.test(j.jobId))).toBe(true);
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(2);
    const support = jobs.find((j) => j.queue === 'acme.ws-77');
    expect(support?.data).toMatchObject({ workspace: 'ws-77', alias: 'support' });
    expect(support?.data.recipient?.header).toBe('cc');
    expect(support?.data.recipient?.address.toLowerCase()).toBe('casper+support@example.com');
    expectClean(expect, r);
  });

  it('names queues from the configured templates', async ({ expect }) => {
    const file = path.join(tmp, 'templates.yaml');
    writeFileSync(
      file,
      `queues:
  workspace: "mail.{tenant}.{alias}.{workspace}"
  unrouted: "mail.{tenant}.nowhere"
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { host: imap.example.com, password: ${SENTINEL} }
    workspaces:
      sales: ws-1842
`,
    );
    const routed = await run(['inspect', eml('to-sales.eml'), '--config', file]);
    const unrouted = await run(['inspect', eml('to-bare.eml'), '--config', file]);
    expect(routed.code).toBe(0);
    expect(unrouted.code).toBe(0);
    expect(jobsOf(routed).map((j) => j.queue)).toEqual(['mail.acme.sales.ws-1842']);
    expect(jobsOf(unrouted).map((j) => j.queue)).toEqual(['mail.acme.nowhere']);
    expectClean(expect, routed);
    expectClean(expect, unrouted);
  });

  it('honours MAIL_INGEST_CONFIG, and gives the same job id on every run', async ({ expect }) => {
    const [viaEnv, viaFlag] = await Promise.all([
      run(['inspect', eml('to-sales.eml')], { MAIL_INGEST_CONFIG: cfg('acme.yaml') }),
      runOnce(['inspect', eml('to-sales.eml'), '--config', cfg('acme.yaml')]),
    ]);
    expect(viaEnv.code).toBe(0);
    expect(viaFlag.code).toBe(0);
    expect(jobsOf(viaEnv)[0]?.queue).toBe('acme.ws-1842');
    expect(jobsOf(viaEnv)[0]?.jobId).toBe(jobsOf(viaFlag)[0]?.jobId);
    expectClean(expect, viaEnv);
  });

  it('requires --tenant when several tenants have a mailbox: one line, exit 2', async ({ expect }) => {
    const r = await run(['inspect', eml('to-sales.eml'), '--config', cfg('two-tenants.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/--tenant/);
    expectClean(expect, r);
  });

  it('routes with the rules of the tenant given by --tenant', async ({ expect }) => {
    const r = await run([
      'inspect',
      eml('to-sales.eml'),
      '--config',
      cfg('two-tenants.yaml'),
      '--tenant',
      'acme',
    ]);
    expect(r.code).toBe(0);
    const jobs = jobsOf(r);
    expect(jobs.map((j) => j.queue)).toEqual(['acme.ws-1842']);
    expect(jobs[0]?.data.tenant).toBe('acme');
    expectClean(expect, r);
  });

  it('rejects an unknown tenant: one line naming it, exit 2', async ({ expect }) => {
    const r = await run([
      'inspect',
      eml('to-sales.eml'),
      '--config',
      cfg('two-tenants.yaml'),
      '--tenant',
      'initech',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('initech');
    expectClean(expect, r);
  });

  it('reports a missing .eml in one line on stderr with exit 1', async ({ expect }) => {
    const r = await run(['inspect', 'no/such/message.eml', '--config', cfg('acme.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('no/such/message.eml');
    expectClean(expect, r);
  });

  it('reports an invalid config as located lines with exit 2, quoting no secret', async ({ expect }) => {
    const r = await run(['inspect', eml('to-sales.eml'), '--config', cfg('invalid-with-secret.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const problems = lines(r.stderr);
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(
      problems.every((l) => /^test\/fixtures\/config\/invalid-with-secret\.yaml:\d+:\d+ \S/.test(l)),
    ).toBe(true);
    expect(r.stderr).not.toContain('86753091');
    expectClean(expect, r);
  });

  it('never prints the password, also when it comes from the environment', async ({ expect }) => {
    const r = await run(['inspect', eml('to-sales-and-support.eml'), '--config', cfg('env-password.yaml')], {
      ACME_IMAP_PASSWORD: SENTINEL,
    });
    expect(r.code).toBe(0);
    expect(jobsOf(r).length).toBeGreaterThanOrEqual(1);
    expectClean(expect, r);
  });

  it('rejects a missing FILE argument with exit 2', async ({ expect }) => {
    const r = await run(['inspect', '--config', cfg('acme.yaml')]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expectClean(expect, r);
  });
});
