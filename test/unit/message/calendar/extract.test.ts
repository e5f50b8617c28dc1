import { describe, expect, it } from 'vitest';

import { MAX_INVITES, extractInvites } from '../../../../src/message/calendar/extract.js';
import type { CalendarPart } from '../../../../src/message/parse.js';
import type { Invite } from '../../../../src/message/types.js';
import { CRLF, VTIMEZONE_BERLIN, part, vcalendar, vevent } from './calendar-helpers.js';

function extract(...parts: CalendarPart[]): { invites: Invite[]; warnings: string[] } {
  const warnings: string[] = [];
  return { invites: extractInvites(parts, warnings), warnings };
}

const EVENT = vevent(
  'UID:evt-1@example.com',
  'DTSTAMP:20261201T000000Z',
  'DTSTART:20261210T150000Z',
  'DTEND:20261210T160000Z',
  'SUMMARY:Planning',
);

describe('extractInvites: METHOD', () => {
  it('takes METHOD from the VCALENDAR', () => {
    expect(extract(part(vcalendar(EVENT, { method: 'REQUEST' }))).invites[0]?.method).toBe('REQUEST');
  });

  it("lets the VCALENDAR's METHOD win over the part's method= (Google: COUNTER inside a method=REPLY part)", () => {
    const { invites } = extract(part(vcalendar(EVENT, { method: 'COUNTER' }), { method: 'REPLY' }));
    expect(invites.map((i) => i.method)).toEqual(['COUNTER']);
  });

  it("falls back to the part's method= when the VCALENDAR has no METHOD", () => {
    expect(extract(part(vcalendar(EVENT, { method: null }), { method: 'REQUEST' })).invites[0]?.method).toBe(
      'REQUEST',
    );
  });

  it('upper-cases the method from either source', () => {
    expect(extract(part(vcalendar(EVENT, { method: null }), { method: 'cancel' })).invites[0]?.method).toBe(
      'CANCEL',
    );
    expect(extract(part(vcalendar(EVENT, { method: 'publish' }))).invites[0]?.method).toBe('PUBLISH');
  });

  it('reports method null when neither gives one (a plain .ics export)', () => {
    expect(extract(part(vcalendar(EVENT, { method: null }))).invites[0]?.method).toBeNull();
  });

  it('gives each VCALENDAR of a part its own METHOD', () => {
    const text =
      vcalendar(EVENT, { method: 'REQUEST' }) +
      vcalendar(vevent('UID:evt-2@example.com', 'DTSTART:20261211T150000Z'), { method: 'PUBLISH' });
    expect(extract(part(text)).invites.map((i) => [i.uid, i.method])).toEqual([
      ['evt-1@example.com', 'REQUEST'],
      ['evt-2@example.com', 'PUBLISH'],
    ]);
  });
});

describe('extractInvites: one Invite per VEVENT', () => {
  it('reports a series and each overridden occurrence separately', () => {
    const uid = 'UID:series-1@example.com';
    const text = vcalendar([
      ...VTIMEZONE_BERLIN,
      ...vevent(
        uid,
        'DTSTART;TZID=Europe/Berlin:20261207T090000',
        'DTEND;TZID=Europe/Berlin:20261207T093000',
        'RRULE:FREQ=WEEKLY;BYDAY=MO',
        'SEQUENCE:2',
      ),
      ...vevent(
        uid,
        'RECURRENCE-ID;TZID=Europe/Berlin:20261214T090000',
        'DTSTART;TZID=Europe/Berlin:20261215T140000',
        'SEQUENCE:2',
      ),
      ...vevent(
        uid,
        'RECURRENCE-ID;TZID=Europe/Berlin:20261221T090000',
        'DTSTART;TZID=Europe/Berlin:20261221T100000',
        'SEQUENCE:2',
      ),
    ]);
    const { invites, warnings } = extract(part(text));
    expect(warnings).toEqual([]);
    expect(invites.map((i) => [i.recurrenceId, i.start, i.rrule])).toEqual([
      [null, '2026-12-07T08:00:00.000Z', 'FREQ=WEEKLY;BYDAY=MO'],
      ['2026-12-14T08:00:00.000Z', '2026-12-15T13:00:00.000Z', null],
      ['2026-12-21T08:00:00.000Z', '2026-12-21T09:00:00.000Z', null],
    ]);
  });

  it('reports nothing, and no warning, for a VTODO-only calendar', () => {
    const text = vcalendar([
      'BEGIN:VTODO',
      'UID:todo-1@example.com',
      'DTSTAMP:20261201T000000Z',
      'SUMMARY:Renew certificates',
      'DUE;VALUE=DATE:20261215',
      'END:VTODO',
    ]);
    expect(extract(part(text))).toEqual({ invites: [], warnings: [] });
  });

  it('reports only the VEVENTs of a calendar that mixes VEVENT, VTODO and VJOURNAL', () => {
    const text = vcalendar(
      [
        'BEGIN:VTODO',
        'UID:todo-2@example.com',
        'SUMMARY:Task',
        'END:VTODO',
        ...EVENT,
        'BEGIN:VJOURNAL',
        'UID:journal-1@example.com',
        'SUMMARY:Notes',
        'END:VJOURNAL',
      ],
      { method: 'PUBLISH' },
    );
    expect(extract(part(text)).invites.map((i) => i.uid)).toEqual(['evt-1@example.com']);
  });

  it('reports nothing for no parts', () => {
    expect(extract()).toEqual({ invites: [], warnings: [] });
  });
});

