import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig, loadConfigText } from '../../../src/config/load.js';
import { Secret } from '../../../src/config/secret.js';
import type { CompiledConfig, TenantConfig } from '../../../src/config/types.js';
import type { ConfigProblem } from '../../../src/config/yaml-source.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-load-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Configs given as text "live" in the temp dir, so relative *File paths resolve there. */
const FILE = path.join(tmp, 'mail-ingest.yaml');

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;

type Env = Record<string, string>;

function load(text: string, env: Env = {}): CompiledConfig {
  return loadConfigText(text, FILE, env);
}

function onlyTenant(text: string, env: Env = {}): TenantConfig {
  const tenants = load(text, env).tenants;
  expect(tenants).toHaveLength(1);
  const [tenant] = tenants;
  if (!tenant) throw new Error('no tenant');
  return tenant;
}

function problemsOf(text: string, env: Env = {}, file = FILE): readonly ConfigProblem[] {
  try {
    loadConfigText(text, file, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

/** 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 1): { line: number; col: number } {
  let index = -1;
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`fixture text has no occurrence ${nth} of ${JSON.stringify(needle)}`);
  }
  const before = text.slice(0, index);
  return { line: before.split('\n').length, col: index - before.lastIndexOf('\n') };
}

/** Position of the value in the first `key: value` occurrence of `pair`. */
function valueAt(text: string, pair: string): { line: number; col: number } {
  const { line, col } = at(text, pair);
  return { line, col: col + pair.indexOf(': ') + 2 };
}

/** Asserts that there is exactly one problem, at `where`, with a message matching `message`. */
function expectOneProblem(
  problems: readonly ConfigProblem[],
  where: { line: number; col: number },
  message: RegExp,
): ConfigProblem {
  expect(problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toHaveLength(1);
  const [problem] = problems;
  if (!problem) throw new Error('no problem');
  expect({ line: problem.line, col: problem.col }).toEqual(where);
  expect(problem.message).toMatch(message);
  expect(problem.file).toBe(FILE);
  return problem;
}

const MINIMAL = `tenants:
  acme:
    assistant:
      mailbox: casper
      domain: example.com
    imap:
      host: imap.example.com
      password: hunter2-imap
`;

describe('a minimal config', () => {
  it('compiles with every default filled', () => {
    const config = load(MINIMAL);
    expect(config).toEqual({
      sourcePath: FILE,
      redis: {
        url: 'redis://127.0.0.1:6379',
        prefix: 'bull',
        statePrefix: 'mail-ingest',
        leaseTtlMs: 30_000,
      },
      queues: {
        workspace: '{tenant}.{workspace}',
        unrouted: '{tenant}.unrouted',
        deadLetter: '{tenant}.dead-letter',
        outbound: '{tenant}.outbound',
        dedupWindowMs: 7 * DAY_MS,
      },
      http: { host: '127.0.0.1', port: 9464 },
      log: { level: 'info', pretty: false },
      sender: null,
      tenants: [
        {
          id: 'acme',
          assistant: {
            mailbox: 'casper',
            domain: 'example.com',
            domains: ['example.com'],
            displayName: null,
            delimiter: '+',
            address: 'casper@example.com',
          },
          imap: {
            host: 'imap.example.com',
            port: 993,
            tls: 'implicit',
            caFile: null,
            user: 'casper@example.com',
            password: expect.any(Secret) as Secret,
            folder: 'INBOX',
            socketTimeoutMs: 360_000,
          },
          outbound: null,
          routing: {
            workspaces: null,
            unknownAlias: { action: 'unrouted' },
            noAlias: { action: 'unrouted' },
            autoReplies: 'unrouted',
          },
          poll: { intervalMs: 30_000, idle: true },
          limits: {
            maxMessageBytes: 50 * MIB,
            inlineAttachmentBytes: 256 * 1024,
            inlineTotalBytes: 2 * MIB,
            maxBodyChars: 1_000_000,
          },
        },
      ],
    });
    expect(config.tenants[0]?.imap?.password.reveal()).toBe('hunter2-imap');
  });

  it('defaults the imap port to 993 for implicit TLS and 143 for starttls, and keeps an explicit port', () => {
    const imapBlock = (lines: string): string => `tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap:
      host: imap.example.com
      password: pw
${lines}`;
    expect(onlyTenant(imapBlock('      tls: implicit\n')).imap?.port).toBe(993);
    expect(onlyTenant(imapBlock('      tls: starttls\n')).imap).toMatchObject({ tls: 'starttls', port: 143 });
    expect(onlyTenant(imapBlock('      tls: none\n      allowInsecure: true\n')).imap).toMatchObject({
      tls: 'none',
      port: 143,
    });
    expect(onlyTenant(imapBlock('      tls: starttls\n      port: 1143\n')).imap?.port).toBe(1143);
  });

  it('defaults the imap user to mailbox@domain and keeps an explicit one', () => {
    expect(onlyTenant(MINIMAL).imap?.user).toBe('casper@example.com');
    const text = MINIMAL.replace(
      '      password: hunter2-imap',
      '      user: svc-casper@example.onmicrosoft.com\n      password: hunter2-imap\n      folder: Ingest',
    );
    expect(onlyTenant(text).imap).toMatchObject({
      user: 'svc-casper@example.onmicrosoft.com',
      folder: 'Ingest',
    });
  });

  it('lets smtp fall back to the imap user and password', () => {
    const text = `${MINIMAL}    smtp:
      host: smtp.example.com
`;
    const outbound = onlyTenant(text).outbound;
    expect(outbound).toMatchObject({
      kind: 'smtp',
      host: 'smtp.example.com',
      port: 587,
      encryption: 'starttls',
      caFile: null,
      user: 'casper@example.com',
    });
    expect(outbound?.kind === 'smtp' ? outbound.password?.reveal() : undefined).toBe('hunter2-imap');
  });

  it('keeps smtp credentials of its own and picks the port from the encryption', () => {
    const text = `${MINIMAL}    smtp:
      host: smtp.example.com
      encryption: tls
      user: relay@example.com
      password: hunter2-smtp
`;
    const outbound = onlyTenant(text).outbound;
    expect(outbound).toMatchObject({ kind: 'smtp', port: 465, encryption: 'tls', user: 'relay@example.com' });
    expect(outbound?.kind === 'smtp' ? outbound.password?.reveal() : undefined).toBe('hunter2-smtp');
  });

  it('defaults the sendgrid endpoint to https://api.sendgrid.com (base URL)', () => {
    const text = `${MINIMAL}    sendgrid:
      apiKey: SG.test-key
`;
    const outbound = onlyTenant(text).outbound;
    expect(outbound).toMatchObject({ kind: 'sendgrid', endpoint: 'https://api.sendgrid.com' });
    expect(outbound?.kind === 'sendgrid' ? outbound.apiKey.reveal() : undefined).toBe('SG.test-key');
    const custom = onlyTenant(`${text}      endpoint: https://sendgrid-proxy.example.net/\n`).outbound;
    expect(custom).toMatchObject({ kind: 'sendgrid', endpoint: 'https://sendgrid-proxy.example.net' });
  });

  it('lower-cases the mailbox and domains and turns IDN domains into punycode', () => {
    const text = `tenants:
  acme:
    assistant:
      mailbox: Casper
      domain: Bücher.Example
      extraDomains: [ACME.onmicrosoft.com, Ünïcode.Example.org]
      displayName: Casper Bot
    imap:
      host: imap.example.com
      password: pw
`;
    const { assistant } = onlyTenant(text);
    expect(assistant).toMatchObject({
      mailbox: 'casper',
      domain: 'xn--bcher-kva.example',
      displayName: 'Casper Bot',
      address: 'casper@xn--bcher-kva.example',
    });
    expect(assistant?.domains).toEqual([
      'xn--bcher-kva.example',
      'acme.onmicrosoft.com',
      'xn--ncode-cta3g.example.org',
    ]);
  });

  it('honours a custom sub-address delimiter', () => {
    const text = MINIMAL.replace(
      '      domain: example.com',
      '      domain: example.com\n      delimiter: "-"',
    );
    expect(onlyTenant(text).assistant?.delimiter).toBe('-');
  });

  it('lower-cases the keys of the workspaces map and keeps the workspace ids', () => {
    const text = `${MINIMAL}    workspaces:
      Sales: ws-1842
      SUPPORT: WS-77
      billing.eu: ws_3
`;
    const { workspaces } = onlyTenant(text).routing;
    expect(workspaces).toBeInstanceOf(Map);
    expect([...(workspaces ?? new Map<string, string>())]).toEqual([
      ['sales', 'ws-1842'],
      ['support', 'WS-77'],
      ['billing.eu', 'ws_3'],
    ]);
  });

  it('parses the routing policies', () => {
    const text = `${MINIMAL}    unknownAlias: drop
    noAlias: workspace:ws-inbox
    autoReplies: route
`;
    expect(onlyTenant(text).routing).toMatchObject({
      unknownAlias: { action: 'drop' },
      noAlias: { action: 'workspace', workspace: 'ws-inbox' },
      autoReplies: 'route',
    });
    const unrouted = `${MINIMAL}    unknownAlias: unrouted\n    noAlias: drop\n    autoReplies: drop\n`;
    expect(onlyTenant(unrouted).routing).toMatchObject({
      unknownAlias: { action: 'unrouted' },
      noAlias: { action: 'drop' },
      autoReplies: 'drop',
    });
  });

  it('turns http listen "off" into null and host:port into its parts', () => {
    expect(load(`http:\n  listen: "off"\n${MINIMAL}`).http).toBeNull();
    expect(load(`http:\n  listen: off\n${MINIMAL}`).http).toBeNull();
    expect(load(`http:\n  listen: 0.0.0.0:9100\n${MINIMAL}`).http).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(load(`http:\n  listen: "[::1]:9464"\n${MINIMAL}`).http).toEqual({ host: '::1', port: 9464 });
  });

  it('converts durations and sizes written with units, and takes plain numbers as ms and bytes', () => {
    const text = `queues:
  dedupWindow: 36h
${MINIMAL}    poll:
      interval: 5m
      idle: false
    limits:
      maxMessageBytes: 10MB
      inlineAttachmentBytes: 64KB
      inlineTotalBytes: 1MB
      maxBodyChars: 20000
`;
    const config = load(text);
    expect(config.queues.dedupWindowMs).toBe(36 * 3_600_000);
    expect(config.tenants[0]?.poll).toEqual({ intervalMs: 300_000, idle: false });
    expect(config.tenants[0]?.limits).toEqual({
      maxMessageBytes: 10 * MIB,
      inlineAttachmentBytes: 65_536,
      inlineTotalBytes: MIB,
      maxBodyChars: 20_000,
    });

    const numbers = `queues:
  dedupWindow: 600000
${MINIMAL}    poll:
      interval: 45000
    limits:
      maxMessageBytes: 1048576
      inlineAttachmentBytes: 1024
`;
    const plain = load(numbers);
    expect(plain.queues.dedupWindowMs).toBe(600_000);
    expect(plain.tenants[0]?.poll.intervalMs).toBe(45_000);
    expect(plain.tenants[0]?.limits).toMatchObject({
      maxMessageBytes: 1_048_576,
      inlineAttachmentBytes: 1_024,
    });
  });

  it('takes the redis url from the environment when the default form is used', () => {
    const text = `redis:
  url: \${REDIS_URL:-redis://127.0.0.1:6379}
  prefix: bq
  statePrefix: mi-test
${MINIMAL}`;
    expect(load(text, { REDIS_URL: 'rediss://cache.example.net:6380/2' }).redis).toEqual({
      url: 'rediss://cache.example.net:6380/2',
      prefix: 'bq',
      statePrefix: 'mi-test',
      leaseTtlMs: 30_000,
    });
    expect(load(text).redis.url).toBe('redis://127.0.0.1:6379');
  });

  it('compiles the log block, custom queue templates and the sender', () => {
    const text = `log:
  level: debug
  pretty: true
queues:
  workspace: "mail.{tenant}.{alias}.{workspace}"
  unrouted: "{tenant}-unrouted"
sender:
  from: "Casper <casper@assistant.example>"
  smtp:
    host: smtp.assistant.example
    user: casper@assistant.example
    password: sender-pw
${MINIMAL}`;
    const config = load(text);
    expect(config.log).toEqual({ level: 'debug', pretty: true });
    expect(config.queues).toMatchObject({
      workspace: 'mail.{tenant}.{alias}.{workspace}',
      unrouted: '{tenant}-unrouted',
      deadLetter: '{tenant}.dead-letter',
    });
    expect(config.sender).toMatchObject({
      from: 'Casper <casper@assistant.example>',
      transport: {
        kind: 'smtp',
        host: 'smtp.assistant.example',
        port: 587,
        user: 'casper@assistant.example',
      },
    });
  });

  it('accepts a tenant without an assistant mailbox (it sends through sender only)', () => {
    const text = `sender:
  from: "Casper <casper@assistant.example>"
  sendgrid: { apiKey: SG.sender }
${MINIMAL}  initech: {}
`;
    const initech = load(text).tenants.find((t) => t.id === 'initech');
    expect(initech).toMatchObject({ id: 'initech', assistant: null, imap: null, outbound: null });
  });
});

describe('defaults merged under each tenant', () => {
  const text = `defaults:
  imap:
    host: outlook.office365.com
    tls: starttls
  poll:
    interval: 1m
    idle: false
  limits:
    maxMessageBytes: 20MB
  autoReplies: drop
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap:
      password: acme-pw
    poll:
      interval: 10s
  globex:
    assistant: { mailbox: casper, domain: example.net }
    imap:
      host: imap.example.net
      tls: implicit
      password: globex-pw
    limits:
      inlineAttachmentBytes: 1KB
    autoReplies: route
`;

  it('fills what a tenant leaves out and lets the tenant win key by key (deep merge)', () => {
    const [acme, globex] = load(text).tenants;
    expect(acme?.imap).toMatchObject({ host: 'outlook.office365.com', tls: 'starttls', port: 143 });
    expect(acme?.poll).toEqual({ intervalMs: 10_000, idle: false });
    expect(acme?.limits).toEqual({
      maxMessageBytes: 20 * MIB,
      inlineAttachmentBytes: 256 * 1024,
      inlineTotalBytes: 2 * MIB,
      maxBodyChars: 1_000_000,
    });
    expect(acme?.routing.autoReplies).toBe('drop');

    expect(globex?.imap).toMatchObject({ host: 'imap.example.net', tls: 'implicit', port: 993 });
    expect(globex?.poll).toEqual({ intervalMs: 60_000, idle: false });
    expect(globex?.limits).toEqual({
      maxMessageBytes: 20 * MIB,
      inlineAttachmentBytes: 1024,
      inlineTotalBytes: 2 * MIB,
      maxBodyChars: 1_000_000,
    });
    expect(globex?.routing.autoReplies).toBe('route');
  });

  it('reports a bad value that comes from defaults once, at its line in defaults', () => {
    const bad = `defaults:
  imap:
    host: imap.example.com
    tls: none
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { password: pw }
  globex:
    assistant: { mailbox: casper, domain: example.net }
    imap: { password: pw }
`;
    expectOneProblem(problemsOf(bad), valueAt(bad, 'tls: none'), /allowInsecure/);
  });

  it('reports a bad duration in defaults at its line in defaults', () => {
    const bad = `defaults:
  poll:
    interval: soon
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { host: imap.example.com, password: pw }
`;
    expectOneProblem(problemsOf(bad), valueAt(bad, 'interval: soon'), /interval|duration/);
  });

  it('reports an unknown key inside defaults once, at the key', () => {
    const bad = `defaults:
  poll:
    intervall: 30s
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { host: imap.example.com, password: pw }
  globex:
    assistant: { mailbox: casper, domain: example.net }
    imap: { host: imap.example.net, password: pw }
`;
    expectOneProblem(problemsOf(bad), at(bad, 'intervall'), /intervall/);
  });

  it("lets a tenant's passwordFile replace a password inherited from defaults", () => {
    // The tenant wins: one secret given two ways is one setting, not a conflict between files.
    writeFileSync(path.join(tmp, 'globex-imap-password'), 'globex-file-pw\n');
    const mixed = `defaults:
  imap:
    password: \${DEFAULT_IMAP_PASSWORD}
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { host: imap.example.com }
  globex:
    assistant: { mailbox: casper, domain: example.net }
    imap: { host: imap.example.net, passwordFile: globex-imap-password }
`;
    const [acme, globex] = load(mixed, { DEFAULT_IMAP_PASSWORD: 'shared-pw' }).tenants;
    expect(acme?.imap?.password.reveal()).toBe('shared-pw');
    expect(globex?.imap?.password.reveal()).toBe('globex-file-pw');
  });
});

describe('the acceptance case: an unknown key, a missing password and a bad duration', () => {
  const text = readFileSync(new URL('../../fixtures/config/three-problems.yaml', import.meta.url), 'utf8');

  it('yields exactly three problems, each at its line and column', () => {
    const problems = [...problemsOf(text, {}, 'three-problems.yaml')].sort(
      (a, b) => a.line - b.line || a.col - b.col,
    );
    expect(problems.map((p) => `${p.line}:${p.col}`)).toEqual([
      '7:5', // `imap:` on line 7, the block that lacks a password
      '9:7', // `usr:` on line 9, the unknown key
      '11:17', // the value `30 seconds` on line 11
    ]);
    // The numbers above, read off the fixture text.
    expect(at(text, 'imap:')).toEqual({ line: 7, col: 5 });
    expect(at(text, 'usr:')).toEqual({ line: 9, col: 7 });
    expect(valueAt(text, 'interval: 30 seconds')).toEqual({ line: 11, col: 17 });

    expect(problems[0]?.message).toMatch(/password/);
    expect(problems[1]?.message).toMatch(/unknown key.*usr/);
    expect(problems[2]?.message).toMatch(/interval/);
    expect(problems.every((p) => p.file === 'three-problems.yaml')).toBe(true);
  });

  it('formats the ConfigError message as one FILE:LINE:COL line per problem', () => {
    let error: unknown;
    try {
      loadConfigText(text, 'three-problems.yaml', {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.code).toBe('CONFIG_INVALID');
    const lines = configError.message.split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^three-problems\.yaml:\d+:\d+ \S.*$/);
  });
});

describe('validation problems', () => {
  it('rejects tenant ids outside [a-z0-9][a-z0-9_-]*, each at its key', () => {
    const text = `tenants:
  Acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { host: imap.example.com, password: pw }
  -globex:
    assistant: { mailbox: casper, domain: example.net }
    imap: { host: imap.example.net, password: pw }
  "ini tech":
    assistant: { mailbox: casper, domain: example.org }
    imap: { host: imap.example.org, password: pw }
  ok_tenant-1:
    assistant: { mailbox: casper, domain: example.org }
    imap: { host: imap.example.org, password: pw }
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => `${p.line}:${p.col}`)).toEqual(
      [at(text, 'Acme:'), at(text, '-globex:'), at(text, '"ini tech":')].map((p) => `${p.line}:${p.col}`),
    );
    expect(problems[0]?.message).toContain('Acme');
    expect(problems[1]?.message).toContain('-globex');
  });

  it('rejects imap tls: none without allowInsecure: true in the same block', () => {
    const text = MINIMAL.replace(
      '      password: hunter2-imap',
      '      password: hunter2-imap\n      tls: none',
    );
    expectOneProblem(problemsOf(text), valueAt(text, 'tls: none'), /allowInsecure/);
    const other = MINIMAL.replace(
      '      password: hunter2-imap',
      '      password: hunter2-imap\n      tls: none\n      allowInsecure: false',
    );
    expectOneProblem(problemsOf(other), valueAt(other, 'tls: none'), /allowInsecure/);
  });

  it('rejects smtp encryption: none without allowInsecure: true', () => {
    const text = `${MINIMAL}    smtp:
      host: smtp.example.com
      encryption: none
`;
    expectOneProblem(problemsOf(text), valueAt(text, 'encryption: none'), /allowInsecure/);
    expect(onlyTenant(`${text}      allowInsecure: true\n`).outbound).toMatchObject({
      kind: 'smtp',
      encryption: 'none',
      port: 25,
    });
  });

  it('rejects a tenant with both smtp and sendgrid, at the second block', () => {
    const text = `${MINIMAL}    smtp:
      host: smtp.example.com
    sendgrid:
      apiKey: SG.key
`;
    expectOneProblem(problemsOf(text), at(text, 'sendgrid:'), /smtp.*sendgrid|sendgrid.*smtp/);
  });

  it('rejects password and passwordFile given together, on their line, without quoting either', () => {
    writeFileSync(path.join(tmp, 'both-password'), 'FILE-CONTENT-SENTINEL\n');
    const text = MINIMAL.replace(
      '      password: hunter2-imap',
      '      password: INLINE-SENTINEL\n      passwordFile: both-password',
    );
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect([at(text, 'password:').line, at(text, 'passwordFile:').line]).toContain(problems[0]?.line);
    expect(problems[0]?.message).toMatch(/password.*passwordFile/);
    expect(problems[0]?.message).not.toMatch(/SENTINEL/);
  });

  it('reports a missing password at the imap block', () => {
    const text = MINIMAL.replace('      password: hunter2-imap\n', '');
    expectOneProblem(problemsOf(text), at(text, 'imap:'), /password/);
  });

  it('reports every problem at one place, not just the first', () => {
    // No assistant and no password: two different problems, both at the imap block.
    const text = `tenants:\n  acme:\n    imap:\n      host: imap.example.com\n`;
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.line, p.col])).toEqual([
      [at(text, 'imap:').line, at(text, 'imap:').col],
      [at(text, 'imap:').line, at(text, 'imap:').col],
    ]);
    expect(problems.map((p) => p.message).join('\n')).toMatch(
      /assistant[\s\S]*\n[\s\S]*password|password[\s\S]*\n[\s\S]*assistant/,
    );
  });

  it('rejects an empty password, at the value', () => {
    const text = MINIMAL.replace('password: hunter2-imap', 'password: ""');
    expectOneProblem(problemsOf(text), valueAt(text, 'password: ""'), /password/);
  });

  it('reports an unreadable passwordFile with its resolved path, at the value', () => {
    const text = MINIMAL.replace('password: hunter2-imap', 'passwordFile: secrets/missing-password');
    const problem = expectOneProblem(
      problemsOf(text),
      valueAt(text, 'passwordFile: secrets/missing-password'),
      /passwordFile/,
    );
    expect(problem.message).toContain(path.join(tmp, 'secrets', 'missing-password'));
  });

  it('reports a passwordFile that is a directory, naming the path', () => {
    mkdirSync(path.join(tmp, 'a-directory'), { recursive: true });
    const text = MINIMAL.replace('password: hunter2-imap', 'passwordFile: a-directory');
    const problem = expectOneProblem(
      problemsOf(text),
      valueAt(text, 'passwordFile: a-directory'),
      /passwordFile/,
    );
    expect(problem.message).toContain(path.join(tmp, 'a-directory'));
  });

  it('reports an empty passwordFile, naming the path but no content', () => {
    writeFileSync(path.join(tmp, 'empty-password'), '\n');
    const text = MINIMAL.replace('password: hunter2-imap', 'passwordFile: ./empty-password');
    const problem = expectOneProblem(
      problemsOf(text),
      valueAt(text, 'passwordFile: ./empty-password'),
      /empty/,
    );
    expect(problem.message).toContain(path.join(tmp, 'empty-password'));
  });

  it('reports every unknown key of the file in one run, at the key', () => {
    const text = `redis:
  host: localhost
${MINIMAL}      pass: hunter2
    inbox: INBOX
extra: true
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => `${p.line}:${p.col}`)).toEqual(
      [at(text, 'host: localhost'), at(text, 'pass: hunter2'), at(text, 'inbox:'), at(text, 'extra:')].map(
        (p) => `${p.line}:${p.col}`,
      ),
    );
    for (const key of ['host', 'pass', 'inbox', 'extra']) {
      expect(problems.some((p) => p.message.includes(`"${key}"`))).toBe(true);
    }
    expect(problems.map((p) => p.message).join('\n')).not.toContain('hunter2');
  });

  it('says what is wrong with a value of the wrong type instead of calling it missing', () => {
    const text = MINIMAL.replace(
      '      password: hunter2-imap',
      '      password: hunter2-imap\n      port: imaps',
    );
    const problem = expectOneProblem(problemsOf(text), valueAt(text, 'port: imaps'), /port/);
    expect(problem.message).not.toMatch(/required/i);
    expect(problem.message).toMatch(/number/i);
  });

  it('rejects a password YAML reads as a number, without printing it', () => {
    const text = MINIMAL.replace('password: hunter2-imap', 'password: 86753091');
    const problem = expectOneProblem(problemsOf(text), valueAt(text, 'password: 86753091'), /password/);
    expect(problem.message).not.toContain('86753091');
    expect(problem.message).not.toMatch(/required/i);
  });

  it('rejects an invalid alias in workspaces, on its line', () => {
    const text = `${MINIMAL}    workspaces:
      sales: ws-1842
      "sales team": ws-2
      .hidden: ws-3
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => p.line)).toEqual([at(text, '"sales team"').line, at(text, '.hidden').line]);
    expect(problems[0]?.message).toContain('sales team');
    expect(problems[1]?.message).toContain('.hidden');
  });

  it('rejects an alias listed twice in different case, on the second line', () => {
    const text = `${MINIMAL}    workspaces:
      Sales: ws-1842
      sales: ws-1843
`;
    const problems = problemsOf(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.line).toBe(at(text, 'sales: ws-1843').line);
    expect(problems[0]?.message).toMatch(/sales/i);
  });

  it('rejects a workspace id holding ":" or spaces, at the value', () => {
    const text = `${MINIMAL}    workspaces:
      sales: "ws:1842"
`;
    expectOneProblem(problemsOf(text), valueAt(text, 'sales: "ws:1842"'), /workspace/);
  });

  it('rejects a queue template holding ":", at the value', () => {
    const text = `queues:
  workspace: "{tenant}:{workspace}"
${MINIMAL}`;
    expectOneProblem(problemsOf(text), valueAt(text, 'workspace: "{tenant}:{workspace}"'), /":"/);
  });

  it('rejects a queue template with an unknown placeholder, at the value', () => {
    const text = `queues:
  unrouted: "{tenant}.{queue}"
${MINIMAL}`;
    expectOneProblem(
      problemsOf(text),
      valueAt(text, 'unrouted: "{tenant}.{queue}"'),
      /\{tenant\}.*\{workspace\}.*\{alias\}/,
    );
  });

  it('rejects policies other than unrouted | drop | workspace:<id>', () => {
    const text = `${MINIMAL}    unknownAlias: "workspace:"
    noAlias: bounce
    autoReplies: reply
`;
    const problems = problemsOf(text);
    expect(problems.map((p) => `${p.line}:${p.col}`)).toEqual(
      [
        valueAt(text, 'unknownAlias: "workspace:"'),
        valueAt(text, 'noAlias: bounce'),
        valueAt(text, 'autoReplies: reply'),
      ].map((p) => `${p.line}:${p.col}`),
    );
  });

  it('rejects a mode other than unseen, a mailbox with @ or the delimiter, and a bad redis url', () => {
    const text = `redis:
  url: http://127.0.0.1:6379
tenants:
  acme:
    mode: all
    assistant:
      mailbox: casper@example.com
      domain: example.com
    imap: { host: imap.example.com, password: pw }
  globex:
    assistant:
      mailbox: casper+bot
      domain: example.net
    imap: { host: imap.example.net, password: pw }
`;
    const lines = problemsOf(text).map((p) => p.line);
    for (const needle of ['http://', 'mode: all', 'casper@example.com', 'casper+bot'])
      expect(lines).toContain(at(text, needle).line);
  });

  it('locates a YAML syntax error', () => {
    const tabbed = 'tenants:\n  acme:\n\tassistant: { mailbox: casper }\n';
    const [tab] = problemsOf(tabbed);
    expect(tab?.line).toBe(3);
    expect(tab?.file).toBe(FILE);

    const misaligned = `tenants:
  acme:
    assistant:
      mailbox: casper
     domain: example.com
`;
    const problems = problemsOf(misaligned);
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems[0]?.line).toBe(5);
    for (const p of problems) expect(p.message).not.toContain('\n');
  });

  it('rejects duplicate YAML keys, at the second one', () => {
    const text = `tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap: { host: imap.example.com, password: pw }
    imap: { host: imap2.example.com, password: pw }
`;
    expectOneProblem(problemsOf(text), at(text, 'imap:', 2), /unique|duplicate/i);
  });

  it.each([
    ['an empty file', ''],
    ['a file with comments only', '# nothing here yet\n'],
    ['a file without tenants', 'log:\n  level: info\n'],
  ])('rejects %s: at least one tenant is required', (_name, text) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems.some((p) => /tenant/.test(p.message))).toBe(true);
    for (const p of problems) expect(p.line).toBeGreaterThanOrEqual(1);
  });

  it.each([['tenants: {}\n'], ['tenants:\n']])('rejects %j on the tenants line', (text) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(problems.every((p) => p.line === 1 && /tenant/.test(p.message))).toBe(true);
  });
});

describe('*File secrets', () => {
  const dir = path.join(tmp, 'deploy');
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  mkdirSync(path.join(dir, 'secrets'), { recursive: true });

  it('resolves a relative passwordFile against the config file directory, not the working directory', () => {
    writeFileSync(path.join(dir, 'secrets', 'imap'), 'file-pw\n');
    const file = path.join(dir, 'etc', 'mail-ingest.yaml');
    writeFileSync(file, MINIMAL.replace('password: hunter2-imap', 'passwordFile: ../secrets/imap'));
    expect(process.cwd()).not.toBe(path.join(dir, 'etc'));
    const config = loadConfig(file, {});
    expect(config.tenants[0]?.imap?.password.reveal()).toBe('file-pw');
  });

  it('drops exactly one trailing newline (LF or CRLF)', () => {
    const cases: [string, string][] = [
      ['no-newline', 'pw'],
      ['one-lf', 'pw\n'],
      ['two-lf', 'pw\n\n'],
      ['crlf', 'pw\r\n'],
      ['inner', 'p w\nx\n'],
      ['spaces', ' pw \n'],
    ];
    const expected: Record<string, string> = {
      'no-newline': 'pw',
      'one-lf': 'pw',
      'two-lf': 'pw\n',
      crlf: 'pw',
      inner: 'p w\nx',
      spaces: ' pw ',
    };
    for (const [name, content] of cases) {
      writeFileSync(path.join(dir, 'secrets', name), content);
      const text = MINIMAL.replace(
        'password: hunter2-imap',
        `passwordFile: ${path.join(dir, 'secrets', name)}`,
      );
      expect(onlyTenant(text).imap?.password.reveal(), name).toBe(expected[name]);
    }
  });

  it('reads apiKeyFile for sendgrid and passwordFile for smtp', () => {
    writeFileSync(path.join(tmp, 'sendgrid-key'), 'SG.from-file\n');
    writeFileSync(path.join(tmp, 'smtp-password'), 'smtp-from-file\n');
    const sendgrid = onlyTenant(`${MINIMAL}    sendgrid:\n      apiKeyFile: sendgrid-key\n`).outbound;
    expect(sendgrid?.kind === 'sendgrid' ? sendgrid.apiKey.reveal() : undefined).toBe('SG.from-file');
    const smtp = onlyTenant(
      `${MINIMAL}    smtp:\n      host: smtp.example.com\n      passwordFile: ./smtp-password\n`,
    ).outbound;
    expect(smtp?.kind === 'smtp' ? smtp.password?.reveal() : undefined).toBe('smtp-from-file');
  });

  it('rejects apiKey and apiKeyFile together, and a sendgrid block without a key', () => {
    writeFileSync(path.join(tmp, 'sendgrid-key-2'), 'SG.KEY-SENTINEL\n');
    const both = `${MINIMAL}    sendgrid:\n      apiKey: SG.INLINE-SENTINEL\n      apiKeyFile: sendgrid-key-2\n`;
    const [problem] = problemsOf(both);
    expect(problem?.message).toMatch(/apiKey.*apiKeyFile/);
    expect(problem?.message).not.toContain('SENTINEL');
    const none = `${MINIMAL}    sendgrid:\n      endpoint: https://api.sendgrid.com\n`;
    expectOneProblem(problemsOf(none), at(none, 'sendgrid:'), /apiKey/);
  });

  it('reports a config file that cannot be read as one located problem', () => {
    const missing = path.join(tmp, 'nope', 'mail-ingest.yaml');
    let error: unknown;
    try {
      loadConfig(missing, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: missing, line: 1, col: 1 });
  });
});

describe('the compiled config is immutable', () => {
  const text = `sender:
  from: "Casper <casper@assistant.example>"
  sendgrid: { apiKey: SG.sender }
${MINIMAL}    smtp:
      host: smtp.example.com
    workspaces:
      sales: ws-1842
`;

  it('is deeply frozen', () => {
    const config = load(text);
    const seen: unknown[] = [];
    const walk = (value: unknown, where: string): void => {
      if (value === null || typeof value !== 'object' || value instanceof Secret || seen.includes(value))
        return;
      seen.push(value);
      expect(Object.isFrozen(value), where).toBe(true);
      const entries: [string, unknown][] =
        value instanceof Map ? [...(value as Map<string, unknown>)] : Object.entries(value);
      for (const [key, child] of entries) walk(child, `${where}.${key}`);
    };
    walk(config, 'config');
    expect(seen.length).toBeGreaterThan(10);

    const tenant = config.tenants[0] as { poll: { intervalMs: number } };
    expect(() => {
      tenant.poll.intervalMs = 1;
    }).toThrow(TypeError);
    expect(() => (config.tenants as TenantConfig[]).push(tenant as TenantConfig)).toThrow(TypeError);
  });

  it('does not let the workspaces map be changed', () => {
    const config = load(text);
    const workspaces = config.tenants[0]?.routing.workspaces as Map<string, string>;
    try {
      workspaces.set('intruder', 'ws-666');
      workspaces.delete('sales');
    } catch {
      // Throwing is as good as ignoring the write.
    }
    expect([...workspaces]).toEqual([['sales', 'ws-1842']]);
  });
});
