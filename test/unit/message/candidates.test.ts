import { describe, expect, it } from 'vitest';

import { CANDIDATE_HEADERS, collectCandidates, receivedFor } from '../../../src/message/candidates.js';
import type { HeaderList } from '../../../src/message/headers.js';
import { toHeaderField } from '../../../src/message/headers.js';

const pairs = (headers: HeaderList): string[] =>
  collectCandidates(headers).candidates.map((c) => `${c.header} ${c.address}`);

describe('CANDIDATE_HEADERS', () => {
  it('lists the SPEC §4 headers in SPEC priority order', () => {
    expect([...CANDIDATE_HEADERS]).toEqual([
      'delivered-to',
      'x-delivered-to',
      'x-original-to',
      'x-gm-original-to',
      'envelope-to',
      'x-envelope-to',
      'x-forwarded-to',
      'resent-to',
      'resent-cc',
      'to',
      'cc',
    ]);
  });
});

describe('collectCandidates', () => {
  it('returns candidates in priority order whatever the order of the headers in the message', () => {
    // Message order is deliberately the reverse of the priority order.
    const headers: HeaderList = [
      {
        name: 'received',
        value:
          'from a.example.net by mx.example.com with ESMTP id 1 for <r@example.com>; Tue, 3 Mar 2026 09:00:00 +0000',
      },
      { name: 'cc', value: 'cc@example.com' },
      { name: 'to', value: 'to@example.com' },
      { name: 'resent-cc', value: 'resent-cc@example.com' },
      { name: 'resent-to', value: 'resent-to@example.com' },
      { name: 'x-forwarded-to', value: 'x-forwarded-to@example.com' },
      { name: 'x-envelope-to', value: 'x-envelope-to@example.com' },
      { name: 'envelope-to', value: 'envelope-to@example.com' },
      { name: 'x-gm-original-to', value: 'x-gm-original-to@example.com' },
      { name: 'x-original-to', value: 'x-original-to@example.com' },
      { name: 'x-delivered-to', value: 'x-delivered-to@example.com' },
      { name: 'delivered-to', value: 'delivered-to@example.com' },
    ];
    const result = collectCandidates(headers);
    expect(result.candidates.map((c) => c.header)).toEqual([...CANDIDATE_HEADERS, 'received']);
    expect(result.candidates.map((c) => c.address)).toEqual([
      ...CANDIDATE_HEADERS.map((h) => `${h}@example.com`),
      'r@example.com',
    ]);
    expect(result.scannedHeaders).toEqual([]);
  });

  it('takes every Delivered-To occurrence, in message order (one foreign)', () => {
    const headers: HeaderList = [
      { name: 'delivered-to', value: 'casper+support@example.com' },
      { name: 'x-forwarded-to', value: 'casper+support@example.com' },
      { name: 'delivered-to', value: 'tomas.ortega@example.org' },
      { name: 'to', value: 'Tomás Ortega <tomas.ortega@example.org>' },
    ];
    expect(pairs(headers)).toEqual([
      'delivered-to casper+support@example.com',
      'delivered-to tomas.ortega@example.org',
      'x-forwarded-to casper+support@example.com',
      'to tomas.ortega@example.org',
    ]);
  });

  it('parses To and Cc as address lists (quoted commas, groups, several addresses)', () => {
    const headers: HeaderList = [
      {
        name: 'to',
        value:
          '"Whitfield, Dana" <dana.whitfield@example.net>, Team: anna.berg@example.org, casper+ops@example.com;',
      },
      { name: 'cc', value: '"casper+sales"@example.com' },
    ];
    expect(pairs(headers)).toEqual([
      'to dana.whitfield@example.net',
      'to anna.berg@example.org',
      'to casper+ops@example.com',
      'cc casper+sales@example.com',
    ]);
  });

  it('ignores headers that are not recipient headers (From, Reply-To, Sender, Return-Path, X-Forwarded-For)', () => {
    const headers: HeaderList = [
      { name: 'from', value: 'casper+sales@example.com' },
      { name: 'reply-to', value: 'casper+sales@example.com' },
      { name: 'sender', value: 'casper+sales@example.com' },
      { name: 'return-path', value: '<casper+sales@example.com>' },
      { name: 'x-forwarded-for', value: 'tomas.ortega@example.org casper+sales@example.com' },
      { name: 'bcc', value: 'casper+sales@example.com' },
    ];
    expect(collectCandidates(headers).candidates).toEqual([]);
  });

  it('skips empty headers without a warning', () => {
    const result = collectCandidates([
      { name: 'to', value: '' },
      { name: 'cc', value: 'casper+sales@example.com' },
    ]);
    expect(result.candidates).toEqual([{ address: 'casper+sales@example.com', header: 'cc' }]);
    expect(result.scannedHeaders).toEqual([]);
  });

  it('scans a To header that does not parse, and says so', () => {
    const result = collectCandidates([{ name: 'to', value: 'casper+support@example.com <Casper Support>' }]);
    expect(result.candidates).toEqual([{ address: 'casper+support@example.com', header: 'to' }]);
    expect(result.scannedHeaders).toEqual(['to']);
  });

  it('does not treat the empty group "undisclosed-recipients:;" as an unparseable header', () => {
    // Valid RFC 5322 (a group with no members), on every Bcc-only message: nothing to repair.
    const result = collectCandidates([
      { name: 'x-original-to', value: 'casper+support@example.com' },
      { name: 'to', value: 'undisclosed-recipients:;' },
    ]);
    expect(result.candidates).toEqual([{ address: 'casper+support@example.com', header: 'x-original-to' }]);
    expect(result.scannedHeaders).toEqual([]);
  });

  it('adds Received for-clauses last, as "received", from every Received header', () => {
    const headers: HeaderList = [
      {
        name: 'received',
        value:
          'from mx.example.com by imap.example.com with LMTP id 7C1E for <casper@example.com>; Tue, 3 Mar 2026 09:12:45 +0000',
      },
      {
        name: 'received',
        value:
          'from mx2.example.net by mx.example.com with ESMTPS id 4Xk2\tfor\t <casper+support@example.com>; Tue, 3 Mar 2026 09:12:44 +0000',
      },
      { name: 'to', value: '"Project list" <project@lists.example.org>' },
    ];
    expect(pairs(headers)).toEqual([
      'to project@lists.example.org',
      'received casper@example.com',
      'received casper+support@example.com',
    ]);
  });
});

