import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadConfigText } from '../../../src/config/load.js';
import type { CompiledConfig, TenantConfig } from '../../../src/config/types.js';
import { buildOutgoingMessage } from '../../../src/outbound/job.js';
import {
  createSender,
  describeTransport,
  sendingSetup,
  tenantSecrets,
} from '../../../src/outbound/identity.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mail-ingest-identity-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function load(yaml: string): CompiledConfig {
  return loadConfigText(yaml, path.join(tmp, 'mail-ingest.yaml'), {});
}

function tenant(config: CompiledConfig, id: string): TenantConfig {
  const t = config.tenants.find((x) => x.id === id);
  if (!t) throw new Error(`no tenant ${id}`);
  return t;
}

const ASSISTANT = [
  '    assistant:',
  '      mailbox: casper',
  '      domain: example.com',
  '      displayName: Casper',
  '    imap:',
  '      host: imap.example.com',
  '      password: imap-pw-SENTINEL',
];

const SENDER = [
  'sender:',
  '  from: "Casper Bot <bot@assistant.example>"',
  '  smtp:',
  '    host: smtp.assistant.example',
  '    user: bot@assistant.example',
  '    password: sender-pw-SENTINEL',
];

const CONFIG = load(
  [
    ...SENDER,
    'tenants:',
    '  withsmtp:',
    ...ASSISTANT,
    '    smtp:',
    '      host: smtp.example.com',
    '  withsendgrid:',
    ...ASSISTANT,
    '    sendgrid:',
    '      apiKey: SG.key-SENTINEL',
    '      endpoint: http://127.0.0.1:9/',
    '  ownpassword:',
    ...ASSISTANT,
    '    smtp:',
    '      host: smtp.example.com',
    '      encryption: tls',
    '      user: relay-user',
    '      password: smtp-pw-SENTINEL',
    '  mailboxonly:',
    ...ASSISTANT.map((l) =>
      l.replace('mailbox: casper', 'mailbox: maja').replace('displayName: Casper', 'delimiter: "-"'),
    ),
    '  nomailbox: {}',
  ].join('\n'),
);

const NO_SENDER = load(['tenants:', '  nomailbox: {}', '  mailboxonly:', ...ASSISTANT].join('\n'));

