/**
 * `mail-ingest validate` as a child process (`node dist/cli.js validate --config ...`): IMAP
 * against the test stack's real Dovecot, the test mail through a real SMTP server in this process
 * (smtp-server) or a SendGrid stand-in. Checks the table and JSON output, the exit codes, the
 * server's own words on failure, --tenant, --wait-delivery, and that no secret is ever printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ExpectStatic } from 'vitest';

import { createTlsFiles } from '../../src/devstack/tls-certificate.js';
import type { TlsFiles } from '../../src/devstack/tls-certificate.js';
import { CLI, uniqueId } from '../helpers/daemon.js';
import { startSendgridServer } from '../helpers/sendgrid-server.js';
import type { TestSendgridServer } from '../helpers/sendgrid-server.js';
import { parseReceived, startSmtpServer } from '../helpers/smtp-server.js';
import type { TestSmtpOptions, TestSmtpServer } from '../helpers/smtp-server.js';
import { freePort, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const IMAP_PASSWORD = `imap-pw-SENTINEL-${uniqueId('')}`;
const WRONG_IMAP_PASSWORD = `wrong-imap-SENTINEL-${uniqueId('')}`;
const SMTP_PASSWORD = `smtp-pw-SENTINEL-${uniqueId('')}`;
const API_KEY = `SG.key-SENTINEL-${uniqueId('')}`;
const SENTINELS = [IMAP_PASSWORD, WRONG_IMAP_PASSWORD, SMTP_PASSWORD, API_KEY];
const USER = 'casper@example.com';
const WAITER = 'waiter@example.com';

interface Step {
  step: 'imap' | 'send' | 'delivery';
  status: 'ok' | 'failed' | 'skipped';
  stage: string | null;
  detail: string;
  ms: number;
}
interface Report {
  ok: boolean;
  tenants: { tenant: string; ok: boolean; steps: Step[] }[];
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Transport =
  | { kind: 'smtp'; server: TestSmtpServer; encryption?: 'starttls' | 'tls' | 'none'; caFile?: boolean }
  | { kind: 'sendgrid'; server: TestSendgridServer; apiKey?: string }
  | { kind: 'none' };

interface TenantSpec {
  id: string;
  /** Default casper (USER); null: no assistant mailbox and no imap. */
  mailbox?: string | null;
  imap?: { tls?: 'implicit' | 'starttls' | 'none'; caFile?: boolean; password?: string; port?: number };
  transport: Transport;
}

let stack: Stack;
let dir: string;
let tls: TlsFiles;
const smtp: Record<string, TestSmtpServer> = {};
const sendgrid: Record<string, TestSendgridServer> = {};

async function smtpServer(name: string, options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const s = await startSmtpServer({
    tlsFiles: tls,
    auth: { user: 'relay', password: SMTP_PASSWORD },
    ...options,
  });
  smtp[name] = s;
  return s;
}

beforeAll(async () => {
  stack = await startStack();
  dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-validate-'));
  tls = await createTlsFiles(path.join(dir, 'smtp-tls'));
  await stack.dovecot.addUser(USER, IMAP_PASSWORD);
  await stack.dovecot.addUser(WAITER, IMAP_PASSWORD);
  await smtpServer('starttls');
  await smtpServer('implicit', { tls: 'implicit' });
  await smtpServer('forTable');
  await smtpServer('forJson');
  await smtpServer('nodelivery');
  // Passes what it accepts on to Dovecot over LMTP, as a real MTA would.
  await smtpServer('relay', { onMessage: (m) => stack.dovecot.deliver(m.rcptTo, m.raw) });
  // Wants another password and quotes the one it was given in its 535 reply.
  await smtpServer('echo', {
    auth: {
      user: 'relay',
      password: 'the-right-one',
      failureText: (u, p) => `5.7.8 Authentication failed for ${u} with password ${p}`,
    },
  });
  await smtpServer('nostarttls', { tls: 'none' });
  sendgrid.ok = await startSendgridServer({ apiKey: API_KEY });
  sendgrid.echo = await startSendgridServer({ apiKey: 'SG.some-other-key', echoKeyOn401: true });
}, 60_000);

