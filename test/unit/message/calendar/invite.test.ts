import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';

import { extractInvites } from '../../../../src/message/calendar/extract.js';
import { calAddress, veventToInvite } from '../../../../src/message/calendar/invite.js';
import { parseCalendar } from '../../../../src/message/calendar/parse-calendar.js';
import type { Invite } from '../../../../src/message/types.js';
import {
  VTIMEZONE_BERLIN,
  VTIMEZONE_NEW_YORK_PRE_2007,
  part,
  rruleParts,
  vcalendar,
  vevent,
  vtimezoneWindows,
} from './calendar-helpers.js';

/** The Invite of the first VEVENT of `body` (VTIMEZONEs may precede it), plus the warnings. */
function inviteOf(
  body: readonly string[],
  method: string | null = 'REQUEST',
): { invite: Invite; warnings: string[] } {
  const warnings: string[] = [];
  const { calendars, rrules } = parseCalendar(vcalendar(body, { method }), warnings);
  const event = calendars[0]?.getFirstSubcomponent('vevent');
  if (!event) throw new Error('test calendar has no VEVENT');
  const invite = veventToInvite(event, method, warnings, rrules[0] ?? null);
  return { invite, warnings };
}

/** Start/end/timezone of a one-event calendar with the given time lines. */
function times(
  ...lines: string[]
): Pick<Invite, 'start' | 'end' | 'timezone' | 'allDay'> & { warnings: string[] } {
  const vtimezones: string[] = [];
  const props: string[] = [];
  let inZone = false;
  for (const line of lines) {
    if (line === 'BEGIN:VTIMEZONE') inZone = true;
    (inZone ? vtimezones : props).push(line);
    if (line === 'END:VTIMEZONE') inZone = false;
  }
  const { invite, warnings } = inviteOf([
    ...vtimezones,
    ...vevent('UID:t@example.com', 'DTSTAMP:20261201T000000Z', ...props),
  ]);
  return { start: invite.start, end: invite.end, timezone: invite.timezone, allDay: invite.allDay, warnings };
}