describe('extractInvites: RRULE as written, for the right event', () => {
  it('keeps the written form (INTERVAL=1, WKST, order) when it is the rule ical.js read', () => {
    const { invites } = extract(
      part(
        vcalendar(
          vevent('UID:w', 'DTSTART:20261210T150000Z', 'RRULE:WKST=MO;INTERVAL=1;FREQ=WEEKLY;BYDAY=TH'),
        ),
      ),
    );
    expect(invites.map((i) => i.rrule)).toEqual(['WKST=MO;INTERVAL=1;FREQ=WEEKLY;BYDAY=TH']);
  });

  it('never gives an event the rule of another one the text scan and ical.js count differently', () => {
    // ical.js drops "BEGIN:VEVENT " (trailing space) with its event; the scan counted it.
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT ',
      'UID:a',
      'DTSTART:20261210T150000Z',
      'RRULE:FREQ=DAILY;COUNT=3',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:b',
      'DTSTART:20261211T150000Z',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join(CRLF);
    const { invites } = extract(part(text));
    expect(invites.find((i) => i.uid === 'b')?.rrule).toBeNull();
  });

  it('reads a rule whose parameters hold a quoted ":" as ical.js does', () => {
    const { invites } = extract(
      part(vcalendar(vevent('UID:q', 'DTSTART:20261210T150000Z', 'RRULE;X-A="p:q":FREQ=DAILY;COUNT=3'))),
    );
    expect(invites.map((i) => i.rrule)).toEqual(['FREQ=DAILY;COUNT=3']);
  });
});

describe('extractInvites: the same VEVENT in several parts', () => {
  it("reports Google's inline text/calendar part and its identical invite.ics once", () => {
    const text = vcalendar(EVENT);
    const { invites, warnings } = extract(
      part(text, { method: 'REQUEST', charset: 'UTF-8' }),
      part(text, { contentType: 'application/ics', filename: 'invite.ics' }),
    );
    expect(warnings).toEqual([]);
    expect(invites).toHaveLength(1);
  });

  it('keeps both when the SEQUENCE differs (an update next to the original)', () => {
    const first = vcalendar(vevent('UID:seq-1@example.com', 'DTSTART:20261210T150000Z', 'SEQUENCE:0'));
    const second = vcalendar(vevent('UID:seq-1@example.com', 'DTSTART:20261211T150000Z', 'SEQUENCE:1'));
    const { invites } = extract(part(first), part(second, { filename: 'invite.ics' }));
    expect(invites.map((i) => [i.sequence, i.start])).toEqual([
      [0, '2026-12-10T15:00:00.000Z'],
      [1, '2026-12-11T15:00:00.000Z'],
    ]);
  });

  it('keeps both when the RECURRENCE-ID differs', () => {
    const a = vcalendar(
      vevent('UID:rid-1@example.com', 'RECURRENCE-ID:20261214T080000Z', 'DTSTART:20261215T130000Z'),
    );
    const b = vcalendar(
      vevent('UID:rid-1@example.com', 'RECURRENCE-ID:20261221T080000Z', 'DTSTART:20261221T090000Z'),
    );
    expect(extract(part(a), part(b)).invites.map((i) => i.recurrenceId)).toEqual([
      '2026-12-14T08:00:00.000Z',
      '2026-12-21T08:00:00.000Z',
    ]);
  });

  it('treats a missing SEQUENCE as 0 when matching', () => {
    const a = vcalendar(vevent('UID:seq-2@example.com', 'DTSTART:20261210T150000Z'));
    const b = vcalendar(vevent('UID:seq-2@example.com', 'DTSTART:20261210T150000Z', 'SEQUENCE:0'));
    expect(extract(part(a), part(b)).invites).toHaveLength(1);
  });

  it('reports an identical UID-less event in two parts once, and two different UID-less events twice', () => {
    const same = vcalendar(vevent('DTSTART:20261210T150000Z', 'SUMMARY:Daily standup'));
    expect(extract(part(same), part(same, { filename: 'meeting.ics' })).invites).toHaveLength(1);
    const other = vcalendar(vevent('DTSTART:20261210T150000Z', 'SUMMARY:Retro'));
    expect(extract(part(same), part(other)).invites.map((i) => [i.uid, i.summary])).toEqual([
      [null, 'Daily standup'],
      [null, 'Retro'],
    ]);
  });
});

