import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';

import { MAX_INVITES } from '../../../../src/message/calendar/extract.js';
import type { ProcessedMessage } from '../../../../src/message/pipeline.js';
import { processMessage } from '../../../../src/message/pipeline.js';
import type { Attendee, EmailPayload, Invite } from '../../../../src/message/types.js';
import { TENANT, fixture, messageWithCalendar, rruleParts, sourceFor } from './calendar-helpers.js';

// Whole messages from test/fixtures/calendars through processMessage; README.md there lists
// which client each one imitates and what it should yield.

async function run(raw: Buffer): Promise<{ result: ProcessedMessage; payload: EmailPayload }> {
  const result = await processMessage(raw, sourceFor(raw), TENANT);
  const payload = result.jobs[0]?.payload;
  if (payload === undefined) throw new Error(`no job for the message (outcome ${result.outcome})`);
  return { result, payload };
}

async function invitesOf(name: string): Promise<{ result: ProcessedMessage; payload: EmailPayload }> {
  return run(fixture(name));
}

const BLANK: Invite = {
  method: null,
  uid: null,
  sequence: 0,
  recurrenceId: null,
  status: null,
  summary: null,
  description: null,
  location: null,
  url: null,
  start: null,
  end: null,
  timezone: null,
  allDay: false,
  rrule: null,
  exdates: [],
  organizer: null,
  attendees: [],
};
const invite = (fields: Partial<Invite>): Invite => ({ ...BLANK, ...fields });
const attendee = (
  email: string,
  name: string | null,
  role: string | null,
  partstat: string | null,
  rsvp: boolean,
): Attendee => ({ name, email, role, partstat, rsvp });

/** Compares invites field by field; RRULEs as sets of parts (their literal text has its own test in invite.test.ts). */
function expectInvites(actual: Invite[], expected: Invite[]): void {
  const norm = (list: Invite[]) =>
    list.map((i) => ({
      ...i,
      rrule: typeof i.rrule === 'string' || i.rrule === null ? rruleParts(i.rrule) : i.rrule,
    }));
  expect(norm(actual)).toEqual(norm(expected));
}

function expectRoutedCleanly(result: ProcessedMessage, payload: EmailPayload): void {
  expect(result.outcome).toBe('routed');
  expect(payload.warnings).toEqual([]);
}

describe('Google Calendar', () => {
  it('google-request.eml: inline text/calendar plus identical invite.ics -> one REQUEST', async () => {
    const { result, payload } = await invitesOf('google-request.eml');
    expectRoutedCleanly(result, payload);
    expect(payload.workspace).toBe('sales');
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '7kq2v8n1c0e9p7s3m5t6r2a1b0@calendar.example.org',
        status: 'CONFIRMED',
        summary: 'Quarterly planning',
        description:
          'Agenda: roadmap, hiring, budget.\n\nJoin with Meet: https://meet.example.org/qpl-abcd-xyz\n\nInvitation from Google Calendar: https://calendar.example.org/',
        location: 'Room Oslo, 3rd floor',
        start: '2026-12-10T15:00:00.000Z',
        end: '2026-12-10T16:00:00.000Z',
        organizer: { name: 'Alice Martin', email: 'alice.martin@example.org' },
        attendees: [
          attendee('alice.martin@example.org', 'Alice Martin', 'REQ-PARTICIPANT', 'ACCEPTED', true),
          attendee(
            'casper+sales@example.com',
            'casper+sales@example.com',
            'REQ-PARTICIPANT',
            'NEEDS-ACTION',
            true,
          ),
          attendee('Bob.Okafor@example.net', 'Bob Okafor', 'OPT-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
  });

  it('google-request.eml: the calendar parts are still listed as attachments', async () => {
    const { payload } = await invitesOf('google-request.eml');
    expect(payload.attachments.map((a) => a.contentType).sort()).toEqual([
      'application/ics',
      'text/calendar',
    ]);
  });

  it('google-counter.eml: METHOD:COUNTER inside a part labelled method=REPLY -> COUNTER, once', async () => {
    const { result, payload } = await invitesOf('google-counter.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'COUNTER',
        uid: '3m9c1x7e2r5t8y0u4i6o1p2a3s@calendar.example.org',
        summary: 'Vendor demo',
        start: '2026-12-11T09:00:00.000Z',
        end: '2026-12-11T10:00:00.000Z',
        organizer: { name: 'Casper', email: 'casper+sales@example.com' },
        attendees: [attendee('bob.okafor@example.net', 'Bob Okafor', 'REQ-PARTICIPANT', 'TENTATIVE', false)],
      }),
    ]);
  });
});

