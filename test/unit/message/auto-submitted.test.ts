import { describe, expect, it } from 'vitest';

import { classifyAutoSubmitted } from '../../../src/message/auto-submitted.js';
import type { HeaderList } from '../../../src/message/headers.js';
import { ASSISTANT } from './tenants.js';

/** An ordinary message from a person, to which each test adds its signals. */
const BASE: HeaderList = [
  { name: 'return-path', value: '<dana.whitfield@example.net>' },
  { name: 'from', value: 'Dana Whitfield <dana.whitfield@example.net>' },
  { name: 'to', value: 'casper+sales@example.com' },
  { name: 'subject', value: 'Pricing for the Q2 renewal' },
  { name: 'content-type', value: 'text/plain; charset=utf-8' },
];

type Kind = ReturnType<typeof classifyAutoSubmitted>;
/** [what, expected kind, headers added to BASE, Content-Type (null: text/plain)] */
type Row = [string, Kind, Record<string, string>, string | null];

interface Msg {
  readonly headers?: Record<string, string>;
  readonly contentType?: string | null;
  readonly assistant?: boolean;
}

/** BASE with the given headers replacing (or adding to) its fields. */
function classify({
  headers = {},
  contentType = 'text/plain; charset=utf-8',
  assistant = true,
}: Msg = {}): Kind {
  const extra = Object.entries(headers).map(([name, value]) => ({ name: name.toLowerCase(), value }));
  const list: HeaderList = [...BASE.filter((h) => !extra.some((e) => e.name === h.name)), ...extra];
  return classifyAutoSubmitted(list, { contentType, assistant: assistant ? ASSISTANT : null });
}

describe('classifyAutoSubmitted: ordinary mail', () => {
  it('is null for a message from a person', () => {
    expect(classify()).toBeNull();
  });

  it.each([
    ['Auto-Submitted: no', { 'Auto-Submitted': 'no' }],
    ['Auto-Submitted: No', { 'Auto-Submitted': 'No' }],
    ['Auto-Submitted: auto-forwarded', { 'Auto-Submitted': 'auto-forwarded' }],
    [
      'X-MS-Exchange-Inbox-Rules-Loop alone',
      { 'X-MS-Exchange-Inbox-Rules-Loop': 'lena.hofmann@example.org' },
    ],
    ['X-Auto-Response-Suppress: All alone', { 'X-Auto-Response-Suppress': 'All' }],
    [
      'X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply alone',
      { 'X-Auto-Response-Suppress': 'DR, RN, NRN, OOF, AutoReply' },
    ],
    [
      'X-Auto-Response-Suppress with a reply about out-of-office cover',
      { 'X-Auto-Response-Suppress': 'All', Subject: 'RE: Out of office cover plan for Easter' },
    ],
    [
      'auto-forwarded + rules loop + X-Auto-Response-Suppress together',
      {
        'Auto-Submitted': 'auto-forwarded',
        'X-MS-Exchange-Inbox-Rules-Loop': 'lena.hofmann@example.org',
        'X-Auto-Response-Suppress': 'All',
      },
    ],
    [
      'an auto-reply subject without X-Auto-Response-Suppress',
      { Subject: 'Automatic reply: Pricing for the Q2 renewal' },
    ],
    ['an "[AUTO GENERATED]" subject alone', { Subject: '[AUTO GENERATED] Weekly report' }],
    ['Precedence: normal', { Precedence: 'normal' }],
    ['Precedence: first-class', { Precedence: 'first-class' }],
    [
      'List-Id / List-Unsubscribe without Precedence',
      { 'List-Id': '<project.lists.example.org>', 'List-Unsubscribe': '<mailto:leave@lists.example.org>' },
    ],
    ['a Return-Path with an address', { 'Return-Path': '<bounces+123@news.example.net>' }],
    ['a postmaster-like but different local part', { From: 'Postmaster Team <postmaster-team@example.net>' }],
  ])('is null with %s', (_what, headers: Record<string, string>) => {
    expect(classify({ headers })).toBeNull();
  });

  it('does not flag mail from the assistant address when no assistant is configured', () => {
    expect(classify({ headers: { From: 'Casper <casper@example.com>' }, assistant: false })).toBeNull();
  });
});