describe('veventToInvite: fields', () => {
  it('maps a complete VEVENT to every Invite field (SPEC §5)', () => {
    const { invite, warnings } = inviteOf(
      vevent(
        'DTSTART:20261210T150000Z',
        'DTEND:20261210T160000Z',
        'DTSTAMP:20261204T091245Z',
        'ORGANIZER;CN=Alice Martin:mailto:alice.martin@example.org',
        'UID:full-1@example.org',
        'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN=Alice Martin:mailto:alice.martin@example.org',
        'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Bob Okafor:mailto:Bob.Okafor@Example.NET',
        'DESCRIPTION:Agenda: roadmap\\, hiring\\, budget.\\nSecond line',
        'LOCATION:Room Oslo\\, 3rd floor',
        'URL:https://meet.example.org/abc',
        'SEQUENCE:4',
        'STATUS:CONFIRMED',
        'SUMMARY:Quarterly planning',
        'RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TH',
        'EXDATE:20261217T150000Z',
      ),
    );
    expect(warnings).toEqual([]);
    expect(invite).toEqual({
      method: 'REQUEST',
      uid: 'full-1@example.org',
      sequence: 4,
      recurrenceId: null,
      status: 'CONFIRMED',
      summary: 'Quarterly planning',
      description: 'Agenda: roadmap, hiring, budget.\nSecond line',
      location: 'Room Oslo, 3rd floor',
      url: 'https://meet.example.org/abc',
      start: '2026-12-10T15:00:00.000Z',
      end: '2026-12-10T16:00:00.000Z',
      timezone: null,
      allDay: false,
      rrule: 'FREQ=WEEKLY;COUNT=4;BYDAY=TH',
      exdates: ['2026-12-17T15:00:00.000Z'],
      organizer: { name: 'Alice Martin', email: 'alice.martin@example.org' },
      attendees: [
        {
          name: 'Alice Martin',
          email: 'alice.martin@example.org',
          role: 'REQ-PARTICIPANT',
          partstat: 'ACCEPTED',
          rsvp: true,
        },
        {
          name: 'Bob Okafor',
          email: 'Bob.Okafor@example.net',
          role: 'OPT-PARTICIPANT',
          partstat: 'NEEDS-ACTION',
          rsvp: true,
        },
      ],
    });
  });

  it('passes the method through as given, null included', () => {
    expect(inviteOf(vevent('UID:m-1', 'DTSTART:20261210T150000Z'), 'CANCEL').invite.method).toBe('CANCEL');
    expect(inviteOf(vevent('UID:m-2', 'DTSTART:20261210T150000Z'), null).invite.method).toBeNull();
  });

  it('reports uid null for a VEVENT without UID (Exchange CDO export)', () => {
    const { invite } = inviteOf(vevent('DTSTART:20261210T150000Z', 'SUMMARY:Sprint daily'));
    expect(invite.uid).toBeNull();
    expect(invite.summary).toBe('Sprint daily');
  });

  it('defaults SEQUENCE to 0 and reads it as a number', () => {
    expect(inviteOf(vevent('UID:s-1', 'DTSTART:20261210T150000Z')).invite.sequence).toBe(0);
    expect(inviteOf(vevent('UID:s-2', 'DTSTART:20261210T150000Z', 'SEQUENCE:12')).invite.sequence).toBe(12);
  });

  it('upper-cases STATUS', () => {
    expect(inviteOf(vevent('UID:st-1', 'DTSTART:20261210T150000Z', 'STATUS:cancelled')).invite.status).toBe(
      'CANCELLED',
    );
    expect(inviteOf(vevent('UID:st-2', 'DTSTART:20261210T150000Z')).invite.status).toBeNull();
  });

  it('reports empty text properties as null (Exchange writes "LOCATION:")', () => {
    const { invite } = inviteOf(vevent('UID:e-1', 'DTSTART:20261210T150000Z', 'LOCATION:', 'SUMMARY:'));
    expect(invite.location).toBeNull();
    expect(invite.summary).toBeNull();
    expect(invite.description).toBeNull();
    expect(invite.url).toBeNull();
  });

  it('reports start null for a VEVENT without DTSTART (iTIP CANCEL of a series) without throwing', () => {
    const { invite } = inviteOf(
      vevent('UID:nostart-1', 'SUMMARY:Repeat event', 'RRULE:FREQ=DAILY;COUNT=5'),
      'CANCEL',
    );
    expect(invite.start).toBeNull();
    expect(invite.end).toBeNull();
    expect(invite.allDay).toBe(false);
    expect(invite.rrule).toBe('FREQ=DAILY;COUNT=5');
  });

  it('warns and reports start null for a DTSTART that is no date', () => {
    const { invite, warnings } = inviteOf(vevent('UID:bad-1', 'DTSTART:tomorrow'));
    expect(invite.start).toBeNull();
    expect(warnings.length).toBeGreaterThan(0);
  });
});

describe('veventToInvite: UTC, floating and all-day times', () => {
  it('reports UTC times as instants with timezone null', () => {
    expect(times('DTSTART:20261210T150000Z', 'DTEND:20261210T160000Z')).toEqual({
      start: '2026-12-10T15:00:00.000Z',
      end: '2026-12-10T16:00:00.000Z',
      timezone: null,
      allDay: false,
      warnings: [],
    });
  });

  it('reports floating times as local time without offset, timezone null, no warning', () => {
    expect(times('DTSTART:20261210T150000', 'DTEND:20261210T163000')).toEqual({
      start: '2026-12-10T15:00:00',
      end: '2026-12-10T16:30:00',
      timezone: null,
      allDay: false,
      warnings: [],
    });
  });

  it('reports all-day events as dates with allDay true and timezone null', () => {
    expect(times('DTSTART;VALUE=DATE:20261210', 'DTEND;VALUE=DATE:20261211')).toEqual({
      start: '2026-12-10',
      end: '2026-12-11',
      timezone: null,
      allDay: true,
      warnings: [],
    });
  });

  it('reads a UTC time carrying a TZID as the UTC instant it says (Yahoo writes TZID=...:...Z)', () => {
    expect(times('DTSTART;TZID=Europe/London:20260130T140000Z').start).toBe('2026-01-30T14:00:00.000Z');
  });

  it("reports timezone null for Exchange's own UTC VTIMEZONE (SPEC: null for UTC)", () => {
    const utc = [
      'BEGIN:VTIMEZONE',
      'TZID:UTC',
      'BEGIN:STANDARD',
      'DTSTART:16010101T000000',
      'TZOFFSETFROM:+0000',
      'TZOFFSETTO:+0000',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010101T000000',
      'TZOFFSETFROM:+0000',
      'TZOFFSETTO:+0000',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
    ];
    const r = times(...utc, 'DTSTART;TZID=UTC:20261210T150000');
    expect(r.start).toBe('2026-12-10T15:00:00.000Z');
    expect(r.timezone).toBeNull();
  });

  it('reports timezone null for TZID=Etc/UTC without VTIMEZONE (SPEC: null for UTC)', () => {
    const r = times('DTSTART;TZID=Etc/UTC:20261210T150000');
    expect(r.start).toBe('2026-12-10T15:00:00.000Z');
    expect(r.timezone).toBeNull();
  });
});