const JUERGEN = { name: 'Jürgen Weiß', email: 'juergen.weiss@example.net' };
const CONTRACT_UID =
  '040000008200E00074C5B7101A82E00800000000B0C4F1D2A3E4DC01000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90';

describe('Microsoft Outlook / Exchange', () => {
  it('outlook-request.eml: Windows TZID with VTIMEZONE, base64 utf-8 -> Europe/Berlin summer time', async () => {
    const { result, payload } = await invitesOf('outlook-request.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: CONTRACT_UID,
        status: 'CONFIRMED',
        summary: 'Vertragsprüfung Q1',
        description: 'Hallo zusammen,\n\nbitte die Unterlagen vorab lesen.\n',
        location: 'Besprechungsraum Elbe (4.12)',
        start: '2026-07-01T08:00:00.000Z',
        end: '2026-07-01T09:30:00.000Z',
        timezone: 'Europe/Berlin',
        organizer: JUERGEN,
        attendees: [
          attendee('casper+legal@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('zoe.fischer@example.net', 'Zoë Fischer', 'OPT-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
  });

  it('outlook-cancel.eml: CANCEL of the same meeting with SEQUENCE 2 and STATUS:CANCELLED', async () => {
    const { result, payload } = await invitesOf('outlook-cancel.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'CANCEL',
        uid: CONTRACT_UID,
        sequence: 2,
        status: 'CANCELLED',
        summary: 'Abgesagt: Vertragsprüfung Q1',
        description: 'Der Termin entfällt.\n',
        location: 'Besprechungsraum Elbe (4.12)',
        start: '2026-07-01T08:00:00.000Z',
        end: '2026-07-01T09:30:00.000Z',
        timezone: 'Europe/Berlin',
        organizer: JUERGEN,
        attendees: [
          attendee('casper+legal@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('zoe.fischer@example.net', 'Zoë Fischer', 'OPT-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
  });

  it('outlook-recurring-override.eml: the series and its moved occurrence are two invites', async () => {
    const { result, payload } = await invitesOf('outlook-recurring-override.eml');
    expectRoutedCleanly(result, payload);
    const uid =
      '040000008200E00074C5B7101A82E00800000000A1B2C3D4E5F6DC01000000000000000010000000ABCDEF0123456789ABCDEF0123456789';
    const people = {
      organizer: { name: 'Hélène Marchand', email: 'helene.marchand@example.org' },
      attendees: [
        attendee('casper+platform@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
        attendee('tom.leroy@example.org', 'Tom Leroy', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
      ],
    };
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid,
        sequence: 1,
        status: 'CONFIRMED',
        summary: 'Weekly sync – platform team',
        description: 'Point hebdomadaire.\n',
        location: 'Salle Monge',
        start: '2026-12-07T08:00:00.000Z',
        end: '2026-12-07T08:30:00.000Z',
        timezone: 'Europe/Paris',
        rrule: 'FREQ=WEEKLY;UNTIL=20270125T080000Z;INTERVAL=1;BYDAY=MO;WKST=MO',
        exdates: ['2026-12-21T08:00:00.000Z', '2026-12-28T08:00:00.000Z'],
        ...people,
      }),
      invite({
        method: 'REQUEST',
        uid,
        sequence: 1,
        recurrenceId: '2026-12-14T08:00:00.000Z',
        status: 'CONFIRMED',
        summary: 'Weekly sync – platform team (moved to Tuesday)',
        description: 'Déplacé au mardi cette semaine.\n',
        location: 'Salle Monge',
        start: '2026-12-15T13:00:00.000Z',
        end: '2026-12-15T13:30:00.000Z',
        timezone: 'Europe/Paris',
        ...people,
      }),
    ]);
  });

  it('outlook-mac-request.eml: quoted-printable, bare city list TZID with VTIMEZONE -> Europe/Warsaw', async () => {
    const { result, payload } = await invitesOf('outlook-mac-request.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '5C2E8A41-7D3B-4F19-9E6A-0B1C2D3E4F50',
        status: 'CONFIRMED',
        summary: 'Réunion budget 2027',
        description: 'Ordre du jour : budget, recrutement.\n',
        location: 'Salle Chopin',
        start: '2026-12-10T09:00:00.000Z',
        end: '2026-12-10T10:00:00.000Z',
        timezone: 'Europe/Warsaw',
        organizer: { name: 'Piotr Nowak', email: 'piotr.nowak@example.org' },
        attendees: [
          attendee('casper+finance@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee(
            'm.wisniewska@example.org',
            'Małgorzata Wiśniewska',
            'OPT-PARTICIPANT',
            'NEEDS-ACTION',
            true,
          ),
        ],
      }),
    ]);
  });

  it('exchange2003-cdo-qp.eml: CDO quoted-printable without charset, legacy "(GMT+01.00)" TZID', async () => {
    const { result, payload } = await invitesOf('exchange2003-cdo-qp.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '040000008200E00074C5B7101A82E00800000000D0E1F2A3B4C5DC01000000000000000010000000C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6',
        status: 'CONFIRMED',
        summary: "Réunion d'équipe de rentrée",
        description: 'Ordre du jour à venir.\n',
        location: 'Salle Incentive',
        start: '2026-09-16T07:30:00.000Z',
        end: '2026-09-16T10:30:00.000Z',
        timezone: 'Europe/Warsaw',
        organizer: { name: 'Céline Fournier', email: 'celine.fournier@example.org' },
        attendees: [
          attendee('leonie.garnier@example.org', 'Léonie Garnier', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('Casper+RH@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
  });

  it('outlook-bare-calendar.eml: a message that is only a text/calendar body', async () => {
    const { result, payload } = await invitesOf('outlook-bare-calendar.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '040000008200E00074C5B7101A82E0080000000011223344556DDC0100000000000000001000000099887766554433221100FFEEDDCCBBAA',
        status: 'CONFIRMED',
        summary: 'Audit kickoff',
        description: '\n',
        location: 'Conference room B',
        start: '2026-11-02T14:00:00.000Z',
        end: '2026-11-02T15:00:00.000Z',
        timezone: 'America/New_York',
        organizer: { name: 'Marcus Hill', email: 'marcus.hill@example.net' },
        attendees: [
          attendee(
            'casper+audit@example.com',
            'casper+audit@example.com',
            'REQ-PARTICIPANT',
            'NEEDS-ACTION',
            true,
          ),
        ],
      }),
    ]);
  });

  it('teams-request.eml: Teams meeting via Exchange Online, Pacific Standard Time after the November switch', async () => {
    const { result, payload } = await invitesOf('teams-request.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '040000008200E00074C5B7101A82E00800000000C3D4E5F6A7B8DC010000000000000000100000005A6B7C8D9E0F1A2B3C4D5E6F7A8B9C0D',
        status: 'CONFIRMED',
        summary: 'Interview loop debrief',
        description: payload.invites[0]?.description ?? null,
        location: 'Microsoft Teams Meeting',
        start: '2026-11-02T17:00:00.000Z',
        end: '2026-11-02T17:30:00.000Z',
        timezone: 'America/Los_Angeles',
        organizer: { name: 'Priya Raman', email: 'priya.raman@example.org' },
        attendees: [
          attendee('casper+hiring@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('sam.lee@example.org', 'Sam Lee', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
    expect(payload.invites[0]?.description).toContain('Microsoft Teams meeting\nJoin on your computer');
    expect(payload.invites[0]?.description).toContain('https://teams.example.com/l/meetup-join/');
  });

  it('zoom-exchange-custom-tz.eml: custom "GMT -0500 (Standard) / GMT -0400 (Daylight)" TZID, 8bit UTF-8 without charset', async () => {
    const { result, payload } = await invitesOf('zoom-exchange-custom-tz.eml');
    expectRoutedCleanly(result, payload);
    const [zoom] = payload.invites;
    expect(payload.invites).toHaveLength(1);
    expect(zoom?.description).toContain('Anaïs Ledoux vous invite à une réunion Zoom planifiée.');
    const zone = zoom?.timezone ?? null;
    // No IANA name can be read off this TZID; if one is inferred it must agree with the offset.
    expect(zone === null || DateTime.fromISO('2026-09-17T17:30:00Z', { zone }).offset === -240).toBe(true);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '040000008200E00074C5B7101A82E00800000000E043CD87B486DC0100000000000000001000000078A1B2C3D4E5F60718293A4B5C6D7E8F',
        status: 'CONFIRMED',
        summary: 'Table de travail – volet administratif',
        description: zoom?.description ?? null,
        location: 'https://example.zoom.example.net/j/98765432109',
        start: '2026-09-17T17:30:00.000Z',
        end: '2026-09-17T19:30:00.000Z',
        timezone: zone,
        rrule: 'FREQ=WEEKLY;UNTIL=20261217T183000Z;INTERVAL=1;BYDAY=TH;WKST=SU',
        organizer: { name: 'Gagnon, Marc (Directeur)', email: 'Marc.Gagnon@example.org' },
        attendees: [
          attendee('anais.ledoux@example.org', 'Ledoux, Anaïs', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('casper+admin@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('zoom-salle3@example.org', 'Zoom Salle 3', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
  });
});

describe('Apple, Mozilla, Lotus Notes, Evolution', () => {
  it('apple-ios-reply.eml: REPLY with PARTSTAT=ACCEPTED', async () => {
    const { result, payload } = await invitesOf('apple-ios-reply.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REPLY',
        uid: '9B3F2C1A-4D5E-4F60-8A7B-1C2D3E4F5A6B',
        summary: 'Design review',
        start: '2026-12-10T09:30:00.000Z',
        end: '2026-12-10T11:00:00.000Z',
        timezone: 'Europe/Berlin',
        organizer: { name: 'Casper', email: 'casper+design@example.com' },
        attendees: [attendee('chloe.dubois@example.org', 'Chloé Dubois', null, 'ACCEPTED', false)],
      }),
    ]);
  });

  it('thunderbird-request.eml: Lightning REQUEST, inline part plus invite.ics, New York after the March switch', async () => {
    const { result, payload } = await invitesOf('thunderbird-request.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '6f1b2d3c-8e9a-4b7c-a5d4-3e2f1a0b9c8d',
        summary: 'Board prep — draft review',
        description: 'Agenda in the shared folder.\nPlease bring the Q4 numbers.',
        location: 'Room 5C',
        url: 'https://meet.example.net/board-prep',
        start: '2026-03-10T13:00:00.000Z',
        end: '2026-03-10T14:30:00.000Z',
        timezone: 'America/New_York',
        organizer: { name: 'Dana Whitfield', email: 'dana@example.net' },
        attendees: [
          attendee('dana@example.net', 'Dana Whitfield', 'CHAIR', 'ACCEPTED', true),
          attendee('casper+board@example.com', null, 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
          attendee('projector2@example.net', 'Projector 2', 'NON-PARTICIPANT', 'NEEDS-ACTION', false),
        ],
      }),
    ]);
  });

  it('thunderbird-attached-ics.eml: application/x-extension-ics export without METHOD; its VTODO is no invite', async () => {
    const { result, payload } = await invitesOf('thunderbird-attached-ics.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        uid: '0e3c9b52-6a1d-4e7f-b8c2-5d4a3f2e1b0c',
        summary: 'Piano tuning',
        location: 'Gemeindesaal, Lindenstraße 4',
        start: '2026-12-10T09:00:00.000Z',
        end: '2026-12-10T10:30:00.000Z',
        timezone: 'Europe/Berlin',
      }),
    ]);
  });

  it('lotus-notes-request.eml: Notes short TZID "W. Europe" with its VTIMEZONE', async () => {
    const { result, payload } = await invitesOf('lotus-notes-request.eml');
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: 'A1B2C3D4E5F60718C1258A5E0036F1B4-Lotus_Notes_Generated',
        summary: 'Rollout review',
        location: 'Raum 2.17',
        start: '2026-07-01T08:00:00.000Z',
        end: '2026-07-01T09:00:00.000Z',
        timezone: 'Europe/Berlin',
        organizer: { name: 'Klaus Berger/Example', email: 'klaus.berger@example.net' },
        attendees: [
          attendee('klaus.berger@example.net', 'Klaus Berger/Example', 'CHAIR', 'ACCEPTED', false),
          attendee('casper+ops@example.com', null, 'REQ-PARTICIPANT', 'NEEDS-ACTION', true),
        ],
      }),
    ]);
  });

  it('evolution-vtodo-request.eml: a VTODO request yields no invite and no warning', async () => {
    const { result, payload } = await invitesOf('evolution-vtodo-request.eml');
    expectRoutedCleanly(result, payload);
    expect(payload.invites).toEqual([]);
  });
});