describe('classifyAutoSubmitted: each signal alone', () => {
  it.each([
    // bounce
    ['multipart/report (DSN)', 'bounce', {}, 'multipart/report; report-type=delivery-status; boundary="x"'],
    ['null Return-Path <>', 'bounce', { 'Return-Path': '<>' }, null],
    ['From MAILER-DAEMON', 'bounce', { From: 'MAILER-DAEMON@mx.example.com (Mail Delivery System)' }, null],
    [
      'From mailer-daemon (Gmail)',
      'bounce',
      { From: 'Mail Delivery Subsystem <mailer-daemon@googlemail.com>' },
      null,
    ],
    ['From postmaster', 'bounce', { From: 'postmaster@mail.example.net' }, null],
    ['From Postmaster (mixed case)', 'bounce', { From: 'Microsoft Outlook <Postmaster@example.org>' }, null],
    // auto-replied
    ['Auto-Submitted: auto-replied', 'auto-replied', { 'Auto-Submitted': 'auto-replied' }, null],
    [
      'Auto-Submitted: Auto-Replied (case-insensitive keyword)',
      'auto-replied',
      { 'Auto-Submitted': 'Auto-Replied' },
      null,
    ],
    [
      'Auto-Submitted: auto-replied; owner-email=... (RFC 3834 parameter)',
      'auto-replied',
      { 'Auto-Submitted': 'auto-replied; owner-email="minjun.kim@example.net"' },
      null,
    ],
    [
      'Auto-Submitted: auto-replied (vacation) (RFC 5322 comment, Pigeonhole)',
      'auto-replied',
      { 'Auto-Submitted': 'auto-replied (vacation)' },
      null,
    ],
    ['X-Autoreply: yes', 'auto-replied', { 'X-Autoreply': 'yes' }, null],
    ['X-Autorespond', 'auto-replied', { 'X-Autorespond': 'Thank you for your message' }, null],
    ['Precedence: auto_reply', 'auto-replied', { Precedence: 'auto_reply' }, null],
    [
      'X-Auto-Response-Suppress + "Automatic reply:"',
      'auto-replied',
      { 'X-Auto-Response-Suppress': 'All', Subject: 'Automatic reply: Pricing for the Q2 renewal' },
      null,
    ],
    // list
    ['Precedence: list', 'list', { Precedence: 'list' }, null],
    ['Precedence: List (case-insensitive)', 'list', { Precedence: 'List' }, null],
    // auto-generated
    ['Auto-Submitted: auto-generated', 'auto-generated', { 'Auto-Submitted': 'auto-generated' }, null],
    [
      'Auto-Submitted: auto-notified (RFC 5436)',
      'auto-generated',
      { 'Auto-Submitted': 'auto-notified' },
      null,
    ],
    ['Auto-Submitted with an unknown keyword', 'auto-generated', { 'Auto-Submitted': 'auto-whatever' }, null],
    ['Precedence: bulk', 'auto-generated', { Precedence: 'bulk' }, null],
    ['Precedence: Bulk (case-insensitive)', 'auto-generated', { Precedence: 'Bulk' }, null],
    ['Precedence: junk', 'auto-generated', { Precedence: 'junk' }, null],
    ['From the assistant itself', 'auto-generated', { From: 'Casper <casper@example.com>' }, null],
    ['From the assistant itself, upper case', 'auto-generated', { From: 'CASPER@EXAMPLE.COM' }, null],
    [
      'From one of the assistant plus-addresses',
      'auto-generated',
      { From: 'Casper <casper+sales@example.com>' },
      null,
    ],
  ] as Row[])('%s -> %s', (_what, kind, headers, contentType) => {
    expect(classify({ headers, contentType: contentType ?? 'text/plain; charset=utf-8' })).toBe(kind);
  });

  // Outlook writes the "Automatic reply" prefix in the mailbox's language; with
  // X-Auto-Response-Suppress each of these is an out-of-office reply.
  it.each([
    'Automatic reply: Pricing for the Q2 renewal',
    'Out of Office: Pricing for the Q2 renewal',
    'Out of office: Pricing for the Q2 renewal',
    'Autoreply: Pricing for the Q2 renewal',
    'Auto: Pricing for the Q2 renewal',
    'Automatische Antwort: Preise für die Verlängerung',
    'Abwesenheitsnotiz: Preise für die Verlängerung',
    'Réponse automatique : Tarifs du renouvellement',
    'Respuesta automática: Precios de la renovación',
    'Risposta automatica: Prezzi del rinnovo',
    'Automatisch antwoord: Prijzen voor de verlenging',
  ])('X-Auto-Response-Suppress + %j -> auto-replied', (subject) => {
    expect(classify({ headers: { 'X-Auto-Response-Suppress': 'All', Subject: subject } })).toBe(
      'auto-replied',
    );
  });
});