describe('receivedFor', () => {
  const found = (value: string): string[] => receivedFor(value).map((a) => a.address);

  it('reads the bracketed for-clause before the date', () => {
    expect(
      found(
        'from a.example.net (a.example.net [198.51.100.7]) by mx.example.com (Postfix) with ESMTPS id 4Xk2 for <casper+support@example.com>; Tue,  3 Mar 2026 09:12:44 +0000 (UTC)',
      ),
    ).toEqual(['casper+support@example.com']);
  });

  it('reads an unbracketed for-clause (Exim, Dovecot LMTP)', () => {
    expect(
      found(
        'from mail.example.org by mx.example.com with esmtps (Exim 4.97) (envelope-from <anna.berg@example.org>) id 1vXy for casper+sales@example.com; Tue, 10 Mar 2026 08:00:05 +0000',
      ),
    ).toEqual(['casper+sales@example.com']);
  });

  it('reads a Gmail for-clause followed by a TLS comment', () => {
    expect(
      found(
        'from mail.example.net (mail.example.net. [198.51.100.23]) by mx.google.com with ESMTPS id a64 for <casper+sales@example.com> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); Tue, 03 Mar 2026 01:14:52 -0800 (PST)',
      ),
    ).toEqual(['casper+sales@example.com']);
  });

  it('reads several recipients in one clause', () => {
    expect(
      found(
        'from a by b with ESMTP id x for <one@example.com>, <casper+sales@example.com>; Tue, 3 Mar 2026 09:00:00 +0000',
      ),
    ).toEqual(['one@example.com', 'casper+sales@example.com']);
  });

  it('does not mistake the envelope-from or a HELO name for the recipient', () => {
    expect(
      found(
        'from a (HELO for.example.net) by b (envelope-from <bounce@example.net>) id x; Tue, 3 Mar 2026 09:00:00 +0000',
      ),
    ).toEqual([]);
  });

  it('reads nothing from a Received header without a for-clause', () => {
    expect(
      found('by mx.example.com (Postfix) id 4XkC11a2b3z9abc; Wed,  4 Mar 2026 10:20:03 +0000 (UTC)'),
    ).toEqual([]);
  });
});

describe('toHeaderField', () => {
  it('unfolds continuation lines, lower-cases the name and trims the value', () => {
    expect(
      toHeaderField(
        'Received: from mx2.example.net\r\n\tby mx.example.com\r\n\tfor\r\n\t <casper+support@example.com>; Tue, 3 Mar 2026\r\n',
      ),
    ).toEqual({
      name: 'received',
      value: 'from mx2.example.net\tby mx.example.com\tfor\t <casper+support@example.com>; Tue, 3 Mar 2026',
    });
  });

  it('reads raw UTF-8 header bytes (delivered as latin1) as UTF-8', () => {
    const line = Buffer.from('To: Casper Support <casper+support@bücher.example>', 'utf8').toString('latin1');
    expect(toHeaderField(line)).toEqual({
      name: 'to',
      value: 'Casper Support <casper+support@bücher.example>',
    });
  });

  it('rejects a line that is not a header', () => {
    expect(toHeaderField('not a header')).toBeNull();
    expect(toHeaderField(': no name')).toBeNull();
  });
});