describe('veventToInvite: TZID without VTIMEZONE (ical.js alone would make these floating)', () => {
  it.each([
    ['Europe/Berlin summer', 'Europe/Berlin', '20260701T100000', '2026-07-01T08:00:00.000Z', 'Europe/Berlin'],
    ['Europe/Berlin winter', 'Europe/Berlin', '20261210T100000', '2026-12-10T09:00:00.000Z', 'Europe/Berlin'],
    [
      'New York before the March switch',
      'America/New_York',
      '20260306T090000',
      '2026-03-06T14:00:00.000Z',
      'America/New_York',
    ],
    [
      'New York after the March switch',
      'America/New_York',
      '20260310T090000',
      '2026-03-10T13:00:00.000Z',
      'America/New_York',
    ],
    [
      'New York before the November switch',
      'America/New_York',
      '20261030T090000',
      '2026-10-30T13:00:00.000Z',
      'America/New_York',
    ],
    [
      'New York after the November switch',
      'America/New_York',
      '20261102T090000',
      '2026-11-02T14:00:00.000Z',
      'America/New_York',
    ],
    [
      'Sydney in its summer',
      'Australia/Sydney',
      '20260115T093000',
      '2026-01-14T22:30:00.000Z',
      'Australia/Sydney',
    ],
    [
      'backward link US/Pacific',
      'US/Pacific',
      '20260701T090000',
      '2026-07-01T16:00:00.000Z',
      'America/Los_Angeles',
    ],
  ])('IANA name: %s', (_label, tzid, local, instant, zone) => {
    const r = times(`DTSTART;TZID=${tzid}:${local}`);
    expect(r).toEqual({ start: instant, end: null, timezone: zone, allDay: false, warnings: [] });
  });

  it.each([
    ['W. Europe Standard Time', '20260701T100000', '2026-07-01T08:00:00.000Z', 'Europe/Berlin'],
    ['Romance Standard Time', '20261210T100000', '2026-12-10T09:00:00.000Z', 'Europe/Paris'],
    // Mexico dropped DST in 2022: 10:00 in July is UTC-6.
    ['Central Standard Time (Mexico)', '20260701T100000', '2026-07-01T16:00:00.000Z', 'America/Mexico_City'],
    ['Eastern Standard Time', '20260701T100000', '2026-07-01T14:00:00.000Z', 'America/New_York'],
  ])('Windows zone id %s', (tzid, local, instant, zone) => {
    const r = times(`DTSTART;TZID=${tzid}:${local}`);
    expect(r).toEqual({ start: instant, end: null, timezone: zone, allDay: false, warnings: [] });
  });

  it.each([
    ['Romance', '20260701T100000', '2026-07-01T08:00:00.000Z', 'Europe/Paris'],
    ['W. Europe', '20261210T100000', '2026-12-10T09:00:00.000Z', 'Europe/Berlin'],
  ])('Lotus Notes short name %s', (tzid, local, instant, zone) => {
    const r = times(`DTSTART;TZID="${tzid}":${local}`);
    expect(r).toEqual({ start: instant, end: null, timezone: zone, allDay: false, warnings: [] });
  });

  it.each([
    [
      '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna',
      '20260701T100000',
      '2026-07-01T08:00:00.000Z',
      'Europe/Berlin',
    ],
    ['(GMT+01.00) Sarajevo/Warsaw/Zagreb', '20260916T093000', '2026-09-16T07:30:00.000Z', 'Europe/Warsaw'],
    ['Sarajevo, Skopje, Warsaw, Zagreb', '20261210T100000', '2026-12-10T09:00:00.000Z', 'Europe/Warsaw'],
    [
      '(UTC+01:00) Bruxelles, Copenhague, Madrid, Paris',
      '20261210T100000',
      '2026-12-10T09:00:00.000Z',
      'Europe/Paris',
    ],
    ['(UTC-03:00) Brasília', '20260115T100000', '2026-01-15T13:00:00.000Z', 'America/Sao_Paulo'],
    [
      '(GMT+10:00) Canberra, Melbourne, Sydney',
      '20260701T093000',
      '2026-06-30T23:30:00.000Z',
      'Australia/Sydney',
    ],
  ])('Microsoft display name %s', (tzid, local, instant, zone) => {
    const r = times(`DTSTART;TZID="${tzid}":${local}`);
    expect(r).toEqual({ start: instant, end: null, timezone: zone, allDay: false, warnings: [] });
  });

  it('keeps an unresolvable TZID as floating local time with a warning, never as UTC', () => {
    const r = times(
      'DTSTART;TZID=Mars/Olympus_Mons:20261210T100000',
      'DTEND;TZID=Mars/Olympus_Mons:20261210T110000',
    );
    expect(r.start).toBe('2026-12-10T10:00:00');
    expect(r.end).toBe('2026-12-10T11:00:00');
    expect(r.timezone).toBeNull();
    expect(r.allDay).toBe(false);
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(r.warnings.join(' ')).toContain('Mars/Olympus_Mons');
  });

  it('treats a blank TZID (TZID=) as unresolvable: floating with a warning', () => {
    const r = times('DTSTART;TZID=:20261210T100000');
    expect(r.start).toBe('2026-12-10T10:00:00');
    expect(r.timezone).toBeNull();
    expect(r.warnings.length).toBeGreaterThan(0);
  });
});

