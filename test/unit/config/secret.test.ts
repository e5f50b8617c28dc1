import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { format, inspect } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/config/errors.js';
import { loadConfigText } from '../../../src/config/load.js';
import { Secret } from '../../../src/config/secret.js';

const VALUE = 'Tr0ub4dor&3-SENTINEL';

describe('Secret', () => {
  const secret = new Secret(VALUE);

  it('hands out its value only through reveal()', () => {
    expect(secret.reveal()).toBe(VALUE);
  });

  it('prints as [redacted] through JSON.stringify', () => {
    expect(JSON.stringify(secret)).toBe('"[redacted]"');
    expect(JSON.stringify({ imap: { password: secret } })).toBe('{"imap":{"password":"[redacted]"}}');
  });

  it('prints as [redacted] through String() and template strings', () => {
    expect(String(secret)).toBe('[redacted]');
    // Exactly what the lint rules forbid is what careless logging code would do:
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions
    expect(`${secret}`).toBe('[redacted]');
    // eslint-disable-next-line @typescript-eslint/restrict-plus-operands
    expect('pw=' + secret).toBe('pw=[redacted]');
  });

  it('prints as [redacted] through util.inspect and console-style formatting', () => {
    expect(inspect(secret)).toBe('[redacted]');
    for (const text of [
      inspect({ password: secret }, { depth: Infinity, showHidden: true }),
      format('%s %o %O %j', secret, secret, { password: secret }, { password: secret }),
    ]) {
      expect(text).toContain('[redacted]');
      expect(text).not.toContain(VALUE);
    }
  });

  it('has no enumerable property holding the value', () => {
    expect(Object.keys(secret)).toEqual([]);
    expect(Object.values(secret)).not.toContain(VALUE);
    expect(JSON.stringify({ ...secret })).not.toContain(VALUE);
  });
});

describe('secrets in a compiled config', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'secrets'));
  writeFileSync(path.join(dir, 'secrets', 'globex-imap'), 'GLOBEX-FILE-SENTINEL\n');
  writeFileSync(path.join(dir, 'secrets', 'globex-sendgrid'), 'SG.FILE-SENTINEL\n');
  const file = path.join(dir, 'mail-ingest.yaml');

  const text = `
sender:
  from: "Casper <casper@assistant.example>"
  smtp:
    host: smtp.assistant.example
    user: casper@assistant.example
    password: SENDER-SENTINEL
tenants:
  acme:
    assistant: { mailbox: casper, domain: example.com }
    imap:
      host: imap.example.com
      password: \${ACME_IMAP_PASSWORD}
    smtp:
      host: smtp.example.com
  initech:
    assistant: { mailbox: casper, domain: example.org }
    imap:
      host: imap.example.org
      password: INITECH-SENTINEL
    smtp:
      host: smtp.example.org
      password: INITECH-SMTP-SENTINEL
  globex:
    assistant: { mailbox: casper, domain: example.net }
    imap:
      host: imap.example.net
      passwordFile: secrets/globex-imap
    sendgrid:
      apiKeyFile: ./secrets/globex-sendgrid
  hooli:
    assistant: { mailbox: casper, domain: hooli.example.com }
    imap:
      host: imap.hooli.example.com
      password: HOOLI-SENTINEL
    sendgrid:
      apiKey: SG.INLINE-SENTINEL
`;
  const sentinels = [
    'SENDER-SENTINEL',
    'ENV-SENTINEL',
    'INITECH-SENTINEL',
    'INITECH-SMTP-SENTINEL',
    'GLOBEX-FILE-SENTINEL',
    'SG.FILE-SENTINEL',
    'HOOLI-SENTINEL',
    'SG.INLINE-SENTINEL',
  ];
  const config = loadConfigText(text, file, { ACME_IMAP_PASSWORD: 'ENV-SENTINEL' });

  it('holds every password and apiKey as a Secret with the right value', () => {
    const byId = new Map(config.tenants.map((t) => [t.id, t]));
    expect(byId.get('acme')?.imap?.password).toBeInstanceOf(Secret);
    expect(byId.get('acme')?.imap?.password.reveal()).toBe('ENV-SENTINEL');
    expect(byId.get('initech')?.imap?.password.reveal()).toBe('INITECH-SENTINEL');
    expect(byId.get('globex')?.imap?.password.reveal()).toBe('GLOBEX-FILE-SENTINEL');

    const initechOut = byId.get('initech')?.outbound;
    expect(initechOut?.kind === 'smtp' ? initechOut.password?.reveal() : undefined).toBe(
      'INITECH-SMTP-SENTINEL',
    );
    const globexOut = byId.get('globex')?.outbound;
    expect(globexOut?.kind === 'sendgrid' ? globexOut.apiKey.reveal() : undefined).toBe('SG.FILE-SENTINEL');
    const hooliOut = byId.get('hooli')?.outbound;
    expect(hooliOut?.kind === 'sendgrid' ? hooliOut.apiKey : undefined).toBeInstanceOf(Secret);
    expect(hooliOut?.kind === 'sendgrid' ? hooliOut.apiKey.reveal() : undefined).toBe('SG.INLINE-SENTINEL');
    const senderOut = config.sender?.transport;
    expect(senderOut?.kind === 'smtp' ? senderOut.password?.reveal() : undefined).toBe('SENDER-SENTINEL');
  });

  it('serializes with JSON.stringify without any password or apiKey value', () => {
    const json = JSON.stringify(config);
    expect(json).toContain('[redacted]');
    for (const s of sentinels) expect(json).not.toContain(s);
  });

  it('prints with util.inspect (as a logger or console.log would) without any secret value', () => {
    const text = inspect(config, { depth: Infinity, showHidden: true });
    for (const s of sentinels) expect(text).not.toContain(s);
  });

  it('a ConfigError raised next to secrets does not quote them', () => {
    const broken = `${text}    bogus: 1\n`;
    let error: unknown;
    try {
      loadConfigText(broken, file, { ACME_IMAP_PASSWORD: 'ENV-SENTINEL' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text2 = `${String(error)}\n${inspect(error, { depth: Infinity })}\n${JSON.stringify(error)}`;
    for (const s of sentinels) expect(text2).not.toContain(s);
  });
});
