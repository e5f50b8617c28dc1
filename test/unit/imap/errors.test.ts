import { describe, expect, it } from 'vitest';

import { ImapError, toImapError } from '../../../src/imap/errors.js';

/** Errors shaped the way imapflow raises them (it exports no error classes to match on). */
function imapflowError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('toImapError', () => {
  it('classifies a failed login and keeps the server text', () => {
    const e = toImapError(
      imapflowError('Command failed', {
        authenticationFailed: true,
        responseText: 'Authentication failed.',
        serverResponseCode: 'AUTHENTICATIONFAILED',
      }),
      'connect',
    );
    expect(e).toBeInstanceOf(ImapError);
    expect(e.kind).toBe('auth');
    expect(e.code).toBe('IMAP_AUTH');
    expect(e.serverText).toBe('Authentication failed.');
    expect(e.message).toContain('Authentication failed.');
  });

  it('carries the throttle reset time', () => {
    const e = toImapError(
      imapflowError('Request is throttled', { code: 'ETHROTTLE', throttleReset: 12_000 }),
      'fetch',
    );
    expect(e.kind).toBe('throttled');
    expect(e.retryAfterMs).toBe(12_000);
  });

  it.each([
    ['ECONNREFUSED', 'connect'],
    ['ENOTFOUND', 'connect'],
    ['CONNECT_TIMEOUT', 'connect'],
    ['ETIMEOUT', 'timeout'],
    ['NoConnection', 'closed'],
    ['ECONNRESET', 'closed'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
  ])('maps %s to %s', (code, kind) => {
    expect(toImapError(imapflowError(`failed: ${code}`, { code }), 'connect').kind).toBe(kind);
  });

  it('reports a folder that cannot be opened as a mailbox problem', () => {
    expect(
      toImapError(
        imapflowError('Command failed', { responseText: 'Mailbox does not exist' }),
        'open folder Archive',
        'open folder',
      ).kind,
    ).toBe('mailbox');
  });

  it('leaves an ImapError as it is and copes with non-errors', () => {
    const original = new ImapError('closed', 'gone', null, null);
    expect(toImapError(original, 'x')).toBe(original);
    expect(toImapError('weird', 'x').kind).toBe('protocol');
  });
});