describe('veventToInvite: an unquoted TZID holding a colon (RFC 5545 wants it quoted)', () => {
  it('quotes it, so the Windows display name resolves and the time is kept', () => {
    const t = times(
      'DTSTART;TZID=(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna:20261210T150000',
      'DTEND;TZID=(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna;VALUE=DATE-TIME:20261210T160000',
    );
    expect([t.start, t.end, t.timezone]).toEqual([
      '2026-12-10T14:00:00.000Z',
      '2026-12-10T15:00:00.000Z',
      'Europe/Berlin',
    ]);
    expect(t.warnings).toEqual(["calendar: 2 TZID value(s) holding ':' were not quoted; quoted them"]);
  });

  it('also when the line is folded inside the zone name', () => {
    const t = times('DTSTART;TZID=(UTC-05:00) Eastern Time (US & Cana\r\n da):20261210T090000');
    expect([t.start, t.timezone]).toEqual(['2026-12-10T14:00:00.000Z', 'America/New_York']);
  });

  it('keeps an unknown one as floating time, with the usual warning, instead of losing the start', () => {
    const t = times('DTSTART;TZID=(GMT+99:00) Atlantis:20261210T150000');
    expect(t.start).toBe('2026-12-10T15:00:00');
    expect(t.warnings.some((w) => w.includes('"(GMT+99:00) Atlantis" is neither defined'))).toBe(true);
  });

  it('leaves quoted and colon-free TZIDs alone', () => {
    const t = times(
      'DTSTART;TZID="(UTC+01:00) Amsterdam":20261210T150000',
      'DTEND;TZID=Europe/Berlin:20261210T160000',
    );
    expect(t.warnings.filter((w) => w.includes('quoted'))).toEqual([]);
  });
});

