import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ExpectStatic } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FIXTURES = 'test/fixtures/config';
const SENTINEL = 's3cr3t-SENTINEL';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli.js ARGS` from the repo root with a clean environment plus `env`. */
function run(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { PATH: process.env.PATH ?? '', ...options.env },
        encoding: 'utf8',
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** SPEC §2: bad input never produces a stack trace or a secret. */
function expectClean(expect: ExpectStatic, r: Run, secrets: readonly string[] = [SENTINEL]): void {
  const all = `${r.stdout}\n${r.stderr}`;
  expect(all).not.toMatch(/^\s+at .+[(:]/m);
  for (const s of secrets) expect(all).not.toContain(s);
}

const LOCATED = /^(.+):(\d+):(\d+) (\S.*)$/;

let tmp = '';

beforeAll(() => {
  if (!existsSync(CLI))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-check-config-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent('mail-ingest check-config', () => {
  it('exits 0 for a valid config and prints no problem', async ({ expect }) => {
    const r = await run(['check-config', '--config', `${FIXTURES}/acme.yaml`]);
    expect(r.code).toBe(0);
    expect(lines(r.stdout).filter((l) => LOCATED.test(l))).toEqual([]);
    expectClean(expect, r);
  });

  it('prints the three problems of the acceptance case as FILE:LINE:COL message and exits 2', async ({
    expect,
  }) => {
    const file = `${FIXTURES}/three-problems.yaml`;
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(2);
    const out = lines(r.stdout);
    expect(out).toHaveLength(3);
    const located = out.map((l) => LOCATED.exec(l));
    expect(located.every((m) => m !== null && m[1] === file)).toBe(true);
    expect(located.map((m) => `${m?.[2]}:${m?.[3]}`).sort()).toEqual(['11:17', '7:5', '9:7']);
    const byPos = new Map(located.map((m) => [`${m?.[2]}:${m?.[3]}`, m?.[4] ?? '']));
    expect(byPos.get('7:5')).toMatch(/password/);
    expect(byPos.get('9:7')).toMatch(/usr/);
    expect(byPos.get('11:17')).toMatch(/interval|duration/);
    expectClean(expect, r);
  });

  it('reports a missing config file in one clear line and exits 2', async ({ expect }) => {
    const r = await run(['check-config', '--config', 'no/such/mail-ingest.yaml']);
    expect(r.code).toBe(2);
    const problems = lines(`${r.stdout}\n${r.stderr}`).filter(
      (l) => l.includes('no/such/mail-ingest.yaml') && /ENOENT|not found|no such|cannot read/i.test(l),
    );
    expect(problems).toHaveLength(1);
    expect(lines(r.stdout).length).toBeLessThanOrEqual(1);
    expectClean(expect, r);
  });

  it('locates a YAML syntax error', async ({ expect }) => {
    const file = path.join(tmp, 'tabs.yaml');
    writeFileSync(file, 'tenants:\n  acme:\n\tassistant: { mailbox: casper }\n');
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(2);
    const first = LOCATED.exec(lines(r.stdout)[0] ?? '');
    expect(first?.[1]).toBe(file);
    expect(first?.[2]).toBe('3');
    expectClean(expect, r);
  });

  it('names an unreadable passwordFile by its path, resolved against the config directory', async ({
    expect,
  }) => {
    const dir = path.join(tmp, 'pwfile');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'mail-ingest.yaml');
    writeFileSync(
      file,
      'tenants:\n  acme:\n    assistant: { mailbox: casper, domain: example.com }\n    imap:\n      host: imap.example.com\n      passwordFile: secrets/imap\n',
    );
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(2);
    const out = lines(r.stdout);
    expect(out).toHaveLength(1);
    expect(out[0]?.startsWith(`${file}:6:`)).toBe(true);
    expect(out[0]).toContain(path.join(dir, 'secrets', 'imap'));
    expectClean(expect, r);
  });

  it('interpolates the environment: an unset variable is a located problem, a set one makes the config valid', async ({
    expect,
  }) => {
    const file = `${FIXTURES}/env-password.yaml`;
    const unset = await run(['check-config', '--config', file]);
    expect(unset.code).toBe(2);
    expect(lines(unset.stdout)).toHaveLength(1);
    expect(lines(unset.stdout)[0]).toMatch(
      /^test\/fixtures\/config\/env-password\.yaml:9:17 .*ACME_IMAP_PASSWORD/,
    );

    const set = await run(['check-config', '--config', file], { env: { ACME_IMAP_PASSWORD: SENTINEL } });
    expect(set.code).toBe(0);
    expectClean(expect, unset);
    expectClean(expect, set);
  });

  it('honours MAIL_INGEST_CONFIG when --config is not given', async ({ expect }) => {
    const bad = await run(['check-config'], { env: { MAIL_INGEST_CONFIG: `${FIXTURES}/env-password.yaml` } });
    expect(bad.code).toBe(2);
    expect(lines(bad.stdout)).toHaveLength(1);
    expect(lines(bad.stdout)[0]?.startsWith(`${FIXTURES}/env-password.yaml:9:17 `)).toBe(true);

    const good = await run(['check-config'], { env: { MAIL_INGEST_CONFIG: `${FIXTURES}/acme.yaml` } });
    expect(good.code).toBe(0);
    expectClean(expect, bad);
    expectClean(expect, good);
  });

  it('prefers --config over MAIL_INGEST_CONFIG, before or after the command name', async ({ expect }) => {
    const env = { MAIL_INGEST_CONFIG: `${FIXTURES}/three-problems.yaml` };
    const after = await run(['check-config', '--config', `${FIXTURES}/acme.yaml`], { env });
    const before = await run(['--config', `${FIXTURES}/acme.yaml`, 'check-config'], { env });
    expect(after.code).toBe(0);
    expect(before.code).toBe(0);
    expectClean(expect, after);
    expectClean(expect, before);
  });

  it('falls back to config/mail-ingest.yaml in the working directory', async ({ expect }) => {
    const dir = path.join(tmp, 'cwd-default');
    mkdirSync(path.join(dir, 'config'), { recursive: true });
    writeFileSync(
      path.join(dir, 'config', 'mail-ingest.yaml'),
      readFileSync(path.join(ROOT, FIXTURES, 'env-password.yaml')),
    );
    const r = await run(['check-config'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(lines(r.stdout)).toHaveLength(1);
    expect(lines(r.stdout)[0]?.startsWith('config/mail-ingest.yaml:9:17 ')).toBe(true);

    const empty = path.join(tmp, 'cwd-empty');
    mkdirSync(empty, { recursive: true });
    const missing = await run(['check-config'], { cwd: empty });
    expect(missing.code).toBe(2);
    expect(`${missing.stdout}${missing.stderr}`).toContain('config/mail-ingest.yaml');
    expectClean(expect, r);
    expectClean(expect, missing);
  });

  it('never prints a secret of an invalid config', async ({ expect }) => {
    // The valid case (acme.yaml holds the same sentinel) is checked by the first test.
    const invalid = await run(['check-config', '--config', `${FIXTURES}/invalid-with-secret.yaml`]);
    expect(invalid.code).toBe(2);
    const out = lines(invalid.stdout);
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out.every((l) => LOCATED.test(l))).toBe(true);
    // The unknown key `pass` (holding the sentinel) and the numeric smtp password, among others.
    const positions = out.map((l) => LOCATED.exec(l)).map((m) => `${m?.[2]}:${m?.[3]}`);
    expect(positions).toContain('10:7');
    expect(out.some((l) => /^[^:]+:17:\d+ /.test(l))).toBe(true);
    expectClean(expect, invalid, [SENTINEL, '86753091']);
  });

  it('rejects a stray argument or an unknown command in one line with exit 2', async ({ expect }) => {
    const stray = await run(['check-config', 'extra', '--config', `${FIXTURES}/acme.yaml`]);
    expect(stray.code).toBe(2);
    expect(lines(stray.stderr)).toHaveLength(1);
    const unknown = await run(['chek-config']);
    expect(unknown.code).toBe(2);
    // The line that says what is wrong comes first; a "did you mean" hint may follow it.
    expect(lines(unknown.stderr)[0]).toMatch(/chek-config/);
    expectClean(expect, stray);
    expectClean(expect, unknown);
  });
});

describe('the example config/mail-ingest.yaml', () => {
  it('passes check-config (read from the repo root, default path, clean environment)', async ({ expect }) => {
    expect(existsSync(path.join(ROOT, 'config', 'mail-ingest.yaml')), 'config/mail-ingest.yaml exists').toBe(
      true,
    );
    const byDefault = await run(['check-config']);
    expect(byDefault.stdout + byDefault.stderr).not.toMatch(/:\d+:\d+ /);
    expect(byDefault.code).toBe(0);
    expectClean(expect, byDefault, []);
  });
});