describe('extractInvites: malformed parts', () => {
  it('warns about a part that is no calendar and still reads the other parts', () => {
    const html = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>';
    const { invites, warnings } = extract(
      part(html, { filename: 'booking.ics' }),
      part(vcalendar(EVENT), { filename: 'invite.ics' }),
    );
    expect(invites.map((i) => i.uid)).toEqual(['evt-1@example.com']);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((w) => w.includes('booking.ics'))).toBe(true);
  });

  it('names the part in its warnings (filename, else content type)', () => {
    const broken = vcalendar(vevent('UID:b-1', 'DTSTART:20261207T080000Z', 'X-BROKEN-LINE'));
    expect(
      extract(part(broken, { filename: 'meeting.ics' })).warnings.every((w) => w.includes('meeting.ics')),
    ).toBe(true);
    expect(
      extract(part(broken, { contentType: 'text/calendar' })).warnings.every((w) =>
        w.includes('text/calendar'),
      ),
    ).toBe(true);
  });

  it('repairs and reports the event of a broken calendar, with warnings', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//TicketDesk//Scheduler 2.3//EN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:ticket-1@helpdesk.example.org',
      'DTSTART:20261207T080000Z',
      'RRULE:FREQ=WEEKLY;BYDAY=MO, TU, WE;COUNT=6',
      'X-TICKET-LINK',
      'ATTENDEE;CN="Pat Smith:mailto:pat.smith@example.org',
      'ATTENDEE;CN=Casper:mailto:casper+it@example.com',
      'SUMMARY:On-site visit',
    ].join(CRLF);
    const { invites, warnings } = extract(part(text));
    expect(warnings.length).toBeGreaterThan(0);
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({
      method: 'REQUEST',
      uid: 'ticket-1@helpdesk.example.org',
      summary: 'On-site visit',
      start: '2026-12-07T08:00:00.000Z',
      rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE;COUNT=6', // as written, the stray spaces removed
      attendees: [
        { name: 'Casper', email: 'casper+it@example.com', role: null, partstat: null, rsvp: false },
      ],
    });
  });

  it('warns about an empty calendar part: nothing could be read from it', () => {
    const { invites, warnings } = extract(part(Buffer.alloc(0), { filename: 'invite.ics' }));
    expect(invites).toEqual([]);
    expect(warnings.length).toBeGreaterThan(0);
  });
});

describe('extractInvites: decoding before ical.js', () => {
  const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
  const cal = (summary: string): string =>
    vcalendar(vevent('UID:dec-1@example.com', 'DTSTART:20261208T110000Z', `SUMMARY:${summary}`), {
      method: 'PUBLISH',
    });

  it('reads an ISO-8859-1 calendar without charset parameter', () => {
    const { invites } = extract(
      part(latin1(cal("Déjeuner à l'hôtel")), { filename: 'x.ics', contentType: 'application/octet-stream' }),
    );
    expect(invites[0]?.summary).toBe("Déjeuner à l'hôtel");
  });

  it('reads a calendar in its declared ISO-8859-1 charset without a warning', () => {
    const { invites, warnings } = extract(part(latin1(cal('Salle Müller')), { charset: 'ISO-8859-1' }));
    expect(invites[0]?.summary).toBe('Salle Müller');
    expect(warnings).toEqual([]);
  });

  it('reads a UTF-8 calendar behind a byte order mark', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cal('Übergabe Büro 3'))]);
    const { invites, warnings } = extract(part(bytes, { charset: 'utf-8' }));
    expect(invites[0]?.summary).toBe('Übergabe Büro 3');
    expect(warnings).toEqual([]);
  });

  it('restores a UTF-8 character that a fold split between its bytes (RFC 5545 §3.1)', () => {
    const head = Buffer.from(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//x//y//EN',
        'BEGIN:VEVENT',
        'UID:split-1',
        'DTSTART:20261210T100000Z',
        'SUMMARY:R',
      ].join(CRLF),
    );
    const e = Buffer.from('é');
    const tail = Buffer.from(`union${CRLF}END:VEVENT${CRLF}END:VCALENDAR${CRLF}`);
    const bytes = Buffer.concat([head, e.subarray(0, 1), Buffer.from(`${CRLF} `), e.subarray(1), tail]);
    for (const charset of [null, 'UTF-8']) {
      const { invites, warnings } = extract(part(bytes, { charset }));
      expect(invites[0]?.summary).toBe('Réunion');
      expect(warnings).toEqual([]);
    }
  });
});