describe('veventToInvite: embedded VTIMEZONE', () => {
  it('uses the VTIMEZONE of a Windows-named zone and maps the name for `timezone`', () => {
    const zone = vtimezoneWindows('W. Europe Standard Time', '+0100', '+0200');
    expect(
      times(
        ...zone,
        'DTSTART;TZID=W. Europe Standard Time:20260701T100000',
        'DTEND;TZID=W. Europe Standard Time:20260701T113000',
      ),
    ).toEqual({
      start: '2026-07-01T08:00:00.000Z',
      end: '2026-07-01T09:30:00.000Z',
      timezone: 'Europe/Berlin',
      allDay: false,
      warnings: [],
    });
  });

  it("prefers the sender's VTIMEZONE over the IANA zone of the same name (pre-2007 US rules)", () => {
    // IANA America/New_York is on EDT from 8 March 2026 (14:00Z); the sender's rules say EST until 5 April.
    const r = times(
      ...VTIMEZONE_NEW_YORK_PRE_2007,
      'DTSTART;TZID=America/New_York:20260320T100000',
      'DTEND;TZID=America/New_York:20260320T110000',
    );
    expect(r.start).toBe('2026-03-20T15:00:00.000Z');
    expect(r.end).toBe('2026-03-20T16:00:00.000Z');
    expect(r.timezone).toBe('America/New_York');
    expect(r.warnings).toEqual([]);
  });

  it("prefers a VTIMEZONE's fixed offset over the IANA zone it is named after", () => {
    const fixed = [
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0300',
      'TZOFFSETTO:+0300',
      'END:STANDARD',
      'END:VTIMEZONE',
    ];
    expect(times(...fixed, 'DTSTART;TZID=Europe/Berlin:20260701T100000').start).toBe(
      '2026-07-01T07:00:00.000Z',
    );
  });

  it('uses a custom-named VTIMEZONE (Zoom via Exchange CDO) for the instant', () => {
    const tzid = 'GMT -0500 (Standard) / GMT -0400 (Daylight)';
    const zone = [
      'BEGIN:VTIMEZONE',
      `TZID:${tzid}`,
      'BEGIN:STANDARD',
      'DTSTART:16010101T020000',
      'TZOFFSETFROM:-0400',
      'TZOFFSETTO:-0500',
      'RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=11;BYDAY=1SU',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010101T020000',
      'TZOFFSETFROM:-0500',
      'TZOFFSETTO:-0400',
      'RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=3;BYDAY=2SU',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
    ];
    const summer = times(...zone, `DTSTART;TZID="${tzid}":20260917T133000`);
    expect(summer.start).toBe('2026-09-17T17:30:00.000Z');
    expect(summer.warnings).toEqual([]);
    // No IANA name can be read off this TZID; if one is inferred it must agree with the offset.
    if (summer.timezone !== null)
      expect(DateTime.fromISO('2026-09-17T17:30:00Z', { zone: summer.timezone }).offset).toBe(-240);
    const winter = times(...zone, `DTSTART;TZID="${tzid}":20261203T133000`);
    expect(winter.start).toBe('2026-12-03T18:30:00.000Z');
  });

  it("names the zone from the VTIMEZONE's X-LIC-LOCATION when the TZID is private", () => {
    const zone = VTIMEZONE_BERLIN.map((l) => (l === 'TZID:Europe/Berlin' ? 'TZID:Custom Berlin' : l));
    zone.splice(2, 0, 'X-LIC-LOCATION:Europe/Berlin');
    const r = times(...zone, 'DTSTART;TZID=Custom Berlin:20260701T100000');
    expect(r.start).toBe('2026-07-01T08:00:00.000Z');
    expect(r.timezone).toBe('Europe/Berlin');
  });

  it('handles an Outlook-for-Mac display name TZID with its own VTIMEZONE', () => {
    const tzid = 'Sarajevo, Skopje, Warsaw, Zagreb';
    const zone = VTIMEZONE_BERLIN.map((l) => (l === 'TZID:Europe/Berlin' ? `TZID:${tzid}` : l));
    const r = times(...zone, `DTSTART;TZID="${tzid}":20261210T100000`);
    expect(r).toEqual({
      start: '2026-12-10T09:00:00.000Z',
      end: null,
      timezone: 'Europe/Warsaw',
      allDay: false,
      warnings: [],
    });
  });
});

