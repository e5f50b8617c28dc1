/**
 * The demo's sample mail: what real clients send, addressed to the demo assistant. Each entry is
 * delivered over LMTP to its recipients (one stored copy per recipient, as Dovecot does).
 */
export interface SampleMessage {
  readonly recipients: readonly string[];
  readonly raw: string;
}

const CRLF = '\r\n';

function lines(...parts: string[]): string {
  return `${parts.join(CRLF)}${CRLF}`;
}

export function sampleMessages(mailbox: string, domain: string): SampleMessage[] {
  const at = (alias?: string): string => `${mailbox}${alias ? `+${alias}` : ''}@${domain}`;
  const base64Calendar = Buffer.from(
    lines(
      'BEGIN:VCALENDAR',
      'METHOD:REQUEST',
      'PRODID:Microsoft Exchange Server 2010',
      'VERSION:2.0',
      'BEGIN:VTIMEZONE',
      'TZID:W. Europe Standard Time',
      'BEGIN:STANDARD',
      'DTSTART:16010101T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010101T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'ORGANIZER;CN=Olga Organizer:mailto:olga@example.org',
      `ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Casper:mailto:${at('sales')}`,
      'UID:040000008200E00074C5B7101A82E00800000000DEMO0001',
      'SUMMARY;LANGUAGE=en-US:Quarterly pipeline review',
      'DTSTART;TZID=W. Europe Standard Time:20261210T150000',
      'DTEND;TZID=W. Europe Standard Time:20261210T160000',
      'LOCATION;LANGUAGE=en-US:Microsoft Teams Meeting',
      'SEQUENCE:0',
      'STATUS:CONFIRMED',
      'END:VEVENT',
      'END:VCALENDAR',
    ),
  )
    .toString('base64')
    .replace(/(.{76})/g, `$1${CRLF}`);

  return [
    {
      // Google Workspace: the alias is in To and in the Delivered-To Dovecot adds.
      recipients: [at('sales')],
      raw: lines(
        'From: Dana Buyer <dana@customer.example>',
        `To: ${at('sales')}`,
        'Subject: Quote for 40 licences',
        'Date: Fri, 04 Dec 2026 09:12:00 +0100',
        'Message-ID: <CADEMO0001@mail.gmail.com>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset="UTF-8"',
        '',
        'Hi, could you send us a quote for 40 licences? Thanks, Dana',
      ),
    },
    {
      // Microsoft 365 after a redirect rule: delivered to the bare mailbox, alias only in Cc.
      recipients: [at()],
      raw: lines(
        'From: "Lee, Sam" <sam.lee@partner.example>',
        'To: Helpdesk <helpdesk@partner.example>',
        `Cc: "Casper (Support)" <${at('support')}>`,
        'Subject: Login problem on the portal',
        'Date: Fri, 04 Dec 2026 09:30:00 +0000',
        'Message-ID: <AM0PR01MB0001DEMO@AM0PR01MB0001.eurprd01.prod.outlook.com>',
        'X-MS-Exchange-Inbox-Rules-Loop: helpdesk@partner.example',
        'X-Auto-Response-Suppress: All',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset="iso-8859-1"',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Hello, since this morning I cannot log in to the portal. Gr=FC=DFe, Sam',
      ),
    },
    {
      // One message to two workspaces: one job in each.
      recipients: [at('sales'), at('support')],
      raw: lines(
        'From: Kim Customer <kim@customer.example>',
        `To: ${at('sales')}, ${at('support')}`,
        'Subject: Renewal and an open ticket',
        'Date: Fri, 04 Dec 2026 10:00:00 +0000',
        'Message-ID: <demo-fanout-1@customer.example>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Two things: our renewal, and ticket #4711.',
      ),
    },
    {
      // Bcc only: the alias appears nowhere but in Delivered-To.
      recipients: [at('support')],
      raw: lines(
        'From: Ops Bot <noreply-ops@vendor.example>',
        'To: oncall@vendor.example',
        'Subject: Maintenance window on Saturday',
        'Date: Fri, 04 Dec 2026 10:05:00 +0000',
        'Message-ID: <demo-bcc-1@vendor.example>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Heads-up: maintenance on Saturday 02:00-04:00 UTC.',
      ),
    },
    {
      // An Outlook meeting request, base64 text/calendar with a Windows time zone.
      recipients: [at('sales')],
      raw: lines(
        'From: Olga Organizer <olga@example.org>',
        `To: ${at('sales')}`,
        'Subject: Quarterly pipeline review',
        'Date: Fri, 04 Dec 2026 10:10:00 +0000',
        'Message-ID: <DB9PR01MB0002DEMO@DB9PR01MB0002.eurprd01.prod.outlook.com>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="_000_demo_"',
        '',
        '--_000_demo_',
        'Content-Type: text/plain; charset="us-ascii"',
        '',
        'Join the quarterly pipeline review.',
        '--_000_demo_',
        'Content-Type: text/calendar; charset="utf-8"; method=REQUEST',
        'Content-Transfer-Encoding: base64',
        '',
        base64Calendar.trimEnd(),
        '--_000_demo_--',
      ),
    },
    {
      // No alias: mail to the bare mailbox goes to the unrouted queue.
      recipients: [at()],
      raw: lines(
        'From: Pat Newcomer <pat@somewhere.example>',
        `To: ${at()}`,
        'Subject: Who do I talk to about partnerships?',
        'Date: Fri, 04 Dec 2026 10:20:00 +0000',
        'Message-ID: <demo-unrouted-1@somewhere.example>',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hello, who is the right person for partnerships?',
      ),
    },
    {
      // An out-of-office reply to something the assistant sent: never routed to a workspace.
      recipients: [at('sales')],
      raw: lines(
        'From: Dana Buyer <dana@customer.example>',
        `To: ${at('sales')}`,
        'Subject: Automatic reply: Your quote',
        'Date: Fri, 04 Dec 2026 10:30:00 +0100',
        'Message-ID: <demo-ooo-1@customer.example>',
        'Auto-Submitted: auto-replied',
        'X-Auto-Response-Suppress: All',
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'I am out of the office until Monday.',
      ),
    },
  ];
}