describe('malformed and absent calendars', () => {
  it('broken-calendar.eml: repaired invite, warnings, still routed', async () => {
    const { result, payload } = await invitesOf('broken-calendar.eml');
    expect(result.outcome).toBe('routed');
    expect(payload.workspace).toBe('it');
    expect(payload.warnings.length).toBeGreaterThan(0);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: 'ticket-48213-visit@helpdesk.example.org',
        summary: 'On-site visit for ticket #48213',
        description: 'Technician visit, bring your badge.',
        start: '2026-12-07T08:00:00.000Z',
        end: '2026-12-07T09:00:00.000Z',
        rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE;COUNT=6',
        organizer: { name: 'TicketDesk', email: 'helpdesk@example.org' },
        attendees: [attendee('casper+it@example.com', 'Casper', 'REQ-PARTICIPANT', 'NEEDS-ACTION', true)],
      }),
    ]);
  });

  it('unparseable-calendar.eml: an HTML page in booking.ics -> no invite, a warning, still routed', async () => {
    const { result, payload } = await invitesOf('unparseable-calendar.eml');
    expect(result.outcome).toBe('routed');
    expect(payload.invites).toEqual([]);
    expect(payload.warnings.some((w) => w.includes('booking.ics'))).toBe(true);
  });

  it('pasted-calendar-text.eml: iCalendar text in a text/plain body is no invite', async () => {
    const { result, payload } = await invitesOf('pasted-calendar-text.eml');
    expectRoutedCleanly(result, payload);
    expect(payload.invites).toEqual([]);
  });
});

