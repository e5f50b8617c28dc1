import { describe, expect, it } from 'vitest';

import { ianaZoneFor } from '../../../../src/message/calendar/timezone.js';

describe('ianaZoneFor: IANA names', () => {
  it.each([
    ['Europe/Berlin', 'Europe/Berlin'],
    ['America/New_York', 'America/New_York'],
    ['Australia/Sydney', 'Australia/Sydney'],
    ['America/Sao_Paulo', 'America/Sao_Paulo'],
  ])('%s -> %s', (tzid, zone) => {
    expect(ianaZoneFor(tzid)).toBe(zone);
  });

  it('resolves backward links to the zone they stand for (Apple and old Lightning write US/Pacific)', () => {
    expect(ianaZoneFor('US/Pacific')).toBe('America/Los_Angeles');
    expect(ianaZoneFor('US/Eastern')).toBe('America/New_York');
  });

  it('keeps a canonical IANA TZID as written instead of renaming it to a deprecated alias', () => {
    // tzdata's canonical names; ICU's legacy ids (Asia/Calcutta, Europe/Kiev, America/Buenos_Aires)
    // are backward links that consumers comparing with zone.tab do not expect.
    expect(ianaZoneFor('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(ianaZoneFor('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(ianaZoneFor('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
  });

  it('tolerates surrounding quotes and blanks around the TZID', () => {
    expect(ianaZoneFor('"Europe/Berlin"')).toBe('Europe/Berlin');
    expect(ianaZoneFor(' Europe/Berlin ')).toBe('Europe/Berlin');
  });
});

describe('ianaZoneFor: Windows zone ids (Exchange, Outlook, Teams)', () => {
  it.each([
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['Romance Standard Time', 'Europe/Paris'],
    ['Central Standard Time (Mexico)', 'America/Mexico_City'],
    ['Eastern Standard Time', 'America/New_York'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['GMT Standard Time', 'Europe/London'],
    ['Tokyo Standard Time', 'Asia/Tokyo'],
  ])('%s -> %s', (tzid, zone) => {
    expect(ianaZoneFor(tzid)).toBe(zone);
  });
});

describe('ianaZoneFor: Lotus Notes short names', () => {
  it.each([
    ['Romance', 'Europe/Paris'],
    ['W. Europe', 'Europe/Berlin'],
  ])('%s -> %s', (tzid, zone) => {
    expect(ianaZoneFor(tzid)).toBe(zone);
  });
});

describe('ianaZoneFor: Microsoft display names', () => {
  it.each([
    ['(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna', 'Europe/Berlin'],
    ['(UTC+01:00) Brussels, Copenhagen, Madrid, Paris', 'Europe/Paris'],
    ['(UTC-05:00) Eastern Time (US & Canada)', 'America/New_York'],
    ['(UTC+10:00) Canberra, Melbourne, Sydney', 'Australia/Sydney'],
    ['(UTC-06:00) Guadalajara, Mexico City, Monterrey', 'America/Mexico_City'],
  ])('current form %s -> %s', (tzid, zone) => {
    expect(ianaZoneFor(tzid)).toBe(zone);
  });

  it.each([
    ['(GMT+01.00) Sarajevo/Warsaw/Zagreb', 'Europe/Warsaw'],
    ['(GMT+10:00) Canberra, Melbourne, Sydney', 'Australia/Sydney'],
    ['(GMT-05:00) Eastern Time (US & Canada)', 'America/New_York'],
  ])('legacy GMT form %s -> %s', (tzid, zone) => {
    expect(ianaZoneFor(tzid)).toBe(zone);
  });

  it('resolves a bare city list (Outlook for Mac 2011)', () => {
    expect(ianaZoneFor('Sarajevo, Skopje, Warsaw, Zagreb')).toBe('Europe/Warsaw');
  });

  it('resolves a localized city list by offset and the cities it shares (French Exchange)', () => {
    expect(ianaZoneFor('(UTC+01:00) Bruxelles, Copenhague, Madrid, Paris')).toBe('Europe/Paris');
  });

  it('resolves a non-ASCII display name, quoted or not', () => {
    expect(ianaZoneFor('(UTC-03:00) Brasília')).toBe('America/Sao_Paulo');
    expect(ianaZoneFor('"(UTC-03:00) Brasília"')).toBe('America/Sao_Paulo');
  });

  it('resolves the same name in decomposed Unicode (NFD), as some Mac exporters write it', () => {
    expect(ianaZoneFor('(UTC-03:00) Brasi\u0301lia')).toBe('America/Sao_Paulo');
  });
});

describe('ianaZoneFor: names nothing can resolve', () => {
  it.each([
    ['GMT -0500 (Standard) / GMT -0400 (Daylight)'],
    ['Customized Time Zone'],
    ['Mars/Olympus_Mons'],
    ['tzone://Microsoft/Custom'],
  ])('%s -> null (the caller warns or uses the VTIMEZONE)', (tzid) => {
    expect(ianaZoneFor(tzid)).toBeNull();
  });

  it('returns null for an empty or blank TZID', () => {
    expect(ianaZoneFor('')).toBeNull();
    expect(ianaZoneFor('   ')).toBeNull();
    expect(ianaZoneFor('""')).toBeNull();
  });

  it('answers the same for a repeated lookup (cached)', () => {
    const first = ianaZoneFor('Romance Standard Time');
    expect(ianaZoneFor('Romance Standard Time')).toBe(first);
    expect(ianaZoneFor('Nowhere Standard Time')).toBeNull();
    expect(ianaZoneFor('Nowhere Standard Time')).toBeNull();
  });
});