describe('veventToInvite: DST edge cases (RFC 5545 §3.3.5)', () => {
  it('reads a local time in the spring gap with the offset before the gap (IANA zone)', () => {
    // 02:30 does not exist on 29 March 2026 in Berlin; RFC 5545: use the UTC offset before the gap (+01:00).
    expect(times('DTSTART;TZID=Europe/Berlin:20260329T023000').start).toBe('2026-03-29T01:30:00.000Z');
  });

  it('reads a local time in the spring gap with the offset before the gap (VTIMEZONE)', () => {
    expect(times(...VTIMEZONE_BERLIN, 'DTSTART;TZID=Europe/Berlin:20260329T023000').start).toBe(
      '2026-03-29T01:30:00.000Z',
    );
  });

  it('reads an ambiguous autumn local time as its first occurrence (IANA zone)', () => {
    // 02:30 happens twice on 25 October 2026 in Berlin; RFC 5545: the first one (+02:00).
    expect(times('DTSTART;TZID=Europe/Berlin:20261025T023000').start).toBe('2026-10-25T00:30:00.000Z');
  });

  it('reads an ambiguous autumn local time as its first occurrence (VTIMEZONE)', () => {
    expect(times(...VTIMEZONE_BERLIN, 'DTSTART;TZID=Europe/Berlin:20261025T023000').start).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });
});

describe('veventToInvite: end from DURATION', () => {
  it('adds DURATION to a zoned start', () => {
    const r = times('DTSTART;TZID=Europe/Berlin:20261210T100000', 'DURATION:PT1H30M');
    expect(r.start).toBe('2026-12-10T09:00:00.000Z');
    expect(r.end).toBe('2026-12-10T10:30:00.000Z');
  });

  it('adds DURATION to a UTC start', () => {
    expect(times('DTSTART:20261215T170000Z', 'DURATION:PT1H30M').end).toBe('2026-12-15T18:30:00.000Z');
  });

  it('adds DURATION to a floating start and keeps the end floating', () => {
    expect(times('DTSTART:20261218T190000', 'DURATION:PT3H').end).toBe('2026-12-18T22:00:00');
  });

  it('adds a day DURATION to an all-day start as a date', () => {
    const r = times('DTSTART;VALUE=DATE:20261210', 'DURATION:P2D');
    expect(r.start).toBe('2026-12-10');
    expect(r.end).toBe('2026-12-12');
    expect(r.allDay).toBe(true);
  });

  it('adds a week DURATION', () => {
    expect(times('DTSTART:20261201T080000Z', 'DURATION:P1W').end).toBe('2026-12-08T08:00:00.000Z');
  });

  it('treats a nominal day (P1D) across the spring DST switch as the same wall-clock time', () => {
    expect(times('DTSTART;TZID=Europe/Berlin:20260328T120000', 'DURATION:P1D').end).toBe(
      '2026-03-29T10:00:00.000Z',
    );
  });

  it('treats an exact duration (PT24H) across the spring DST switch as 24 real hours (RFC 5545 §3.3.6)', () => {
    expect(times('DTSTART;TZID=Europe/Berlin:20260328T120000', 'DURATION:PT24H').end).toBe(
      '2026-03-29T11:00:00.000Z',
    );
  });

  it('prefers DTEND when both are present', () => {
    expect(times('DTSTART:20261210T150000Z', 'DTEND:20261210T153000Z', 'DURATION:PT2H').end).toBe(
      '2026-12-10T15:30:00.000Z',
    );
  });

  it('reports end null when there is neither DTEND nor DURATION', () => {
    expect(times('DTSTART:20261210T150000Z').end).toBeNull();
  });
});