describe('extractInvites: time zones per part', () => {
  it("does not let one part's VTIMEZONE define a TZID in another part", () => {
    const zone = [
      'BEGIN:VTIMEZONE',
      'TZID:Office Zone',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0300',
      'TZOFFSETTO:+0300',
      'END:STANDARD',
      'END:VTIMEZONE',
    ];
    const withZone = vcalendar([...zone, ...vevent('UID:z-1', 'DTSTART;TZID=Office Zone:20260701T100000')]);
    const withoutZone = vcalendar(vevent('UID:z-2', 'DTSTART;TZID=Office Zone:20260701T100000'));
    const { invites, warnings } = extract(part(withZone), part(withoutZone));
    expect(invites.map((i) => i.start)).toEqual(['2026-07-01T07:00:00.000Z', '2026-07-01T10:00:00']);
    expect(warnings.some((w) => w.includes('Office Zone'))).toBe(true);
  });

  it("does not let a sender's VTIMEZONE named like an IANA zone leak into a later calendar", () => {
    const fake = [
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0300',
      'TZOFFSETTO:+0300',
      'END:STANDARD',
      'END:VTIMEZONE',
    ];
    extract(
      part(vcalendar([...fake, ...vevent('UID:leak-1', 'DTSTART;TZID=Europe/Berlin:20260701T100000')])),
    );
    const { invites } = extract(
      part(vcalendar(vevent('UID:leak-2', 'DTSTART;TZID=Europe/Berlin:20260701T100000'))),
    );
    expect(invites[0]?.start).toBe('2026-07-01T08:00:00.000Z');
  });
});

describe('extractInvites: huge calendars are not expanded', () => {
  function bigCalendar(count: number, prefix: string): string {
    const body: string[] = [...VTIMEZONE_BERLIN];
    for (let i = 0; i < count; i++) {
      const month = String(1 + (i % 12)).padStart(2, '0');
      const day = String(1 + (i % 28)).padStart(2, '0');
      body.push(
        ...vevent(
          `UID:${prefix}-${i}@example.com`,
          'DTSTAMP:20261201T000000Z',
          `DTSTART;TZID=Europe/Berlin:2026${month}${day}T100000`,
          'DURATION:PT1H',
          `SUMMARY:Event ${i}`,
        ),
      );
    }
    return vcalendar(body, { method: 'PUBLISH' });
  }

  it('reports at most MAX_INVITES of a 5,000-event calendar, with a warning', () => {
    expect(MAX_INVITES).toBeGreaterThan(0);
    expect(MAX_INVITES).toBeLessThan(5000);
    const { invites, warnings } = extract(part(bigCalendar(5000, 'big'), { filename: 'export.ics' }));
    expect(invites).toHaveLength(MAX_INVITES);
    expect(invites[0]?.uid).toBe('big-0@example.com');
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('applies the limit to the message, not to each part', () => {
    const perPart = Math.ceil(MAX_INVITES / 2) + 10;
    const { invites, warnings } = extract(
      part(bigCalendar(perPart, 'a')),
      part(bigCalendar(perPart, 'b')),
      part(bigCalendar(perPart, 'c')),
    );
    expect(invites).toHaveLength(MAX_INVITES);
    expect(warnings.length).toBeGreaterThan(0);
  });

  it('reports an absurd RRULE as a string without expanding it', () => {
    const text = vcalendar(
      vevent(
        'UID:absurd-1@example.com',
        'DTSTART:20261210T100000Z',
        'RRULE:FREQ=SECONDLY;COUNT=100000000',
        'EXDATE:20261210T100001Z',
      ),
    );
    const { invites, warnings } = extract(part(text));
    expect(warnings).toEqual([]);
    expect(invites).toHaveLength(1);
    expect(invites[0]?.rrule).toBe('FREQ=SECONDLY;COUNT=100000000');
    expect(invites[0]?.exdates).toEqual(['2026-12-10T10:00:01.000Z']);
  });
});