describe('.ics files attached to a message', () => {
  it('publish-export.ics (LF only) as text/calendar: five events, zoned, all-day, UTC with DURATION, floating', async () => {
    const { result, payload } = await run(
      messageWithCalendar(
        fixture('publish-export.ics'),
        'text/calendar; charset=utf-8; method=PUBLISH; name="office-hours.ics"',
      ),
    );
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'PUBLISH',
        uid: 'office-hours-7c1d@example.net',
        sequence: 3,
        summary: 'Office hours',
        start: '2026-11-03T14:00:00.000Z',
        end: '2026-11-03T15:00:00.000Z',
        timezone: 'America/New_York',
        rrule: 'FREQ=WEEKLY;BYDAY=TU',
        exdates: ['2026-11-24T14:00:00.000Z'],
      }),
      invite({
        method: 'PUBLISH',
        uid: 'office-hours-7c1d@example.net',
        sequence: 3,
        recurrenceId: '2026-11-10T14:00:00.000Z',
        summary: 'Office hours (late start)',
        start: '2026-11-10T16:00:00.000Z',
        end: '2026-11-10T17:00:00.000Z',
        timezone: 'America/New_York',
      }),
      invite({
        method: 'PUBLISH',
        uid: 'holiday-2026-12-25@example.net',
        summary: 'Office closed',
        start: '2026-12-25',
        end: '2026-12-26',
        allDay: true,
      }),
      invite({
        method: 'PUBLISH',
        uid: 'webinar-2026-12-15@example.net',
        status: 'TENTATIVE',
        summary: 'Webinar: year in review',
        url: 'https://events.example.net/webinar/2026',
        start: '2026-12-15T17:00:00.000Z',
        end: '2026-12-15T18:30:00.000Z',
      }),
      invite({
        method: 'PUBLISH',
        uid: 'dinner-2026-12-18@example.net',
        summary: 'Team dinner',
        location: 'Wherever we are',
        start: '2026-12-18T19:00:00',
        end: '2026-12-18T22:00:00',
      }),
    ]);
  });

  const LATIN1_INVITE = invite({
    method: 'PUBLISH',
    uid: '040000008200E00074C5B7101A82E008000000004B5C6D7E8F90DC01000000000000000010000000135724680ACE13579BDF02468ACE1357',
    summary: "Déjeuner à l'hôtel de ville",
    description: 'Réservé pour 12 personnes. Coût : 25 CHF.\n',
    location: 'Salle Müller',
    start: '2026-12-08T11:00:00.000Z',
    end: '2026-12-08T12:30:00.000Z',
    organizer: { name: 'François Lefèvre', email: 'francois.lefevre@example.org' },
  });

  it('latin1-no-charset.ics as application/octet-stream named x.ics (no charset anywhere)', async () => {
    const { result, payload } = await run(
      messageWithCalendar(fixture('latin1-no-charset.ics'), 'application/octet-stream; name="x.ics"'),
    );
    expect(result.outcome).toBe('routed');
    expectInvites(payload.invites, [LATIN1_INVITE]);
  });

  it('latin1-no-charset.ics as an 8bit text/calendar part without charset', async () => {
    const { result, payload } = await run(
      messageWithCalendar(fixture('latin1-no-charset.ics'), 'text/calendar; method=PUBLISH', {
        encoding: '8bit',
      }),
    );
    expect(result.outcome).toBe('routed');
    expectInvites(payload.invites, [LATIN1_INVITE]);
  });

  it('latin1-no-charset.ics as text/calendar declaring its ISO-8859-1 charset', async () => {
    const { result, payload } = await run(
      messageWithCalendar(
        fixture('latin1-no-charset.ics'),
        'text/calendar; charset=ISO-8859-1; method=PUBLISH',
      ),
    );
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [LATIN1_INVITE]);
  });

  it('bom.ics as application/ics: BOM dropped, Windows TZID without VTIMEZONE resolved', async () => {
    const { result, payload } = await run(
      messageWithCalendar(fixture('bom.ics'), 'application/ics; name="booking.ics"', {
        filename: 'booking.ics',
      }),
    );
    expectRoutedCleanly(result, payload);
    expectInvites(payload.invites, [
      invite({
        method: 'REQUEST',
        uid: '8d1f3b2a-5c4e-4d6f-9a8b-7c6d5e4f3a2b@booking.example.com',
        status: 'CONFIRMED',
        summary: 'Übergabe Schlüssel Büro 3',
        start: '2026-12-10T09:00:00.000Z',
        end: '2026-12-10T09:30:00.000Z',
        timezone: 'Europe/Berlin',
        organizer: { name: 'Buchungssystem', email: 'noreply@booking.example.com' },
        attendees: [attendee('casper+facilities@example.com', 'Casper', null, null, true)],
      }),
    ]);
  });

  it('owa-display-name-tzids.ics as application/x-extension-ics named invite.ics: display-name TZIDs, no VTIMEZONE', async () => {
    const { result, payload } = await run(
      messageWithCalendar(
        fixture('owa-display-name-tzids.ics'),
        'application/x-extension-ics; name="invite.ics"',
        { filename: 'invite.ics' },
      ),
    );
    expectRoutedCleanly(result, payload);
    expect(payload.invites.map((i) => [i.uid, i.start, i.end, i.timezone])).toEqual([
      [
        'owa-7a1b2c3d-berlin@example.net',
        '2026-07-01T08:00:00.000Z',
        '2026-07-01T09:00:00.000Z',
        'Europe/Berlin',
      ],
      [
        'owa-7a1b2c3d-paris@example.net',
        '2026-12-10T09:00:00.000Z',
        '2026-12-10T11:00:00.000Z',
        'Europe/Paris',
      ],
      [
        'owa-7a1b2c3d-brasilia@example.net',
        '2026-01-15T13:00:00.000Z',
        '2026-01-15T14:00:00.000Z',
        'America/Sao_Paulo',
      ],
      [
        'owa-7a1b2c3d-sydney@example.net',
        '2026-01-14T22:30:00.000Z',
        '2026-01-14T23:30:00.000Z',
        'Australia/Sydney',
      ],
    ]);
    expect(payload.invites.map((i) => i.summary)).toEqual([
      'Sommerfest Planung',
      'Comité de direction',
      'Reunião trimestral',
      'Quarterly sync (Sydney)',
    ]);
  });

  it('exchange-allday-moved.ics as text/calendar: all-day series plus its moved instance', async () => {
    const { result, payload } = await run(
      messageWithCalendar(
        fixture('exchange-allday-moved.ics'),
        'text/calendar; charset="utf-8"; method=PUBLISH',
      ),
    );
    expectRoutedCleanly(result, payload);
    const uid =
      '040000008200E00074C5B7101A82E00800000000F1E2D3C4B5A6DC01000000000000000010000000FEDCBA9876543210FEDCBA9876543210';
    const [series, moved] = payload.invites;
    expect(payload.invites).toHaveLength(2);
    // Exchange writes the all-day occurrence's RECURRENCE-ID as local midnight in its zone;
    // either reading names 26 February.
    expect(['2026-02-26', '2026-02-25T23:00:00.000Z']).toContain(moved?.recurrenceId);
    const common = {
      method: 'PUBLISH',
      uid,
      status: 'CONFIRMED',
      summary: 'Team offsite day',
      description: '\n',
      allDay: true,
    };
    expectInvites(
      [series!],
      [
        invite({
          ...common,
          start: '2026-02-19',
          end: '2026-02-20',
          rrule: 'FREQ=WEEKLY;UNTIL=20260330T220000Z;INTERVAL=1;BYDAY=TH;WKST=MO',
        }),
      ],
    );
    expectInvites(
      [moved!],
      [
        invite({
          ...common,
          recurrenceId: moved?.recurrenceId ?? null,
          start: '2026-02-27',
          end: '2026-02-28',
        }),
      ],
    );
  });

  it('accepts an upper-case .ICS name on application/octet-stream with the name only in Content-Disposition', async () => {
    const { payload } = await run(
      messageWithCalendar(fixture('bom.ics'), 'application/octet-stream', { filename: 'MEETING.ICS' }),
    );
    expect(payload.invites.map((i) => i.uid)).toEqual([
      '8d1f3b2a-5c4e-4d6f-9a8b-7c6d5e4f3a2b@booking.example.com',
    ]);
  });

  it('ignores a non-calendar attachment even when it holds iCalendar text', async () => {
    const { payload } = await run(
      messageWithCalendar(fixture('bom.ics'), 'text/plain; charset=utf-8; name="notes.txt"', {
        filename: 'notes.txt',
      }),
    );
    expect(payload.invites).toEqual([]);
  });
});

describe('huge calendars in a message', () => {
  it('reports at most MAX_INVITES of a 5,000-event export, with a warning, and routes the message', async () => {
    const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Example//Export//EN', 'METHOD:PUBLISH'];
    for (let i = 0; i < 5000; i++)
      lines.push(
        'BEGIN:VEVENT',
        `UID:bulk-${i}@example.net`,
        'DTSTAMP:20261201T000000Z',
        `DTSTART:2026${String(1 + (i % 12)).padStart(2, '0')}15T100000Z`,
        `SUMMARY:Bulk ${i}`,
        'END:VEVENT',
      );
    lines.push('END:VCALENDAR', '');
    const { result, payload } = await run(
      messageWithCalendar(Buffer.from(lines.join('\r\n')), 'text/calendar; charset=utf-8; name="export.ics"'),
    );
    expect(result.outcome).toBe('routed');
    expect(payload.invites).toHaveLength(MAX_INVITES);
    expect(payload.warnings.length).toBeGreaterThan(0);
  });
});