describe('veventToInvite: recurrence', () => {
  it('reports the RRULE as a string and never expands it', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:r-1',
        'DTSTART;TZID=Europe/Berlin:20261207T090000',
        'RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE',
      ),
    );
    expect(invite.rrule).toBe('FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE');
  });

  it('reports the RRULE as written (Outlook order, INTERVAL=1 kept)', () => {
    const rule = 'FREQ=WEEKLY;UNTIL=20270125T080000Z;INTERVAL=1;BYDAY=MO;WKST=MO';
    const text = vcalendar([
      ...vevent('UID:r-2', 'DTSTART;TZID=Europe/Berlin:20261207T090000', `RRULE:${rule}`),
    ]);
    // veventToInvite alone sees only ical.js's parsed rule; the text as written comes from extraction.
    const { invite } = inviteOf(
      vevent('UID:r-2', 'DTSTART;TZID=Europe/Berlin:20261207T090000', `RRULE:${rule}`),
    );
    expect(rruleParts(invite.rrule)).toEqual(rruleParts(rule));
    const [extracted] = extractInvites([part(text)], []);
    expect(extracted?.rrule).toBe(rule);
  });

  it('returns an absurd RRULE (FREQ=SECONDLY;COUNT=100000000) unexpanded', () => {
    const { invite } = inviteOf(
      vevent('UID:r-3', 'DTSTART:20261210T100000Z', 'RRULE:FREQ=SECONDLY;COUNT=100000000'),
    );
    expect(invite.rrule).toBe('FREQ=SECONDLY;COUNT=100000000');
    expect(invite.start).toBe('2026-12-10T10:00:00.000Z');
  });

  it('reports EXDATEs of a zoned series as UTC instants, across comma lists and repeated lines', () => {
    const { invite, warnings } = inviteOf(
      vevent(
        'UID:x-1',
        'DTSTART;TZID=America/New_York:20261020T090000',
        'RRULE:FREQ=WEEKLY;BYDAY=TU',
        'EXDATE;TZID=America/New_York:20261027T090000,20261103T090000',
        'EXDATE;TZID=America/New_York:20261110T090000',
      ),
    );
    expect(warnings).toEqual([]);
    expect(invite.exdates).toEqual([
      '2026-10-27T13:00:00.000Z',
      '2026-11-03T14:00:00.000Z',
      '2026-11-10T14:00:00.000Z',
    ]);
  });

  it('reports EXDATEs through the VTIMEZONE when there is one', () => {
    const zone = vtimezoneWindows('Romance Standard Time', '+0100', '+0200');
    const { invite } = inviteOf([
      ...zone,
      ...vevent(
        'UID:x-2',
        'DTSTART;TZID=Romance Standard Time:20261207T090000',
        'RRULE:FREQ=WEEKLY;BYDAY=MO',
        'EXDATE;TZID=Romance Standard Time:20261221T090000,20261228T090000',
      ),
    ]);
    expect(invite.exdates).toEqual(['2026-12-21T08:00:00.000Z', '2026-12-28T08:00:00.000Z']);
  });

  it('reports all-day and UTC EXDATEs as written', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:x-3',
        'DTSTART;VALUE=DATE:20261203',
        'RRULE:FREQ=WEEKLY',
        'EXDATE;VALUE=DATE:20261210,20261217',
        'EXDATE:20261224T000000Z',
      ),
    );
    expect(invite.exdates).toEqual(['2026-12-10', '2026-12-17', '2026-12-24T00:00:00.000Z']);
  });

  it('reports exdates [] and rrule null for a single event', () => {
    const { invite } = inviteOf(vevent('UID:x-4', 'DTSTART:20261210T100000Z'));
    expect(invite.rrule).toBeNull();
    expect(invite.exdates).toEqual([]);
  });

  it('reports a zoned RECURRENCE-ID as a UTC instant', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:o-1',
        'RECURRENCE-ID;TZID=America/New_York:20261110T090000',
        'DTSTART;TZID=America/New_York:20261110T110000',
        'SEQUENCE:3',
      ),
    );
    expect(invite.recurrenceId).toBe('2026-11-10T14:00:00.000Z');
    expect(invite.start).toBe('2026-11-10T16:00:00.000Z');
    expect(invite.sequence).toBe(3);
  });

  it('reports an all-day RECURRENCE-ID as a date', () => {
    const { invite } = inviteOf(
      vevent('UID:o-2', 'RECURRENCE-ID;VALUE=DATE:20260226', 'DTSTART;VALUE=DATE:20260227'),
    );
    expect(invite.recurrenceId).toBe('2026-02-26');
    expect(invite.start).toBe('2026-02-27');
  });
});