describe('sendingSetup', () => {
  it('sends as "<displayName>" <mailbox@domain> through the tenant\'s own smtp', () => {
    const t = tenant(CONFIG, 'withsmtp');
    const setup = sendingSetup(t, CONFIG.sender);
    expect(setup).not.toBeNull();
    expect(setup?.via).toBe('tenant');
    expect(setup?.identity).toEqual({
      from: { name: 'Casper', address: 'casper@example.com' },
      replyBase: { mailbox: 'casper', delimiter: '+', domain: 'example.com' },
      messageIdDomain: 'example.com',
    });
    expect(setup?.transport).toBe(t.outbound);
    // SMTP user and password default to the IMAP ones.
    expect(setup?.transport).toMatchObject({
      kind: 'smtp',
      host: 'smtp.example.com',
      port: 587,
      encryption: 'starttls',
      user: 'casper@example.com',
    });
    expect(setup?.transport.kind === 'smtp' && setup.transport.password?.reveal()).toBe('imap-pw-SENTINEL');
  });

  it("uses the tenant's sendgrid when it has one (not the top-level sender)", () => {
    const setup = sendingSetup(tenant(CONFIG, 'withsendgrid'), CONFIG.sender);
    expect(setup?.via).toBe('tenant');
    expect(setup?.transport).toMatchObject({ kind: 'sendgrid', endpoint: 'http://127.0.0.1:9' });
    expect(setup?.identity.from).toEqual({ name: 'Casper', address: 'casper@example.com' });
  });

  it("falls back to sender for a mailbox without a transport: From is the sender's, replies still go to the tenant's mailbox", () => {
    const t = tenant(CONFIG, 'mailboxonly');
    const setup = sendingSetup(t, CONFIG.sender);
    expect(setup?.via).toBe('sender');
    expect(setup?.transport).toBe(CONFIG.sender?.transport);
    expect(setup?.identity).toEqual({
      from: { name: 'Casper Bot', address: 'bot@assistant.example' },
      replyBase: { mailbox: 'maja', delimiter: '-', domain: 'example.com' },
      messageIdDomain: 'assistant.example',
    });
    const m = buildOutgoingMessage(
      { to: 'bob@example.org', subject: 's', text: 't', alias: 'sales' },
      setup!.identity,
    );
    expect(m.from.address).toBe('bot@assistant.example');
    expect(m.replyTo).toEqual({ name: 'Casper Bot', address: 'maja-sales@example.com' });
    expect(m.messageId).toMatch(/@assistant\.example>$/);
  });

  it('sends a tenant without an assistant mailbox through sender, with no reply base', () => {
    const setup = sendingSetup(tenant(CONFIG, 'nomailbox'), CONFIG.sender);
    expect(setup).toMatchObject({
      via: 'sender',
      identity: { from: { name: 'Casper Bot', address: 'bot@assistant.example' }, replyBase: null },
    });
    const m = buildOutgoingMessage(
      { to: 'bob@example.org', subject: 's', text: 't', alias: 'sales' },
      setup!.identity,
    );
    expect(m.replyTo).toBeNull();
  });

  it('is null when the tenant has no transport and there is no sender', () => {
    expect(sendingSetup(tenant(NO_SENDER, 'nomailbox'), NO_SENDER.sender)).toBeNull();
    expect(sendingSetup(tenant(NO_SENDER, 'mailboxonly'), NO_SENDER.sender)).toBeNull();
  });

  it('takes a From without a display name from sender as a bare address', () => {
    const c = load(
      [
        'sender:',
        '  from: bot@assistant.example',
        '  sendgrid: { apiKey: k-123 }',
        'tenants:',
        '  nomailbox: {}',
      ].join('\n'),
    );
    expect(sendingSetup(tenant(c, 'nomailbox'), c.sender)?.identity.from).toEqual({
      name: null,
      address: 'bot@assistant.example',
    });
  });

  it('has a null display name when the assistant has none', () => {
    const c = load(
      [
        'tenants:',
        '  acme:',
        ...ASSISTANT.filter((l) => !l.includes('displayName')),
        '    smtp: { host: smtp.example.com }',
      ].join('\n'),
    );
    expect(sendingSetup(tenant(c, 'acme'), null)?.identity.from).toEqual({
      name: null,
      address: 'casper@example.com',
    });
  });
});

describe('tenantSecrets', () => {
  it('lists the IMAP password and the own transport secret, plus the sender secret', () => {
    expect(tenantSecrets(tenant(CONFIG, 'ownpassword'), CONFIG.sender).sort()).toEqual(
      ['imap-pw-SENTINEL', 'sender-pw-SENTINEL', 'smtp-pw-SENTINEL'].sort(),
    );
    expect(tenantSecrets(tenant(CONFIG, 'withsendgrid'), CONFIG.sender)).toEqual(
      expect.arrayContaining(['imap-pw-SENTINEL', 'SG.key-SENTINEL', 'sender-pw-SENTINEL']),
    );
    expect(tenantSecrets(tenant(CONFIG, 'nomailbox'), CONFIG.sender)).toEqual(['sender-pw-SENTINEL']);
    expect(tenantSecrets(tenant(NO_SENDER, 'nomailbox'), null)).toEqual([]);
  });
});

describe('createSender and describeTransport', () => {
  it('builds the transport the config names', async () => {
    const smtp = tenant(CONFIG, 'ownpassword').outbound!;
    const sendgrid = tenant(CONFIG, 'withsendgrid').outbound!;
    const a = createSender(smtp, { pool: false });
    const b = createSender(sendgrid);
    expect(a.transport).toBe('smtp');
    expect(b.transport).toBe('sendgrid');
    await a.close();
    await b.close();
    expect(describeTransport(smtp)).toBe('smtp smtp.example.com:465 (tls)');
    expect(describeTransport(sendgrid)).toBe('sendgrid http://127.0.0.1:9');
    // Neither description carries a secret.
    expect(`${describeTransport(smtp)} ${describeTransport(sendgrid)}`).not.toMatch(/SENTINEL/);
  });
});
