import { describe, expect, it } from 'vitest';

import { normalizeAddress, parseAddressList, scanAddresses } from '../../../src/message/addresses.js';

const addresses = (value: string): string[] => parseAddressList(value).addresses.map((a) => a.address);

describe('parseAddressList', () => {
  it('parses quoted display names that contain commas (Outlook "Last, First")', () => {
    const result = parseAddressList(
      '"Whitfield, Dana" <dana.whitfield@example.net>, "Casper, Sales Desk" <casper+sales@example.com>',
    );
    expect(result.scanned).toBe(false);
    expect(result.addresses).toEqual([
      { address: 'dana.whitfield@example.net', name: 'Whitfield, Dana' },
      { address: 'casper+sales@example.com', name: 'Casper, Sales Desk' },
    ]);
  });

  it('parses encoded-word display names whose comma is encoded, angle brackets and bare addresses', () => {
    expect(
      addresses(
        '=?iso-8859-1?Q?M=FCller=2C_J=F6rg?= <joerg.mueller@example.net>, casper+support@example.com',
      ),
    ).toEqual(['joerg.mueller@example.net', 'casper+support@example.com']);
  });

  it('flattens group syntax, including the address inside the group', () => {
    expect(
      addresses(
        'Team: anna.berg@example.org, "Ops desk" <casper+ops@example.com>;, casper+sales@example.com',
      ),
    ).toEqual(['anna.berg@example.org', 'casper+ops@example.com', 'casper+sales@example.com']);
  });

  it('reads an empty group (undisclosed-recipients:;) as no addresses', () => {
    expect(addresses('undisclosed-recipients:;')).toEqual([]);
  });

  it('ignores comments after the address', () => {
    expect(addresses('"Sales" <casper+sales@example.com> (via the CRM)')).toEqual([
      'casper+sales@example.com',
    ]);
  });

  it('unquotes a quoted local part', () => {
    expect(addresses('"casper+sales"@example.com')).toEqual(['casper+sales@example.com']);
    expect(addresses('Casper <"casper+sales"@example.com>')).toEqual(['casper+sales@example.com']);
  });

  it('accepts Outlook-style semicolons between addresses', () => {
    expect(addresses('dana.whitfield@example.net; casper+support@example.com')).toEqual([
      'dana.whitfield@example.net',
      'casper+support@example.com',
    ]);
  });

  it('skips empty list elements (", a, b")', () => {
    expect(addresses(', dana.whitfield@example.net, casper+sales@example.com')).toEqual([
      'dana.whitfield@example.net',
      'casper+sales@example.com',
    ]);
  });

  it('keeps raw UTF-8 (IDN) domains as they are', () => {
    expect(addresses('Casper Support <casper+support@bücher.example>')).toEqual([
      'casper+support@bücher.example',
    ]);
  });

  describe('falls back to scanning a header that does not parse (SPEC §4)', () => {
    it('"address <name>" written the wrong way round', () => {
      const result = parseAddressList('casper+support@example.com <Casper Support>');
      expect(result.scanned).toBe(true);
      expect(result.addresses.map((a) => a.address)).toEqual(['casper+support@example.com']);
    });

    it('a list with a stray "@" element', () => {
      const result = parseAddressList('casper+sales@example.com, @');
      expect(result.scanned).toBe(true);
      expect(result.addresses.map((a) => a.address)).toEqual(['casper+sales@example.com']);
    });

    // Each of these is not an RFC 5322 address list; a lenient parser turns them into one address
    // with the other one swallowed into a display name or a mangled address. SPEC §4 requires the
    // fallback scan, so every address in the header must be found.
    it.each([
      [
        'a missing comma between two mailboxes',
        'Dana Whitfield <dana.whitfield@example.net> Casper <casper+support@example.com>',
      ],
      ['two bare addresses separated by a space', 'dana.whitfield@example.net casper+support@example.com'],
      ['two angle addresses without a comma', '<dana.whitfield@example.net> <casper+support@example.com>'],
      ['an unclosed angle bracket', 'Dana Whitfield <dana.whitfield@example.net, casper+support@example.com'],
      [
        'an unterminated quoted display name',
        '"Whitfield, Dana <dana.whitfield@example.net>, casper+support@example.com',
      ],
      [
        'a mailto: URI inside the angle brackets',
        'casper+support@example.com <mailto:casper+support@example.com>',
      ],
    ])('%s', (_what, value) => {
      expect(addresses(value)).toContain('casper+support@example.com');
    });
  });
});

describe('scanAddresses', () => {
  it('finds every address-shaped token in order, without case-insensitive duplicates', () => {
    expect(
      scanAddresses(
        'to casper+sales@example.com and CASPER+SALES@EXAMPLE.COM, cc <priya.raman@example.org>',
      ).map((a) => a.address),
    ).toEqual(['casper+sales@example.com', 'priya.raman@example.org']);
  });

  it('unquotes quoted local parts it finds', () => {
    expect(scanAddresses('broken "casper+sales"@example.com <').map((a) => a.address)).toEqual([
      'casper+sales@example.com',
    ]);
  });

  it('finds nothing in text without addresses', () => {
    expect(scanAddresses('undisclosed-recipients:;')).toEqual([]);
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['<casper+sales@example.com>', 'casper+sales@example.com'],
    ['"casper+sales"@example.com', 'casper+sales@example.com'],
    ['  casper@example.com  ', 'casper@example.com'],
    ['"casper\\+sales"@example.com', 'casper+sales@example.com'],
    ['', ''],
  ])('%j -> %j', (input, expected) => {
    expect(normalizeAddress(input)).toBe(expected);
  });
});