describe('veventToInvite: organizer and attendees', () => {
  it('strips mailto: in any case and lower-cases only the domain', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:p-1',
        'DTSTART:20261210T100000Z',
        'ORGANIZER;CN="Gagnon, Marc":MAILTO:Marc.Gagnon@Example.ORG',
        'ATTENDEE;CN=Casper:MailTo:Casper+RH@EXAMPLE.COM',
      ),
    );
    expect(invite.organizer).toEqual({ name: 'Gagnon, Marc', email: 'Marc.Gagnon@example.org' });
    expect(invite.attendees[0]?.email).toBe('Casper+RH@example.com');
  });

  it('reads CN as the name, null without CN, and ignores SENT-BY', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:p-2',
        'DTSTART:20261210T100000Z',
        'ORGANIZER;SENT-BY="mailto:assistant@example.org";X-SENTBYCN="Ana Assistant":mailto:boss@example.org',
        'ATTENDEE;RSVP=TRUE:mailto:plain@example.org',
      ),
    );
    expect(invite.organizer).toEqual({ name: null, email: 'boss@example.org' });
    expect(invite.attendees).toEqual([
      { name: null, email: 'plain@example.org', role: null, partstat: null, rsvp: true },
    ]);
  });

  it('reads ROLE and PARTSTAT upper-cased and RSVP as a boolean', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:p-3',
        'DTSTART:20261210T100000Z',
        'ATTENDEE;ROLE=chair;PARTSTAT=accepted;RSVP=true;CN=A:mailto:a@example.org',
        'ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=DECLINED;RSVP=FALSE;CN=B:mailto:b@example.org',
        'ATTENDEE;ROLE=NON-PARTICIPANT;PARTSTAT=TENTATIVE;CN=C:mailto:c@example.org',
      ),
    );
    expect(invite.attendees.map((a) => [a.role, a.partstat, a.rsvp])).toEqual([
      ['CHAIR', 'ACCEPTED', true],
      ['OPT-PARTICIPANT', 'DECLINED', false],
      ['NON-PARTICIPANT', 'TENTATIVE', false],
    ]);
  });

  it('keeps non-ASCII names (Apple writes a quoted CN and an EMAIL parameter)', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:p-4',
        'DTSTART:20261210T100000Z',
        'ATTENDEE;CN="Chloé Dubois";CUTYPE=INDIVIDUAL;EMAIL="chloe.dubois@example.org";PARTSTAT=ACCEPTED:mailto:chloe.dubois@example.org',
      ),
      'REPLY',
    );
    expect(invite.attendees).toEqual([
      {
        name: 'Chloé Dubois',
        email: 'chloe.dubois@example.org',
        role: null,
        partstat: 'ACCEPTED',
        rsvp: false,
      },
    ]);
  });

  it('drops an attendee without any address and reports organizer null when there is none', () => {
    const { invite } = inviteOf(
      vevent(
        'UID:p-5',
        'DTSTART:20261210T100000Z',
        'ATTENDEE;CN=Nobody:mailto:',
        'ATTENDEE:mailto:someone@example.org',
      ),
    );
    expect(invite.organizer).toBeNull();
    expect(invite.attendees.map((a) => a.email)).toEqual(['someone@example.org']);
  });
});

describe('calAddress', () => {
  it.each([
    ['mailto:jane@example.com', 'jane@example.com'],
    ['MAILTO:Jane.Doe@Example.COM', 'Jane.Doe@example.com'],
    ['  mailto: jane@EXAMPLE.org ', 'jane@example.org'],
    ['jane@Example.NET', 'jane@example.net'],
    ['mailto:casper+Sales@EXAMPLE.com', 'casper+Sales@example.com'],
  ])('%s -> %s', (value, email) => {
    expect(calAddress(value)).toBe(email);
  });

  it('returns null for nothing usable', () => {
    expect(calAddress('')).toBeNull();
    expect(calAddress('mailto:')).toBeNull();
    expect(calAddress(null)).toBeNull();
    expect(calAddress(42)).toBeNull();
  });
});
