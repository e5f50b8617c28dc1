import { describe, expect, it } from 'vitest';

import { parseDuration, parseSize } from '../../../src/config/units.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

describe('parseDuration (SPEC §3: 30s, 5m or milliseconds)', () => {
  it.each([
    ['30s', 30 * SECOND],
    ['5m', 5 * MINUTE],
    ['1h', HOUR],
    ['7d', 7 * DAY],
    ['250ms', 250],
    ['0s', 0],
    ['1.5s', 1_500],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a plain number as milliseconds, as YAML number or as digits in a string', () => {
    expect(parseDuration(45_000)).toBe(45_000);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration('45000')).toBe(45_000);
  });

  it('accepts upper-case units and surrounding blanks', () => {
    expect(parseDuration('30S')).toBe(30 * SECOND);
    expect(parseDuration(' 5m ')).toBe(5 * MINUTE);
    expect(parseDuration('7D')).toBe(7 * DAY);
  });

  it.each(['30 seconds', '5x', 'm', '', 'abc', '-5s', '5m30s', '1e3', '30s;'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => {
    expect(parseDuration(n)).toBeNull();
  });
});

describe('parseSize (256KB, 50MB in binary multiples, or bytes)', () => {
  it.each([
    ['256KB', 256 * KIB],
    ['50MB', 50 * MIB],
    ['1GB', GIB],
    ['10B', 10],
    ['1KiB', KIB],
    ['2MiB', 2 * MIB],
    ['1.5KB', 1_536],
  ])('%s -> %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it('uses binary multiples: 50MB is what RFC822.SIZE counts as 50 * 2^20, not 50,000,000', () => {
    expect(parseSize('50MB')).toBe(52_428_800);
    expect(parseSize('256KB')).toBe(262_144);
  });

  it('reads a plain number as bytes, as YAML number or as digits in a string', () => {
    expect(parseSize(1_048_576)).toBe(1_048_576);
    expect(parseSize('4096')).toBe(4_096);
  });

  it('accepts lower-case units and a blank between number and unit', () => {
    expect(parseSize('256kb')).toBe(256 * KIB);
    expect(parseSize('50 MB')).toBe(50 * MIB);
  });

  it.each(['50 megabytes', '5TB', 'MB', '', '-1KB', '10 MB extra', '0x10'])('rejects %j', (text) => {
    expect(parseSize(text)).toBeNull();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %d', (n) => {
    expect(parseSize(n)).toBeNull();
  });
});
