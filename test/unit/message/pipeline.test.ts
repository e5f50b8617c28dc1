import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import type { PipelineTenant, ProcessedMessage } from '../../../src/message/pipeline.js';
import { oversizedMessage, processMessage, processMessageStream } from '../../../src/message/pipeline.js';
import type { AutoSubmittedKind, EmailPayload } from '../../../src/message/types.js';
import { PAYLOAD_SCHEMA } from '../../../src/message/types.js';
import { jobIdFor } from '../../../src/queue/job-id.js';
import { acme, fixture, idnPunycode, idnUnicode, makeTenant, open, sourceFor } from './tenants.js';
import { PAYLOAD_KEYS as SPEC_PAYLOAD_KEYS } from '../../helpers/payload-keys.js';

const sha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');

async function run(name: string, tenant: PipelineTenant = acme): Promise<ProcessedMessage> {
  const raw = fixture(name);
  return processMessage(raw, sourceFor(raw), tenant);
}

/** [workspace, recipient.header] of every job, sorted by workspace (SPEC does not order them). */
function routed(result: ProcessedMessage): [string | null, string | null][] {
  return result.jobs
    .map((j): [string | null, string | null] => [j.workspace, j.payload.recipient?.header ?? null])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

const PAYLOAD_KEYS = [...SPEC_PAYLOAD_KEYS].sort();

/** SPEC §5: every key present, `null` where absent, the right types. */
function expectPayloadShape(p: EmailPayload, withReason: boolean): void {
  expect(Object.keys(p).sort()).toEqual(withReason ? [...PAYLOAD_KEYS, 'reason'].sort() : PAYLOAD_KEYS);
  for (const [key, value] of Object.entries(p)) expect(value, key).not.toBeUndefined();
  expect(p.schema).toBe('mail-ingest.email/v1');
  expect(typeof p.tenant).toBe('string');
  expect(p.workspace === null || typeof p.workspace === 'string').toBe(true);
  expect(p.alias === null || typeof p.alias === 'string').toBe(true);
  if (p.recipient !== null) {
    expect(Object.keys(p.recipient).sort()).toEqual(['address', 'header']);
    expect(p.recipient.header).toBe(p.recipient.header.toLowerCase());
  }
  expect(Object.keys(p.source).sort()).toEqual([
    'folder',
    'internalDate',
    'size',
    'uid',
    'uidValidity',
    'user',
  ]);
  for (const key of ['messageId', 'inReplyTo', 'date', 'text', 'html'] as const) {
    expect(p[key] === null || typeof p[key] === 'string', key).toBe(true);
  }
  if (p.date !== null) expect(new Date(p.date).toISOString()).toBe(p.date);
  for (const ref of p.references) expect(ref).toMatch(/^<[^<>\s]+>$/);
  expect(typeof p.subject).toBe('string');
  for (const list of [p.from, p.to, p.cc, p.replyTo]) {
    for (const a of list) {
      expect(Object.keys(a).sort()).toEqual(['address', 'name']);
      expect(typeof a.name).toBe('string');
      expect(typeof a.address).toBe('string');
    }
  }
  expect(typeof p.truncated).toBe('boolean');
  for (const a of p.attachments) {
    expect(Object.keys(a).sort()).toEqual([
      'content',
      'contentId',
      'contentType',
      'filename',
      'inline',
      'sha256',
      'size',
    ]);
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    if (a.content !== null) {
      const content = Buffer.from(a.content, 'base64');
      expect(content.length).toBe(a.size);
      expect(createHash('sha256').update(content).digest('hex')).toBe(a.sha256);
    }
  }
  expect(Array.isArray(p.invites)).toBe(true);
  expect([null, 'auto-replied', 'auto-generated', 'bounce', 'list']).toContain(p.autoSubmitted);
  expect(Array.isArray(p.warnings)).toBe(true);
  if (withReason) expect(p.reason).toMatch(/\S/);
  // The payload must survive the JSON round trip to Redis unchanged.
  expect(JSON.parse(JSON.stringify(p))).toEqual(p);
}

/** SPEC §4: exactly one outcome, with jobs to match. */
function expectConsistent(result: ProcessedMessage): void {
  switch (result.outcome) {
    case 'routed':
      expect(result.jobs.length).toBeGreaterThan(0);
      expect(result.reason).toBeNull();
      for (const job of result.jobs) {
        expect(job.kind).toBe('workspace');
        expect(job.workspace).not.toBeNull();
        expect(job.payload.workspace).toBe(job.workspace);
        expectPayloadShape(job.payload, false);
      }
      expect(new Set(result.jobs.map((j) => j.workspace)).size).toBe(result.jobs.length);
      break;
    case 'unrouted':
    case 'dead-letter':
      expect(result.jobs).toHaveLength(1);
      expect(result.jobs[0]?.kind).toBe(result.outcome);
      expect(result.jobs[0]?.payload.workspace).toBeNull();
      expect(result.jobs[0]?.payload.reason).toBe(result.reason);
      if (result.jobs[0] !== undefined) expectPayloadShape(result.jobs[0].payload, true);
      break;
    case 'dropped':
      expect(result.jobs).toEqual([]);
      expect(result.reason).toMatch(/\S/);
      break;
  }
}

/** Every .eml in test/fixtures/messages/. */
const ALL_FIXTURES = readdirSync(new URL('../../fixtures/messages/', import.meta.url))
  .filter((f) => f.endsWith('.eml'))
  .sort();

type Expectation = [
  fixture: string,
  outcome: ProcessedMessage['outcome'],
  routes: [string, string][], // [workspace, recipient.header], sorted by workspace
  autoSubmitted: AutoSubmittedKind | null,
];

/** Routing of every fixture under the SPEC §3 example tenant (workspaces map, all policies `unrouted`). */
const UNDER_ACME: Expectation[] = [
  ['gmail-plus-delivered-to.eml', 'routed', [['ws-1842', 'delivered-to']], null],
  ['gmail-forwarded-two-delivered-to.eml', 'routed', [['ws-77', 'delivered-to']], null],
  ['gmail-x-gm-original-to.eml', 'routed', [['ws-1842', 'x-gm-original-to']], null],
  ['outlook-redirect-to-commas.eml', 'routed', [['ws-1842', 'to']], null],
  ['outlook-cc-encoded-names.eml', 'routed', [['ws-77', 'cc']], null],
  ['exchange-automatic-reply.eml', 'unrouted', [], 'auto-replied'],
  ['outlook-out-of-office-subject.eml', 'unrouted', [], 'auto-replied'],
  ['postfix-bcc-x-original-to.eml', 'routed', [['ws-77', 'x-original-to']], null],
  ['bcc-delivered-to-only.eml', 'routed', [['ws-1842', 'delivered-to']], null],
  ['bcc-received-for-folded.eml', 'routed', [['ws-77', 'received']], null],
  ['postfix-dsn-bounce.eml', 'unrouted', [], 'bounce'],
  ['gmail-dsn-failure.eml', 'unrouted', [], 'bounce'],
  ['postmaster-delay-notice.eml', 'unrouted', [], 'bounce'],
  ['sieve-vacation-reply.eml', 'unrouted', [], 'auto-replied'],
  ['x-autoreply.eml', 'unrouted', [], 'auto-replied'],
  ['newsletter-precedence-bulk.eml', 'unrouted', [], 'auto-generated'],
  ['mailman-list-post.eml', 'unrouted', [], 'list'],
  ['auto-forwarded-by-rule.eml', 'routed', [['ws-1842', 'delivered-to']], null],
  ['from-assistant-itself.eml', 'unrouted', [], 'auto-generated'],
  ['apple-mail-inline-image.eml', 'routed', [['ws-77', 'to']], null],
  ['thunderbird-flowed-pdf.eml', 'routed', [['ws-77', 'to']], null],
  ['group-syntax.eml', 'routed', [['ws-1842', 'cc']], null],
  ['quoted-local-part.eml', 'routed', [['ws-1842', 'to']], null],
  ['uppercase-alias.eml', 'routed', [['ws-1842', 'to']], null],
  ['idn-domain.eml', 'unrouted', [], null],
  ['invalid-alias.eml', 'unrouted', [], null],
  ['two-aliases-one-workspace.eml', 'routed', [['ws-1842', 'to']], null],
  [
    'fan-out-two-workspaces.eml',
    'routed',
    [
      ['ws-1842', 'to'],
      ['ws-77', 'delivered-to'],
    ],
    null,
  ],
  ['unknown-alias.eml', 'unrouted', [], null],
  ['bare-mailbox.eml', 'unrouted', [], null],
  ['foreign-recipients-only.eml', 'unrouted', [], null],
  ['exim-envelope-to.eml', 'routed', [['ws-1842', 'envelope-to']], null],
  ['charset-unknown.eml', 'routed', [['ws-77', 'to']], null],
  ['charset-invalid-utf8.eml', 'routed', [['ws-77', 'to']], null],
  ['charset-iso-8859-1.eml', 'routed', [['ws-77', 'to']], null],
  ['charset-windows-1252.eml', 'routed', [['ws-1842', 'to']], null],
  ['charset-ks-c-5601-1987.eml', 'routed', [['ws-1842', 'to']], null],
  ['mime-missing-closing-boundary.eml', 'routed', [['ws-77', 'to']], null],
  ['mime-wrong-boundary.eml', 'routed', [['ws-77', 'to']], null],
  ['mime-truncated-base64.eml', 'routed', [['ws-1842', 'to']], null],
  ['nul-in-subject.eml', 'routed', [['ws-77', 'to']], null],
  ['header-only.eml', 'routed', [['ws-1842', 'to']], null],
  ['unparseable-to.eml', 'routed', [['ws-77', 'to']], null],
  ['no-message-id.eml', 'routed', [['ws-1842', 'delivered-to']], null],
];

/** The same messages under a tenant without a workspaces map (every valid alias is a workspace). */
const UNDER_OPEN: Expectation[] = [
  [
    'group-syntax.eml',
    'routed',
    [
      ['ops', 'to'],
      ['sales', 'cc'],
    ],
    null,
  ],
  [
    'two-aliases-one-workspace.eml',
    'routed',
    [
      ['sales', 'to'],
      ['vente', 'cc'],
    ],
    null,
  ],
  [
    'fan-out-two-workspaces.eml',
    'routed',
    [
      ['sales', 'to'],
      ['support', 'delivered-to'],
    ],
    null,
  ],
  ['unknown-alias.eml', 'routed', [['marketing', 'delivered-to']], null],
  ['bcc-received-for-folded.eml', 'routed', [['support', 'received']], null],
  ['bare-mailbox.eml', 'unrouted', [], null],
  ['invalid-alias.eml', 'unrouted', [], null],
];

/** Messages that are well-formed: SPEC §5 says their `warnings` is empty. */
const WELL_FORMED = [
  'gmail-plus-delivered-to.eml',
  'gmail-forwarded-two-delivered-to.eml',
  'gmail-x-gm-original-to.eml',
  'outlook-redirect-to-commas.eml',
  'outlook-cc-encoded-names.eml',
  'exchange-automatic-reply.eml',
  'outlook-out-of-office-subject.eml',
  'postfix-bcc-x-original-to.eml',
  'bcc-delivered-to-only.eml',
  'bcc-received-for-folded.eml',
  'postfix-dsn-bounce.eml',
  'gmail-dsn-failure.eml',
  'postmaster-delay-notice.eml',
  'sieve-vacation-reply.eml',
  'x-autoreply.eml',
  'newsletter-precedence-bulk.eml',
  'mailman-list-post.eml',
  'auto-forwarded-by-rule.eml',
  'from-assistant-itself.eml',
  'apple-mail-inline-image.eml',
  'thunderbird-flowed-pdf.eml',
  'quoted-local-part.eml',
  'uppercase-alias.eml',
  'two-aliases-one-workspace.eml',
  'fan-out-two-workspaces.eml',
  'unknown-alias.eml',
  'bare-mailbox.eml',
  'foreign-recipients-only.eml',
  'exim-envelope-to.eml',
  'charset-iso-8859-1.eml',
  'charset-windows-1252.eml',
  'charset-ks-c-5601-1987.eml',
  'header-only.eml',
  'no-message-id.eml',
];

describe('processMessage: routing of every fixture (SPEC §4)', () => {
  it.each(UNDER_ACME)('%s -> %s %j (autoSubmitted %s)', async (name, outcome, routes, auto) => {
    const result = await run(name);
    expect(result.outcome).toBe(outcome);
    expect(result.autoSubmitted).toBe(auto);
    if (outcome === 'routed') expect(routed(result)).toEqual(routes);
    for (const job of result.jobs) expect(job.payload.autoSubmitted).toBe(auto);
  });

  it.each(UNDER_OPEN)('without a workspaces map: %s -> %s %j', async (name, outcome, routes) => {
    const result = await run(name, open);
    expect(result.outcome).toBe(outcome);
    if (outcome === 'routed') expect(routed(result)).toEqual(routes);
  });

  it('every fixture is covered by the routing table', () => {
    expect(ALL_FIXTURES.length).toBeGreaterThanOrEqual(30);
    expect(UNDER_ACME.map(([name]) => name).sort()).toEqual(ALL_FIXTURES);
  });

  it.each(ALL_FIXTURES)('%s ends in exactly one outcome with a well-formed payload', async (name) => {
    for (const tenant of [acme, open]) expectConsistent(await run(name, tenant));
  });

  it.each(WELL_FORMED)('%s is well-formed: warnings is empty', async (name) => {
    const result = await run(name);
    expect(result.warnings).toEqual([]);
    for (const job of result.jobs) expect(job.payload.warnings).toEqual([]);
  });
});

describe('processMessage: the routed payload (SPEC §5)', () => {
  it('is exactly the documented payload for the Gmail fixture', async () => {
    const raw = fixture('gmail-plus-delivered-to.eml');
    const source = sourceFor(raw, 7);
    const result = await processMessage(raw, source, acme);
    expect(result.outcome).toBe('routed');
    expect(result.reason).toBeNull();
    expect(result.messageId).toBe('<CAF3x9Lq3=ef56gh78@mail.example.net>');
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]?.kind).toBe('workspace');
    expect(result.jobs[0]?.workspace).toBe('ws-1842');
    expect(result.jobs[0]?.alias).toBe('sales');
    expect(result.jobs[0]?.payload).toEqual({
      schema: PAYLOAD_SCHEMA,
      tenant: 'acme',
      workspace: 'ws-1842',
      alias: 'sales',
      recipient: { address: 'casper+sales@example.com', header: 'delivered-to' },
      source: {
        user: 'casper@example.com',
        folder: 'INBOX',
        uidValidity: 1_700_000_000,
        uid: 7,
        size: raw.length,
        internalDate: '2026-03-10T12:00:00.000Z',
      },
      messageId: '<CAF3x9Lq3=ef56gh78@mail.example.net>',
      inReplyTo: '<20260301101500.GA4411@mail.example.net>',
      references: [
        '<CAF3x9Lq1=ab12@mail.example.net>',
        '<CAF3x9Lq2=cd34@mail.example.com>',
        '<20260301101500.GA4411@mail.example.net>',
      ],
      date: '2026-03-03T09:14:41.000Z',
      subject: 'Re: Pricing for the Q2 renewal',
      from: [{ name: 'Dana Whitfield', address: 'dana.whitfield@example.net' }],
      to: [{ name: 'Casper (Sales)', address: 'casper+sales@example.com' }],
      cc: [{ name: 'Priya Raman', address: 'priya.raman@example.org' }],
      replyTo: [{ name: 'Dana Whitfield', address: 'dana@example.net' }],
      text: 'Hi Casper,\n\ncould you send the updated pricing sheet — the one with the 12% discount for the Q2 renewal? Finance needs it by Friday.\n\nThanks,\nDana\n',
      html: '<div dir="ltr">Hi Casper,<div><br></div><div>could you send the updated pricing sheet — the one with the 12% discount for the Q2 renewal? Finance needs it by Friday.</div><div><br></div><div>Thanks,</div><div>Dana</div></div>\n',
      truncated: false,
      attachments: [],
      invites: [],
      autoSubmitted: null,
      warnings: [],
    });
  });

  it('fans out: one payload per workspace, identical except workspace, alias and recipient', async () => {
    const result = await run('fan-out-two-workspaces.eml');
    expect(result.jobs).toHaveLength(2);
    const byWorkspace = new Map(result.jobs.map((j) => [j.workspace, j.payload]));
    expect(byWorkspace.get('ws-1842')).toMatchObject({
      alias: 'sales',
      recipient: { address: 'casper+sales@example.com', header: 'to' },
    });
    expect(byWorkspace.get('ws-77')).toMatchObject({
      alias: 'support',
      recipient: { address: 'casper+support@example.com', header: 'delivered-to' },
    });
    const strip = (p: EmailPayload | undefined): Partial<EmailPayload> => ({
      ...p,
      workspace: null,
      alias: null,
      recipient: null,
    });
    expect(strip(byWorkspace.get('ws-1842'))).toEqual(strip(byWorkspace.get('ws-77')));
  });

  it('two aliases of one workspace give one job', async () => {
    const result = await run('two-aliases-one-workspace.eml');
    expect(result.jobs.map((j) => [j.workspace, j.alias])).toEqual([['ws-1842', 'sales']]);
    expect(result.warnings).toEqual([]);
  });

  it('an alias that does not route is only a warning when another one does (group syntax)', async () => {
    const result = await run('group-syntax.eml');
    expect(result.outcome).toBe('routed');
    expect(result.jobs.map((j) => j.workspace)).toEqual(['ws-1842']);
    expect(result.jobs[0]?.payload.warnings.join('\n')).toContain('ops');
  });

  it('records the alias and address of an upper-case recipient in lower case', async () => {
    const result = await run('uppercase-alias.eml');
    expect(result.jobs[0]?.alias).toBe('sales');
    expect(result.jobs[0]?.payload.recipient).toEqual({ address: 'casper+sales@example.com', header: 'to' });
  });

  it('routes a quoted local part', async () => {
    const result = await run('quoted-local-part.eml');
    expect(result.jobs[0]?.payload.recipient).toEqual({ address: 'casper+sales@example.com', header: 'to' });
  });

  it.each([
    ['configured in Unicode (bücher.example)', idnUnicode],
    ['configured in punycode (xn--bcher-kva.example)', idnPunycode],
  ])('IDN assistant domain %s matches both spellings in the message', async (_how, tenant) => {
    const result = await run('idn-domain.eml', tenant);
    expect(routed(result)).toEqual([
      ['ws-1842', 'delivered-to'],
      ['ws-77', 'to'],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('an invalid alias alone is the bare mailbox, with a warning for each', async () => {
    const result = await run('invalid-alias.eml');
    expect(result.outcome).toBe('unrouted');
    expect(result.jobs[0]?.payload.alias).toBeNull();
    const warnings = result.jobs[0]?.payload.warnings.join('\n') ?? '';
    expect(warnings).toContain('bad/alias');
    expect(warnings).toContain('a'.repeat(70));
  });

  it('an unparseable To falls back to scanning and still routes', async () => {
    const result = await run('unparseable-to.eml');
    expect(result.jobs.map((j) => [j.workspace, j.payload.recipient])).toEqual([
      ['ws-77', { address: 'casper+support@example.com', header: 'to' }],
    ]);
  });

  it('carries attachments with sha256, size, contentId, inline and content (<= inlineAttachmentBytes)', async () => {
    const result = await run('apple-mail-inline-image.eml');
    const [img] = result.jobs[0]?.payload.attachments ?? [];
    expect(img).toMatchObject({
      filename: 'whiteboard.png',
      contentType: 'image/png',
      size: 369,
      sha256: 'fda923bca7793a38e8d07c3a0ce5b7bf0fbbcb90153c3c17c37079fba4d949f5',
      inline: true,
    });
    expect(img?.contentId).toContain('0B7F3E2A-1C4D-4A5B-9E8F-7D6C5B4A3F21');
    expect(img?.content).not.toBeNull();
  });

  it('leaves attachment content null above the tenant inlineAttachmentBytes', async () => {
    const result = await run(
      'thunderbird-flowed-pdf.eml',
      makeTenant({ limits: { inlineAttachmentBytes: 8 * 1024 } }),
    );
    expect(result.jobs[0]?.payload.attachments).toEqual([
      {
        filename: 'Lieferschein-4711.pdf',
        contentType: 'application/pdf',
        size: 8665,
        sha256: '734dc3e04d6cea469243481742bcbbc0ea0e63e477d466d26a4327a4a494b74a',
        contentId: null,
        inline: false,
        content: null,
      },
    ]);
  });

  it('truncates text at the tenant maxBodyChars, with truncated: true and a warning', async () => {
    const result = await run('gmail-plus-delivered-to.eml', makeTenant({ limits: { maxBodyChars: 40 } }));
    const p = result.jobs[0]?.payload;
    expect(p?.text).toBe('Hi Casper,\n\ncould you send the updated p');
    expect(p?.truncated).toBe(true);
    expect(p?.warnings.length).toBeGreaterThan(0);
    expect(result.outcome).toBe('routed');
  });
});

describe('processMessage: autoReplies policy on real auto-replies', () => {
  it('autoReplies: route routes an out-of-office reply and keeps autoSubmitted', async () => {
    const result = await run(
      'exchange-automatic-reply.eml',
      makeTenant({ routing: { autoReplies: 'route' } }),
    );
    expect(result.outcome).toBe('routed');
    expect(result.jobs.map((j) => [j.workspace, j.payload.autoSubmitted])).toEqual([
      ['ws-1842', 'auto-replied'],
    ]);
  });

  it('autoReplies: route keeps the bounce kind on a DSN', async () => {
    const result = await run('postfix-dsn-bounce.eml', makeTenant({ routing: { autoReplies: 'route' } }));
    expect(
      result.jobs.map((j) => [j.workspace, j.payload.recipient?.header, j.payload.autoSubmitted]),
    ).toEqual([['ws-1842', 'x-original-to', 'bounce']]);
  });

  it('autoReplies: unrouted puts a bounce in the unrouted queue with a reason', async () => {
    const result = await run('gmail-dsn-failure.eml');
    expect(result.outcome).toBe('unrouted');
    expect(result.jobs.map((j) => j.kind)).toEqual(['unrouted']);
    expect(result.jobs[0]?.payload.autoSubmitted).toBe('bounce');
    expect(result.jobs[0]?.payload.reason).toMatch(/\S/);
  });

  it.each([
    'postmaster-delay-notice.eml',
    'mailman-list-post.eml',
    'from-assistant-itself.eml',
    'x-autoreply.eml',
  ])('autoReplies: drop drops %s (no job)', async (name) => {
    const result = await run(name, makeTenant({ routing: { autoReplies: 'drop' } }));
    expect(result.outcome).toBe('dropped');
    expect(result.jobs).toEqual([]);
  });

  it('an auto-forwarded message with an Exchange rules-loop header is ordinary mail', async () => {
    const result = await run('auto-forwarded-by-rule.eml', makeTenant({ routing: { autoReplies: 'drop' } }));
    expect(result.outcome).toBe('routed');
    expect(result.autoSubmitted).toBeNull();
  });
});

describe('processMessage: unknownAlias / noAlias policies', () => {
  it('unknown alias, unrouted: one unrouted job with workspace null and a reason', async () => {
    const result = await run('unknown-alias.eml');
    expect(result.outcome).toBe('unrouted');
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]?.kind).toBe('unrouted');
    expect(result.jobs[0]?.payload.workspace).toBeNull();
    expect(result.jobs[0]?.payload.reason).toMatch(/\S/);
  });

  it('unknown alias, drop: dropped', async () => {
    const result = await run(
      'unknown-alias.eml',
      makeTenant({ routing: { unknownAlias: { action: 'drop' } } }),
    );
    expect(result.outcome).toBe('dropped');
    expect(result.jobs).toEqual([]);
  });

  it('unknown alias, workspace:<id>: routed there', async () => {
    const result = await run(
      'unknown-alias.eml',
      makeTenant({ routing: { unknownAlias: { action: 'workspace', workspace: 'ws-default' } } }),
    );
    expect(result.outcome).toBe('routed');
    expect(result.jobs.map((j) => [j.workspace, j.alias])).toEqual([['ws-default', 'marketing']]);
  });

  it.each(['bare-mailbox.eml', 'foreign-recipients-only.eml', 'invalid-alias.eml'])(
    '%s: noAlias unrouted / drop / workspace',
    async (name) => {
      expect((await run(name)).outcome).toBe('unrouted');
      expect((await run(name, makeTenant({ routing: { noAlias: { action: 'drop' } } }))).outcome).toBe(
        'dropped',
      );
      const inbox = await run(
        name,
        makeTenant({ routing: { noAlias: { action: 'workspace', workspace: 'ws-inbox' } } }),
      );
      expect(inbox.outcome).toBe('routed');
      expect(inbox.jobs.map((j) => [j.workspace, j.alias])).toEqual([['ws-inbox', null]]);
    },
  );
});

describe('processMessage: dead-letter (SPEC §4)', () => {
  function expectDeadLetter(result: ProcessedMessage, raw: Buffer, uid: number): void {
    expect(result.outcome).toBe('dead-letter');
    expect(result.reason).toMatch(/\S/);
    expect(result.jobs).toHaveLength(1);
    const job = result.jobs[0];
    expect(job?.kind).toBe('dead-letter');
    expect(job?.workspace).toBeNull();
    if (job === undefined) return;
    expectPayloadShape(job.payload, true);
    expect(job.payload.reason).toBe(result.reason);
    // the pointer to the raw message
    expect(job.payload.source).toEqual({ ...sourceFor(raw, uid) });
    expect(job.payload.tenant).toBe('acme');
  }

  it('a message that cannot be parsed (more MIME parts than the parser allows)', async () => {
    const parts = Array.from(
      { length: 1200 },
      (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`,
    ).join('');
    const raw = Buffer.from(
      `From: a@example.org\r\nTo: casper+sales@example.com\r\nMessage-ID: <many-parts@example.org>\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`,
    );
    const result = await processMessage(raw, sourceFor(raw, 11), acme);
    expectDeadLetter(result, raw, 11);
    expect(result.reason).toMatch(/pars/i);
  });

  it('a message whose header section is larger than the parser allows', async () => {
    const raw = Buffer.from(
      `From: a@example.org\r\nTo: casper+sales@example.com\r\nX-Junk: ${'x'.repeat(2 * 1024 * 1024)}\r\nSubject: big\r\n\r\nbody\r\n`,
    );
    const result = await processMessage(raw, sourceFor(raw, 12), acme);
    expectDeadLetter(result, raw, 12);
  });

  it('a message larger than maxMessageBytes, with the size in the reason', async () => {
    const raw = fixture('gmail-plus-delivered-to.eml');
    const tenant = makeTenant({ limits: { maxMessageBytes: raw.length - 1 } });
    const result = await processMessage(raw, sourceFor(raw, 13), tenant);
    expectDeadLetter(result, raw, 13);
    expect(result.reason).toContain(String(raw.length - 1));
  });

  it('a message of exactly maxMessageBytes is processed normally', async () => {
    const raw = fixture('gmail-plus-delivered-to.eml');
    const result = await processMessage(
      raw,
      sourceFor(raw),
      makeTenant({ limits: { maxMessageBytes: raw.length } }),
    );
    expect(result.outcome).toBe('routed');
  });

  it('oversizedMessage (known size, never downloaded) dead-letters with a reason and a stable identity', () => {
    const source = {
      user: 'casper@example.com',
      folder: 'INBOX',
      uidValidity: 1_700_000_000,
      uid: 99,
      size: 80 * 1024 * 1024,
      internalDate: '2026-03-10T12:00:00.000Z',
    };
    const a = oversizedMessage(source, acme);
    const b = oversizedMessage(source, acme);
    expect(a.outcome).toBe('dead-letter');
    expect(a.jobs).toHaveLength(1);
    expect(a.jobs[0]?.payload.source).toEqual(source);
    expect(a.jobs[0]?.payload.reason).toContain(String(source.size));
    if (a.jobs[0] !== undefined) expectPayloadShape(a.jobs[0].payload, true);
    expect(a.identity).toBe(b.identity);
    expect(oversizedMessage({ ...source, uid: 100 }, acme).identity).not.toBe(a.identity);
  });
});

describe('processMessage: identity for duplicate suppression (SPEC §5)', () => {
  it('two copies with the same Message-ID have the same identity and job ids', async () => {
    const a = fixture('gmail-plus-delivered-to.eml');
    // The second copy passed through one more relay and sits at another UID.
    const b = Buffer.concat([
      Buffer.from('Received: from relay.example.com by mx.example.com; Tue, 3 Mar 2026 10:00:00 +0000\r\n'),
      a,
    ]);
    const first = await processMessage(a, sourceFor(a, 1), acme);
    const second = await processMessage(b, sourceFor(b, 2), acme);
    expect(second.identity).toBe(first.identity);
    expect(jobIdFor('acme', 'acme.ws-1842', second.identity)).toBe(
      jobIdFor('acme', 'acme.ws-1842', first.identity),
    );
    expect(first.identity).toContain('<CAF3x9Lq3=ef56gh78@mail.example.net>');
  });

  it('messages with different Message-IDs have different identities', async () => {
    const a = await run('gmail-plus-delivered-to.eml');
    const b = await run('bcc-delivered-to-only.eml');
    expect(a.identity).not.toBe(b.identity);
  });

  it('without a Message-ID the identity is the SHA-256 of the raw message', async () => {
    const raw = fixture('no-message-id.eml');
    const result = await processMessage(raw, sourceFor(raw), acme);
    expect(result.messageId).toBeNull();
    expect(result.jobs[0]?.payload.messageId).toBeNull();
    expect(result.identity).toBe(`sha256:${sha256(raw)}`);
    const again = await processMessage(Buffer.from(raw), sourceFor(raw, 5), acme);
    expect(again.identity).toBe(result.identity);
    const other = Buffer.concat([raw, Buffer.from('\n')]);
    expect((await processMessage(other, sourceFor(other), acme)).identity).not.toBe(result.identity);
  });
});

describe('processMessageStream: a large message arriving in chunks', () => {
  async function* chunked(raw: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < raw.length; i += size) {
      await Promise.resolve(); // as from a socket: each chunk in a later turn
      yield raw.subarray(i, i + size);
    }
  }

  it('decides every fixture exactly as processMessage does, whatever the chunk boundaries', async () => {
    const names = readdirSync(new URL('../../fixtures/messages/', import.meta.url)).filter((n) =>
      n.endsWith('.eml'),
    );
    for (const name of names) {
      const raw = fixture(name);
      const whole = await processMessage(raw, sourceFor(raw), acme);
      const streamed = await processMessageStream(chunked(raw, 7), sourceFor(raw), acme);
      expect(streamed, name).toEqual(whole);
    }
  });

  it('hashes what it streams: without a Message-ID the identity is the SHA-256 of every byte', async () => {
    const raw = fixture('no-message-id.eml');
    const result = await processMessageStream(chunked(raw, 100), sourceFor(raw), acme);
    expect(result.identity).toBe(`sha256:${sha256(raw)}`);
  });

  it('rejects with the source error when the download breaks: no dead-letter for a connection problem', async () => {
    const raw = fixture('gmail-plus-delivered-to.eml');
    async function* broken(): AsyncGenerator<Buffer> {
      yield raw.subarray(0, 500);
      await Promise.resolve();
      throw new Error('connection reset');
    }
    await expect(processMessageStream(broken(), sourceFor(raw), acme)).rejects.toThrow('connection reset');
  });

  it('dead-letters a message longer than the server said and than maxMessageBytes, reading it all', async () => {
    const raw = fixture('no-message-id.eml');
    const tenant = makeTenant({ limits: { maxMessageBytes: 300 } });
    const result = await processMessageStream(chunked(raw, 64), { ...sourceFor(raw), size: 250 }, tenant);
    expect(result.outcome).toBe('dead-letter');
    expect(result.reason).toContain(`${raw.length} bytes exceeds maxMessageBytes 300`);
    expect(result.identity).toBe(`sha256:${sha256(raw)}`);
  });

  it('dead-letters an unparseable message and still reads it to the end', async () => {
    const raw = Buffer.from(
      `From: a@example.org\r\nTo: casper+sales@example.com\r\nX-Junk: ${'x'.repeat(2 * 1024 * 1024)}\r\n\r\nbody\r\n`,
    );
    const result = await processMessageStream(chunked(raw, 64 * 1024), sourceFor(raw), acme);
    expect(result.outcome).toBe('dead-letter');
    expect(result.reason).toMatch(/^unparseable: /);
    expect(result.identity).toBe(`sha256:${sha256(raw)}`);
  });

  it('keeps only maxBodyChars of a huge text body (cut before parsing), marked truncated', async () => {
    const line = 'The quick brown fox jumps over the lazy dog.\r\n';
    const raw = Buffer.from(
      `From: a@example.org\r\nTo: casper+sales@example.com\r\nMessage-ID: <long@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${line.repeat(20_000)}`,
    );
    const tenant = makeTenant({ limits: { maxBodyChars: 5000 } });
    const result = await processMessageStream(chunked(raw, 4096), sourceFor(raw), tenant);
    const payload = result.jobs[0]?.payload;
    expect(result.outcome).toBe('routed');
    expect(payload?.text).toHaveLength(5000);
    expect(payload?.text?.startsWith('The quick brown fox')).toBe(true);
    expect(payload?.truncated).toBe(true);
    expect(payload?.warnings).toContain('text truncated to 5000 characters');
  });
});
