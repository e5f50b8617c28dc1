import { describe, expect, it } from 'vitest';

import { describeCalendarError, parseCalendarText } from '../../../../src/message/calendar/parse-calendar.js';
import { CRLF, vcalendar, vevent } from './calendar-helpers.js';

function parse(text: string): { calendars: ReturnType<typeof parseCalendarText>; warnings: string[] } {
  const warnings: string[] = [];
  return { calendars: parseCalendarText(text, warnings), warnings };
}

function onlyEvent(text: string) {
  const { calendars, warnings } = parse(text);
  expect(calendars).toHaveLength(1);
  const events = calendars[0]?.getAllSubcomponents('vevent') ?? [];
  expect(events).toHaveLength(1);
  return { event: events[0]!, warnings };
}

const GOOD_EVENT = vevent(
  'UID:good-1@example.com',
  'DTSTAMP:20261201T000000Z',
  'DTSTART:20261210T150000Z',
  'SUMMARY:Planning',
);

describe('parseCalendarText: well-formed input', () => {
  it('returns one VCALENDAR and no warnings for a clean calendar', () => {
    const { event, warnings } = onlyEvent(vcalendar(GOOD_EVENT));
    expect(warnings).toEqual([]);
    expect(event.getFirstPropertyValue('uid')).toBe('good-1@example.com');
  });

  it('accepts LF-only line endings', () => {
    const { event, warnings } = onlyEvent(vcalendar(GOOD_EVENT, { eol: '\n' }));
    expect(warnings).toEqual([]);
    expect(event.getFirstPropertyValue('summary')).toBe('Planning');
  });

  it('unfolds folded lines (space and tab continuation)', () => {
    const text = vcalendar(
      vevent(
        'UID:fold-1',
        'DTSTART:20261210T150000Z',
        'SUMMARY:Quarterly',
        ' planning',
        'DESCRIPTION:one',
        '\ttwo',
      ),
    );
    const { event, warnings } = onlyEvent(text);
    expect(warnings).toEqual([]);
    expect(event.getFirstPropertyValue('summary')).toBe('Quarterlyplanning');
    expect(event.getFirstPropertyValue('description')).toBe('onetwo');
  });

  it('returns every VCALENDAR when one text holds several', () => {
    const text =
      vcalendar(GOOD_EVENT, { method: 'REQUEST' }) +
      vcalendar(vevent('UID:good-2', 'DTSTART:20261211T150000Z'), { method: 'PUBLISH' });
    const { calendars, warnings } = parse(text);
    expect(warnings).toEqual([]);
    expect(calendars.map((c) => c.getFirstPropertyValue('method'))).toEqual(['REQUEST', 'PUBLISH']);
  });

  it('keeps a VTODO-only calendar as a calendar without VEVENTs', () => {
    const { calendars, warnings } = parse(
      vcalendar(['BEGIN:VTODO', 'UID:todo-1', 'SUMMARY:Renew certificates', 'END:VTODO']),
    );
    expect(warnings).toEqual([]);
    expect(calendars).toHaveLength(1);
    expect(calendars[0]?.getAllSubcomponents('vevent')).toEqual([]);
  });

  it('returns nothing for an empty text', () => {
    expect(parse('').calendars).toEqual([]);
  });
});

