import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { jobIdFor } from '../../../src/queue/job-id.js';

describe('jobIdFor', () => {
  it('is "m" + the first 40 hex digits of SHA-256(tenant NL queue NL identity) (README "Job ids")', () => {
    const expected = createHash('sha256')
      .update('acme\nacme.ws-1842\nmid:<CAF3x9Lq3=ef56gh78@mail.example.net>')
      .digest('hex')
      .slice(0, 40);
    expect(jobIdFor('acme', 'acme.ws-1842', 'mid:<CAF3x9Lq3=ef56gh78@mail.example.net>')).toBe(
      `m${expected}`,
    );
  });

  it('is deterministic', () => {
    expect(jobIdFor('acme', 'acme.ws-77', 'mid:<a@example.org>')).toBe(
      jobIdFor('acme', 'acme.ws-77', 'mid:<a@example.org>'),
    );
  });

  it('differs by tenant, by queue and by identity', () => {
    const base = jobIdFor('acme', 'acme.ws-77', 'mid:<a@example.org>');
    expect(jobIdFor('globex', 'acme.ws-77', 'mid:<a@example.org>')).not.toBe(base);
    expect(jobIdFor('acme', 'acme.ws-1842', 'mid:<a@example.org>')).not.toBe(base);
    expect(jobIdFor('acme', 'acme.ws-77', 'mid:<b@example.org>')).not.toBe(base);
  });

  it('cannot be confused by moving text between the fields', () => {
    expect(jobIdFor('acme', 'x.y', 'mid:<a@example.org>')).not.toBe(
      jobIdFor('acme\nx', 'y', 'mid:<a@example.org>'),
    );
  });

  it.each([
    ['mid:<CAF3x9Lq3=ef56gh78@mail.example.net>'],
    [`sha256:${'0'.repeat(64)}`],
    ['uid:1700000000:4242'],
    ['mid:<with:colons:and spaces@example.org>'],
  ])('is a BullMQ-safe id for identity %s: no ":", not all digits, fixed length', (identity) => {
    const id = jobIdFor('acme', 'acme.unrouted', identity);
    expect(id).toMatch(/^m[0-9a-f]{40}$/);
    expect(id).not.toContain(':');
    expect(/^\d+$/.test(id)).toBe(false);
  });
});