afterAll(async () => {
  await Promise.all([...Object.values(smtp), ...Object.values(sendgrid)].map((s) => s.stop()));
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function transportYaml(t: Transport): string[] {
  if (t.kind === 'smtp') {
    const encryption = t.encryption ?? 'starttls';
    return [
      '    smtp:',
      '      host: 127.0.0.1',
      `      port: ${t.server.port}`,
      `      encryption: ${encryption}`,
      ...(encryption === 'none' ? ['      allowInsecure: true'] : []),
      ...(t.caFile === false ? [] : [`      caFile: ${tls.caPath}`]),
      '      user: relay',
      `      password: "${SMTP_PASSWORD}"`,
    ];
  }
  if (t.kind === 'sendgrid')
    return [
      '    sendgrid:',
      `      apiKey: "${t.apiKey ?? API_KEY}"`,
      `      endpoint: ${t.server.endpoint}`,
    ];
  return [];
}

function writeValidateConfig(tenants: readonly TenantSpec[], extra: string[] = []): string {
  const lines = [...extra, 'tenants:'];
  for (const t of tenants) {
    const mailbox = t.mailbox === undefined ? 'casper' : t.mailbox;
    if (mailbox === null) {
      const transport = transportYaml(t.transport);
      lines.push(transport.length === 0 ? `  ${t.id}: {}` : `  ${t.id}:`, ...transport);
      continue;
    }
    const imapTls = t.imap?.tls ?? 'implicit';
    const port = t.imap?.port ?? (imapTls === 'implicit' ? stack.dovecot.imapsPort : stack.dovecot.imapPort);
    lines.push(
      `  ${t.id}:`,
      '    assistant:',
      `      mailbox: ${mailbox}`,
      '      domain: example.com',
      '      displayName: Casper',
      '    imap:',
      '      host: 127.0.0.1',
      `      port: ${port}`,
      `      tls: ${imapTls}`,
      ...(imapTls === 'none' ? ['      allowInsecure: true'] : []),
      ...(t.imap?.caFile === false ? [] : [`      caFile: ${stack.dovecot.caPath}`]),
      `      password: "${t.imap?.password ?? IMAP_PASSWORD}"`,
      ...transportYaml(t.transport),
    );
  }
  const file = path.join(dir, `validate-${uniqueId('')}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs `node dist/cli.js validate --config FILE ARGS`; every run is checked for secrets and stack traces. */
async function validate(expect: ExpectStatic, config: string, args: string[] = []): Promise<Run> {
  const run = await new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'validate', '--config', config, ...args],
      { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 25_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
  const all = `${run.stdout}\n${run.stderr}`;
  for (const secret of SENTINELS) {
    expect(all, 'a secret was printed').not.toContain(secret);
    expect(all, 'a secret was printed (base64)').not.toContain(
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    );
  }
  expect(all, 'a stack trace was printed').not.toMatch(/^\s+at .+[(:]/m);
  return run;
}

function report(expect: ExpectStatic, run: Run): Report {
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as Report;
}

function stepsOf(r: Report, tenant: string): Record<string, Step> {
  const t = r.tenants.find((x) => x.tenant === tenant);
  if (!t) throw new Error(`tenant ${tenant} not in the report: ${JSON.stringify(r)}`);
  return Object.fromEntries(t.steps.map((s) => [s.step, s]));
}

describe.concurrent('mail-ingest validate (integration: Dovecot + SMTP / SendGrid stand-ins)', () => {
  it('passes every step for SMTP starttls, SMTP tls and SendGrid with IMAP over implicit TLS + caFile (JSON)', async ({
    expect,
  }) => {
    const config = writeValidateConfig([
      { id: 'viastarttls', transport: { kind: 'smtp', server: smtp.starttls! } },
      { id: 'viatls', transport: { kind: 'smtp', server: smtp.implicit!, encryption: 'tls' } },
      { id: 'viasendgrid', transport: { kind: 'sendgrid', server: sendgrid.ok! } },
    ]);
    const run = await validate(expect, config, ['--json']);
    expect(run.code).toBe(0);
    const r = report(expect, run);
    expect(r.ok).toBe(true);
    expect(r.tenants.map((t) => t.tenant)).toEqual(['viastarttls', 'viatls', 'viasendgrid']);
    for (const t of r.tenants) {
      expect(t.ok).toBe(true);
      expect(t.steps).toEqual([
        {
          step: 'imap',
          status: 'ok',
          stage: null,
          detail: expect.any(String) as string,
          ms: expect.any(Number) as number,
        },
        {
          step: 'send',
          status: 'ok',
          stage: null,
          detail: expect.any(String) as string,
          ms: expect.any(Number) as number,
        },
      ]);
      expect(t.steps[0]?.detail).toMatch(
        /imaps:\/\/127\.0\.0\.1:\d+ \(tls: implicit\) as casper@example\.com: logged in, opened INBOX: \d+ messages, \d+ unseen/,
      );
      expect(t.steps[1]?.detail).toContain('to casper@example.com');
    }
    expect(stepsOf(r, 'viastarttls').send?.detail).toMatch(/via smtp 127\.0\.0\.1:\d+ \(starttls\): 250/);
    expect(stepsOf(r, 'viatls').send?.detail).toMatch(/via smtp 127\.0\.0\.1:\d+ \(tls\): 250/);
    expect(stepsOf(r, 'viasendgrid').send?.detail).toMatch(/via sendgrid http:\/\/127\.0\.0\.1:\d+: 202/);

    // The test mails really went out, from the assistant to itself, marked as automatic.
    for (const s of [smtp.starttls!, smtp.implicit!]) {
      expect(s.received).toHaveLength(1);
      const got = s.received[0]!;
      expect(got).toMatchObject({ secure: true, user: 'relay', mailFrom: USER, rcptTo: [USER] });
      const p = await parseReceived(got);
      expect(p.from).toEqual([{ name: 'Casper', address: USER }]);
      expect(p.to.map((a) => a.address)).toEqual([USER]);
      expect(p.subject).toMatch(/^mail-ingest validation [0-9a-f]+$/);
      expect(p.messageId).toMatch(/@example\.com>$/);
      expect(p.header('auto-submitted')).toBe('auto-generated');
    }
    const req = sendgrid.ok!.requests.find((x) => x.status === 202);
    expect(req?.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req?.body).toMatchObject({
      personalizations: [{ to: [{ email: USER }] }],
      from: { email: USER, name: 'Casper' },
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  });

  it('prints a table by default: a row per tenant and step, failures with their stage and the server text, a summary; exit 1', async ({
    expect,
  }) => {
    const config = writeValidateConfig([
      { id: 'acme', transport: { kind: 'smtp', server: smtp.forTable! } },
      {
        id: 'broken',
        imap: { password: WRONG_IMAP_PASSWORD },
        transport: { kind: 'smtp', server: smtp.forTable! },
      },
    ]);
    const run = await validate(expect, config);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TENANT\s+STEP\s+RESULT\s+TIME\s+DETAIL$/);
    expect(lines[1]).toMatch(
      /^acme\s+imap\s+ok\s+\d+ ms\s+imaps:\/\/127\.0\.0\.1:\d+ .*logged in, opened INBOX/,
    );
    expect(lines[2]).toMatch(
      /^acme\s+send\s+ok\s+\d+ ms\s+sent <validate\.[0-9a-f]+@example\.com> to casper@example\.com via smtp/,
    );
    // Dovecot's own words for a wrong password.
    expect(lines[3]).toMatch(/^broken\s+imap\s+failed \(login\)\s+\d+ ms\s+.*Authentication failed/);
    expect(lines[4]).toMatch(/^broken\s+send\s+ok\s+/);
    expect(lines.at(-1)).toBe('1 of 2 tenant(s) failed');
    expect(() => JSON.parse(run.stdout) as unknown).toThrow();
  });

  it('--tenant checks only that tenant; without it every tenant is checked (JSON: wrong IMAP password = failed login)', async ({
    expect,
  }) => {
    const config = writeValidateConfig([
      { id: 'good', transport: { kind: 'smtp', server: smtp.forJson! } },
      {
        id: 'bad',
        imap: { password: WRONG_IMAP_PASSWORD },
        transport: { kind: 'smtp', server: smtp.forJson! },
      },
    ]);
    const [good, both] = await Promise.all([
      validate(expect, config, ['--tenant', 'good', '--json']),
      validate(expect, config, ['--json']),
    ]);
    expect(good.code).toBe(0);
    expect(report(expect, good)).toMatchObject({ ok: true, tenants: [{ tenant: 'good', ok: true }] });
    expect(report(expect, good).tenants).toHaveLength(1);

    expect(both.code).toBe(1);
    const r = report(expect, both);
    expect(r.ok).toBe(false);
    expect(r.tenants.map((t) => [t.tenant, t.ok])).toEqual([
      ['good', true],
      ['bad', false],
    ]);
    const bad = stepsOf(r, 'bad');
    expect(bad.imap).toMatchObject({ status: 'failed', stage: 'login' });
    expect(bad.imap?.detail).toMatch(/Authentication failed/);
    // The send step still runs (it has its own credentials) and passes.
    expect(bad.send?.status).toBe('ok');
  });

  it('reports IMAP connection failures with their stage: connect (ECONNREFUSED), tls (unverifiable certificate); STARTTLS + caFile passes', async ({
    expect,
  }) => {
    const port = await freePort();
    const config = writeValidateConfig([
      { id: 'closed', imap: { tls: 'none', port }, transport: { kind: 'none' } },
      { id: 'untrusted', imap: { tls: 'implicit', caFile: false }, transport: { kind: 'none' } },
      { id: 'starttls', imap: { tls: 'starttls' }, transport: { kind: 'none' } },
    ]);
    const run = await validate(expect, config, ['--json']);
    expect(run.code).toBe(1);
    const r = report(expect, run);
    const closed = stepsOf(r, 'closed');
    expect(closed.imap).toMatchObject({ status: 'failed', stage: 'connect' });
    expect(closed.imap?.detail).toMatch(/ECONNREFUSED/);
    expect(closed.imap?.detail).toContain(`127.0.0.1:${port}`);
    // No transport and no sender: the send step says so instead of failing.
    expect(closed.send).toMatchObject({ status: 'skipped' });
    const untrusted = stepsOf(r, 'untrusted');
    expect(untrusted.imap).toMatchObject({ status: 'failed', stage: 'tls' });
    expect(untrusted.imap?.detail).toMatch(/certificate/i);
    expect(stepsOf(r, 'starttls').imap).toMatchObject({ status: 'ok' });
    expect(r.tenants.map((t) => [t.tenant, t.ok])).toEqual([
      ['closed', false],
      ['untrusted', false],
      ['starttls', true],
    ]);
  });

  it("reports SMTP 535 and SendGrid 401 with the servers' texts, never the password or key they echoed", async ({
    expect,
  }) => {
    const config = writeValidateConfig([
      { id: 'smtp535', transport: { kind: 'smtp', server: smtp.echo! } },
      { id: 'sendgrid401', transport: { kind: 'sendgrid', server: sendgrid.echo! } },
    ]);
    const run = await validate(expect, config, ['--json']);
    expect(run.code).toBe(1);
    const r = report(expect, run);
    const smtpSteps = stepsOf(r, 'smtp535');
    expect(smtpSteps.imap?.status).toBe('ok');
    expect(smtpSteps.send).toMatchObject({ status: 'failed', stage: 'auth' });
    expect(smtpSteps.send?.detail).toMatch(/535/);
    expect(smtpSteps.send?.detail).toMatch(/Authentication failed for relay with password/);
    expect(smtp.echo!.received).toHaveLength(0);
    const sg = stepsOf(r, 'sendgrid401').send;
    expect(sg).toMatchObject({ status: 'failed', stage: 'auth' });
    expect(sg?.detail).toMatch(/SendGrid 401: The provided authorization grant .* is invalid/);
    // The stand-in really was given the key (and so put it into its answer).
    expect(sendgrid.echo!.requests.some((x) => x.authorization === `Bearer ${API_KEY}`)).toBe(true);
    // validate() itself checks stdout and stderr for every secret, plain and base64.
  });

  it('refuses an SMTP server without STARTTLS when starttls is configured, and says so', async ({
    expect,
  }) => {
    const s = smtp.nostarttls!;
    const config = writeValidateConfig([{ id: 'acme', transport: { kind: 'smtp', server: s } }]);
    const run = await validate(expect, config, ['--json']);
    expect(run.code).toBe(1);
    const send = stepsOf(report(expect, run), 'acme').send;
    expect(send?.status).toBe('failed');
    // Nothing went over the unencrypted connection: no AUTH (password), no MAIL, no message.
    expect(s.events.filter((e) => e.command === 'AUTH' || e.command === 'MAIL')).toEqual([]);
    expect(s.received).toHaveLength(0);
    // The operator must be told what is missing: STARTTLS (not just "500 command not recognized").
    expect(send?.stage).toBe('tls');
    expect(send?.detail).toMatch(/STARTTLS/i);
  });

  it('exits 2 for an invalid config, printing every problem with its place and no secret', async ({
    expect,
  }) => {
    const config = writeValidateConfig(
      [{ id: 'acme', transport: { kind: 'smtp', server: smtp.forTable!, encryption: 'none' } }],
      ['unknownTopLevel: 1'],
    );
    // encryption: none without allowInsecure is one problem, the unknown key another.
    const broken = path.join(dir, `broken-${uniqueId('')}.yaml`);
    writeFileSync(broken, readFileSync(config, 'utf8').replace('      allowInsecure: true\n', ''));
    const run = await validate(expect, broken);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^.+:\d+:\d+ .*unknown key "unknownTopLevel"/m);
    expect(run.stderr).toMatch(/^.+:\d+:\d+ .*encryption: none/m);
  });

  it('exits 2 for a --tenant that is not in the config', async ({ expect }) => {
    const config = writeValidateConfig([{ id: 'acme', transport: { kind: 'none' } }]);
    const run = await validate(expect, config, ['--tenant', 'nosuch']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/nosuch/);
  });

  it('--wait-delivery waits until the test mail is in the mailbox', async ({ expect }) => {
    const config = writeValidateConfig([
      { id: 'waiter', mailbox: 'waiter', transport: { kind: 'smtp', server: smtp.relay! } },
    ]);
    const run = await validate(expect, config, ['--json', '--wait-delivery', '--wait-timeout', '20']);
    expect(run.code).toBe(0);
    const steps = stepsOf(report(expect, run), 'waiter');
    expect(steps.send?.status).toBe('ok');
    expect(steps.delivery).toMatchObject({ status: 'ok', stage: null });
    expect(steps.delivery?.detail).toMatch(/test mail arrived in INBOX/);
    expect(smtp.relay!.received.map((m) => m.rcptTo)).toEqual([[WAITER]]);
  });

  it('--wait-delivery fails (timeout) when the mail never arrives, within --wait-timeout', async ({
    expect,
  }) => {
    const config = writeValidateConfig([
      { id: 'acme', transport: { kind: 'smtp', server: smtp.nodelivery! } },
    ]);
    const run = await validate(expect, config, ['--json', '--wait-delivery', '--wait-timeout', '1']);
    expect(run.code).toBe(1);
    const steps = stepsOf(report(expect, run), 'acme');
    expect(steps.send?.status).toBe('ok');
    expect(steps.delivery).toMatchObject({ status: 'failed', stage: 'timeout' });
    expect(steps.delivery?.detail).toMatch(/not in INBOX after 1 s/);
  });

  it('sends through the top-level sender for a tenant without a mailbox (IMAP skipped)', async ({
    expect,
  }) => {
    const config = writeValidateConfig(
      [{ id: 'nobox', mailbox: null, transport: { kind: 'none' } }],
      [
        'sender:',
        '  from: "Casper Relay <casper@example.com>"',
        '  smtp:',
        '    host: 127.0.0.1',
        `    port: ${smtp.forJson!.port}`,
        `    caFile: ${tls.caPath}`,
        '    user: relay',
        `    password: "${SMTP_PASSWORD}"`,
      ],
    );
    const run = await validate(expect, config, ['--json']);
    expect(run.code).toBe(0);
    const steps = stepsOf(report(expect, run), 'nobox');
    expect(steps.imap?.status).toBe('skipped');
    expect(steps.send?.status).toBe('ok');
    expect(steps.send?.detail).toMatch(/\(top-level sender\)/);
  });
});
