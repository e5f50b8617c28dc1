import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/config/errors.js';
import { hasReference, interpolate } from '../../../src/config/interpolate.js';
import { loadConfigText } from '../../../src/config/load.js';
import type { ConfigProblem } from '../../../src/config/yaml-source.js';

const FILE = '/etc/mail-ingest/config.yaml';

/** 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function at(text: string, needle: string, nth = 1): { line: number; col: number } {
  let index = -1;
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`fixture text has no ${nth}. ${JSON.stringify(needle)}`);
  }
  const before = text.slice(0, index);
  return { line: before.split('\n').length, col: index - before.lastIndexOf('\n') };
}

function problemsOf(text: string, env: Record<string, string>): readonly ConfigProblem[] {
  try {
    loadConfigText(text, FILE, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError, the config loaded');
}

function tenantWithPassword(passwordLine: string): string {
  return `tenants:
  acme:
    assistant:
      mailbox: casper
      domain: example.com
    imap:
      host: imap.example.com
      ${passwordLine}
`;
}

function imapPassword(text: string, env: Record<string, string>): string | undefined {
  return loadConfigText(text, FILE, env).tenants[0]?.imap?.password.reveal();
}

describe('interpolate()', () => {
  it('replaces ${VAR} with the variable', () => {
    expect(interpolate('redis://${REDIS_HOST}:6379', { REDIS_HOST: 'cache.example.net' })).toEqual({
      ok: true,
      value: 'redis://cache.example.net:6379',
    });
  });

  it('replaces several references in one string', () => {
    expect(interpolate('${A}-${B}/${A}', { A: 'x', B: 'y' })).toEqual({ ok: true, value: 'x-y/x' });
  });

  it('uses the default of ${VAR:-default} when VAR is unset', () => {
    expect(interpolate('${REDIS_URL:-redis://127.0.0.1:6379}', {})).toEqual({
      ok: true,
      value: 'redis://127.0.0.1:6379',
    });
  });

  it('uses the default when VAR is set but empty, as POSIX shells do', () => {
    expect(interpolate('${LEVEL:-info}', { LEVEL: '' })).toEqual({ ok: true, value: 'info' });
  });

  it('prefers a set VAR over the default', () => {
    expect(interpolate('${LEVEL:-info}', { LEVEL: 'debug' })).toEqual({ ok: true, value: 'debug' });
  });

  it('allows an empty default', () => {
    expect(interpolate('a${X:-}b', {})).toEqual({ ok: true, value: 'ab' });
  });

  it('reports every unset variable without a default', () => {
    const result = interpolate('${USER_A}:${USER_B:-b}:${USER_C}', {});
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.missing).toEqual(['USER_A', 'USER_C']);
  });

  it('treats an empty VAR without default as missing', () => {
    expect(interpolate('${EMPTY}', { EMPTY: '' })).toEqual({ ok: false, missing: ['EMPTY'] });
  });

  it('turns $${ into a literal ${ and does not look inside it', () => {
    expect(interpolate('pa$${NOT_A_VAR}ss', {})).toEqual({ ok: true, value: 'pa${NOT_A_VAR}ss' });
  });

  it('does not interpolate again inside a substituted value', () => {
    expect(interpolate('${OUTER}', { OUTER: '${INNER}', INNER: 'no' })).toEqual({
      ok: true,
      value: '${INNER}',
    });
  });

  it('leaves text without references alone, including a lone $', () => {
    expect(interpolate('p$ss {word}', {})).toEqual({ ok: true, value: 'p$ss {word}' });
    expect(hasReference('p$ss {word}')).toBe(false);
    expect(hasReference('a ${B}')).toBe(true);
  });
});

describe('interpolation while loading the config', () => {
  it('substitutes a variable into a secret', () => {
    const text = tenantWithPassword('password: ${ACME_IMAP_PASSWORD}');
    expect(imapPassword(text, { ACME_IMAP_PASSWORD: 'from-env' })).toBe('from-env');
  });

  it('uses ${VAR:-default} when VAR is empty', () => {
    const text = tenantWithPassword('password: ${ACME_IMAP_PASSWORD:-fallback-pw}');
    expect(imapPassword(text, { ACME_IMAP_PASSWORD: '' })).toBe('fallback-pw');
    expect(imapPassword(text, {})).toBe('fallback-pw');
    expect(imapPassword(text, { ACME_IMAP_PASSWORD: 'set' })).toBe('set');
  });

  it('keeps $${ as a literal ${ in a value', () => {
    const text = tenantWithPassword('password: "pa$${ss}word"');
    expect(imapPassword(text, {})).toBe('pa${ss}word');
  });

  it('reports an unset variable without default at the value that references it', () => {
    const text = tenantWithPassword('password: ${ACME_IMAP_PASSWORD}');
    const problems = problemsOf(text, {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: FILE, ...at(text, '${ACME_IMAP_PASSWORD}') });
    expect(problems[0]?.message).toContain('ACME_IMAP_PASSWORD');
  });

  it('reports each unset variable of the file once, each at its own value', () => {
    const text = `redis:
  url: redis://\${REDIS_HOST}:6379
tenants:
  acme:
    assistant: { mailbox: casper, domain: "\${ACME_DOMAIN}" }
    imap:
      host: imap.example.com
      password: \${ACME_IMAP_PASSWORD}
`;
    const problems = problemsOf(text, {});
    const located = problems.map((p) => ({
      line: p.line,
      col: p.col,
      names: /REDIS_HOST|ACME_DOMAIN|ACME_IMAP_PASSWORD/.exec(p.message)?.[0],
    }));
    expect(located).toEqual(
      expect.arrayContaining([
        { ...at(text, 'redis://${REDIS_HOST}'), names: 'REDIS_HOST' },
        { ...at(text, '"${ACME_DOMAIN}"'), names: 'ACME_DOMAIN' },
        { ...at(text, '${ACME_IMAP_PASSWORD}'), names: 'ACME_IMAP_PASSWORD' },
      ]),
    );
    expect(problems.filter((p) => p.message.includes('REDIS_HOST'))).toHaveLength(1);
  });

  // In flow collections `{` is syntax, so a reference there is quoted, as operators must.
  it('interpolates values in flow collections, in defaults and in the sender block', () => {
    const text = `defaults:
  imap:
    host: \${IMAP_HOST}
sender:
  from: "Casper <\${SENDER_ADDRESS}>"
  sendgrid: { apiKey: "\${SENDGRID_KEY}" }
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com, extraDomains: ["\${EXTRA_DOMAIN}"] }
    imap:
      password: pw
`;
    const config = loadConfigText(text, FILE, {
      IMAP_HOST: 'outlook.office365.com',
      SENDER_ADDRESS: 'casper@assistant.example',
      SENDGRID_KEY: 'SG.key',
      EXTRA_DOMAIN: 'acme.onmicrosoft.com',
    });
    expect(config.tenants[0]?.imap?.host).toBe('outlook.office365.com');
    expect(config.tenants[0]?.assistant?.domains).toEqual(['example.com', 'acme.onmicrosoft.com']);
    expect(config.sender?.from).toBe('Casper <casper@assistant.example>');
  });

  it('keeps a secret from the environment a string, even when it is all digits or "true"', () => {
    // SPEC §3: a password is a string value; a PIN-like password must reach the server unchanged.
    const text = tenantWithPassword('password: ${ACME_IMAP_PASSWORD}');
    expect(imapPassword(text, { ACME_IMAP_PASSWORD: '00731234' })).toBe('00731234');
    expect(imapPassword(text, { ACME_IMAP_PASSWORD: 'true' })).toBe('true');
  });

  it('reads a port given as ${VAR:-993} as the number an operator means', () => {
    // Compose files and Helm charts template every setting; a numeric setting behind a variable
    // is the ordinary case, so the interpolated digits are read as the number they spell.
    const text = tenantWithPassword('password: pw\n      port: ${IMAP_PORT:-993}');
    expect(loadConfigText(text, FILE, {}).tenants[0]?.imap?.port).toBe(993);
    expect(loadConfigText(text, FILE, { IMAP_PORT: '1993' }).tenants[0]?.imap?.port).toBe(1993);
  });
});