describe('parseCalendarText: repairs of what real clients send', () => {
  it('squeezes spaces out of an RRULE list ("MO, TU, WE", Exchange CDO) and says so', () => {
    const text = vcalendar(
      vevent(
        'UID:rrule-1',
        'DTSTART:20261207T080000Z',
        'RRULE:FREQ=WEEKLY;BYDAY=MO, TU, WE;COUNT=6',
        'SUMMARY:Standup',
      ),
    );
    const { event, warnings } = onlyEvent(text);
    expect(warnings.length).toBeGreaterThan(0);
    const rule = event.getFirstPropertyValue('rrule');
    expect(String(rule)).toContain('BYDAY=MO,TU,WE');
    expect(event.getFirstPropertyValue('summary')).toBe('Standup');
  });

  it('drops a property line without ":" and keeps the rest of the event', () => {
    const text = vcalendar(
      vevent('UID:colon-1', 'DTSTART:20261207T080000Z', 'X-TICKET-LINK', 'SUMMARY:Visit'),
    );
    const { event, warnings } = onlyEvent(text);
    expect(warnings.some((w) => w.includes('X-TICKET-LINK'))).toBe(true);
    expect(event.getFirstPropertyValue('summary')).toBe('Visit');
    expect(event.getFirstPropertyValue('uid')).toBe('colon-1');
  });

  it('drops a line whose unbalanced quote swallows the value and keeps the other attendees', () => {
    const text = vcalendar(
      vevent(
        'UID:quote-1',
        'DTSTART:20261207T080000Z',
        'ATTENDEE;CN="Pat Smith:mailto:pat.smith@example.org',
        'ATTENDEE;CN=Casper;RSVP=TRUE:mailto:casper+it@example.com',
        'SUMMARY:Visit',
      ),
    );
    const { event, warnings } = onlyEvent(text);
    expect(warnings.length).toBeGreaterThan(0);
    expect(event.getAllProperties('attendee').map((p) => p.getFirstValue())).toEqual([
      'mailto:casper+it@example.com',
    ]);
  });

  it('closes an unclosed VEVENT and VCALENDAR (truncated mail)', () => {
    const text =
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//x//y//EN',
        'METHOD:REQUEST',
        'BEGIN:VEVENT',
        'UID:open-1',
        'DTSTART:20261207T080000Z',
        'SUMMARY:Cut off',
      ].join(CRLF) + CRLF;
    const { event, warnings } = onlyEvent(text);
    expect(warnings.length).toBeGreaterThan(0);
    expect(event.getFirstPropertyValue('summary')).toBe('Cut off');
  });

  it('closes an unclosed VCALENDAR after a complete VEVENT', () => {
    const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//y//EN', ...GOOD_EVENT].join(CRLF) + CRLF;
    const { event, warnings } = onlyEvent(text);
    expect(warnings.length).toBeGreaterThan(0);
    expect(event.getFirstPropertyValue('uid')).toBe('good-1@example.com');
  });

  it('drops a stray END without BEGIN instead of letting it close the VEVENT early', () => {
    // A template that emits the VALARM's END without its BEGIN: ical.js closes whatever is
    // open on any END, so DTEND and SUMMARY would silently move to the VCALENDAR.
    const text = vcalendar(
      vevent(
        'UID:stray-1',
        'DTSTART:20261207T080000Z',
        'END:VALARM',
        'DTEND:20261207T090000Z',
        'SUMMARY:After the stray END',
      ),
    );
    const { event, warnings } = onlyEvent(text);
    expect(event.getFirstPropertyValue('summary')).toBe('After the stray END');
    expect(event.hasProperty('dtend')).toBe(true);
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('keeps folded lines intact while repairing other lines', () => {
    const text = vcalendar(
      vevent('UID:fold-2', 'DTSTART:20261207T080000Z', 'X-BROKEN', 'DESCRIPTION:first half', '  second half'),
    );
    const { event } = onlyEvent(text);
    expect(event.getFirstPropertyValue('description')).toBe('first half second half');
  });

  it('caps the repair warnings for a calendar with many bad lines', () => {
    const bad = Array.from({ length: 40 }, (_, i) => `BROKEN LINE ${i}`);
    const { calendars, warnings } = parse(
      vcalendar(vevent('UID:many-1', 'DTSTART:20261207T080000Z', ...bad)),
    );
    expect(calendars).toHaveLength(1);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.length).toBeLessThanOrEqual(15);
  });
});

describe('parseCalendarText: input ical.js trips over', () => {
  it('drops properties outside any component (ical.js throws a TypeError on them) and keeps the event', () => {
    const text = ['X-JUNK:before', vcalendar(GOOD_EVENT).trimEnd(), 'UID:after', 'END:VEVENT', ''].join(CRLF);
    const { event, warnings } = onlyEvent(text);
    expect(event.getFirstPropertyValue('uid')).toBe('good-1@example.com');
    expect(warnings.some((w) => w.includes('outside any component dropped: X-JUNK:before'))).toBe(true);
    expect(warnings.join(' ')).not.toMatch(/Cannot read properties/);
  });

  it("words ical.js's own TypeErrors as what they mean in a warning", () => {
    expect(describeCalendarError(new TypeError("Cannot read properties of undefined (reading 'push')"))).toBe(
      'structure the iCalendar parser cannot follow',
    );
    expect(describeCalendarError(new Error("Invalid parameters in 'X;Y'"))).toBe(
      "Invalid parameters in 'X;Y'",
    );
  });
});

describe('parseCalendarText: input that is no calendar', () => {
  it('warns and returns nothing for an HTML error page', () => {
    const { calendars, warnings } = parse(
      '<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>\n</html>\n',
    );
    expect(calendars).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('warns and returns nothing for plain prose', () => {
    const { calendars, warnings } = parse('Please find the meeting details below.');
    expect(calendars).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('ignores a vCard: only VCALENDAR components are returned', () => {
    const { calendars } = parse(
      ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Jane Doe', 'EMAIL:jane@example.org', 'END:VCARD', ''].join(CRLF),
    );
    expect(calendars).toEqual([]);
  });
});