describe('classifyAutoSubmitted: precedence when several signals apply (bounce > auto-replied > list > auto-generated)', () => {
  it.each([
    [
      'DSN + Auto-Submitted: auto-replied + Precedence: bulk (Office 365 NDR)',
      'bounce',
      { 'Auto-Submitted': 'auto-replied', Precedence: 'bulk', From: 'postmaster@example.org' },
      'multipart/report; report-type=delivery-status',
    ],
    [
      'Postfix DSN: Return-Path <> + MAILER-DAEMON + auto-replied',
      'bounce',
      { 'Return-Path': '<>', From: 'MAILER-DAEMON@mx.example.com', 'Auto-Submitted': 'auto-replied' },
      'multipart/report; report-type=delivery-status',
    ],
    ['null Return-Path + X-Autoreply', 'bounce', { 'Return-Path': '<>', 'X-Autoreply': 'yes' }, null],
    [
      'MAILER-DAEMON + Precedence: list',
      'bounce',
      { From: 'MAILER-DAEMON@lists.example.org', Precedence: 'list' },
      null,
    ],
    [
      'auto-replied + Precedence: list',
      'auto-replied',
      { 'Auto-Submitted': 'auto-replied', Precedence: 'list' },
      null,
    ],
    [
      'X-Autoreply + Precedence: bulk + Auto-Submitted: auto-replied',
      'auto-replied',
      { 'X-Autoreply': 'yes', Precedence: 'bulk', 'Auto-Submitted': 'auto-replied' },
      null,
    ],
    [
      'out-of-office subject + Precedence: list',
      'auto-replied',
      { 'X-Auto-Response-Suppress': 'All', Subject: 'Automatic reply: hello', Precedence: 'list' },
      null,
    ],
    [
      'from the assistant + Auto-Submitted: auto-replied',
      'auto-replied',
      { From: 'casper@example.com', 'Auto-Submitted': 'auto-replied' },
      null,
    ],
    [
      'Precedence: list + Auto-Submitted: auto-generated',
      'list',
      { Precedence: 'list', 'Auto-Submitted': 'auto-generated' },
      null,
    ],
    [
      'Precedence: list + from the assistant',
      'list',
      { Precedence: 'list', From: 'casper@example.com' },
      null,
    ],
    [
      'Precedence: bulk + from the assistant',
      'auto-generated',
      { Precedence: 'bulk', From: 'casper@example.com' },
      null,
    ],
    [
      'auto-forwarded + Precedence: bulk',
      'auto-generated',
      { 'Auto-Submitted': 'auto-forwarded', Precedence: 'bulk' },
      null,
    ],
  ] as Row[])('%s -> %s', (_what, kind, headers, contentType) => {
    expect(classify({ headers, contentType: contentType ?? 'text/plain; charset=utf-8' })).toBe(kind);
  });
});
