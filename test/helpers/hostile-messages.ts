/**
 * A deterministic corpus of hostile raw messages for the hostile-input fault suite: broken MIME,
 * lying charsets, invalid bytes, absurd sizes and nesting, broken calendars. Everything is built
 * in memory from a seeded PRNG; nothing is committed as a fixture.
 */

export interface HostileMessage {
  /** Unique, human-readable: what is wrong with the message. */
  readonly label: string;
  readonly raw: Buffer;
  /** The Message-ID written into the headers, or null when the message has no (usable) headers. */
  readonly messageId: string | null;
  /** Which tenant's mailbox it goes to: `bulk` has a raised size limit (the 100k-VEVENT calendar). */
  readonly target: 'main' | 'bulk';
  /** Expected to be refused by the size limit (bigger than the main tenant's maxMessageBytes). */
  readonly oversized?: boolean;
}

export interface HostileOptions {
  /** The routed recipient, e.g. `casper+hostile@example.com`. */
  readonly to: string;
  /** The recipient of the `bulk` messages. */
  readonly bulkTo: string;
  readonly seed?: number;
  /** At least this many messages (default 220). */
  readonly count?: number;
  /** The main tenant's maxMessageBytes; the oversized message is 1.5 times it (default 2 MB). */
  readonly maxMessageBytes?: number;
}

const CRLF = '\r\n';

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Part = string | Buffer;

function join(parts: readonly Part[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

export function hostileMessages(options: HostileOptions): HostileMessage[] {
  const rand = prng(options.seed ?? 0xc0ffee);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const randomBytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const maxBytes = options.maxMessageBytes ?? 2 * 1024 * 1024;
  const out: HostileMessage[] = [];
  let seq = 0;

  const idFor = (label: string): string => `<hostile-${seq}-${label.replace(/[^a-z0-9-]/gi, '')}@example.org>`;

  /** Standard headers (CRLF-terminated lines), then the given extra header lines. */
  const headers = (id: string, extra: readonly Part[] = [], to = options.to): Part[] => [
    `From: Mallory <mallory@example.org>${CRLF}`,
    `To: ${to}${CRLF}`,
    `Subject: hostile ${id}${CRLF}`,
    `Date: Fri, 04 Dec 2026 10:00:00 +0000${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    `MIME-Version: 1.0${CRLF}`,
    ...extra,
  ];

  const add = (
    label: string,
    build: (id: string) => Part[],
    opts: { messageId?: boolean; target?: 'main' | 'bulk'; oversized?: boolean } = {},
  ): void => {
    seq++;
    const id = idFor(label);
    out.push({
      label: `${String(seq).padStart(3, '0')}-${label}`,
      raw: join(build(id)),
      messageId: opts.messageId === false ? null : id,
      target: opts.target ?? 'main',
      ...(opts.oversized ? { oversized: true } : {}),
    });
  };

  // ---- building blocks -------------------------------------------------------------------
  const b64 = (buf: Buffer): string => (buf.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);

  const wellFormedMultipart = (id: string): Part[] => {
    const boundary = `b-${int(1e9)}`;
    return [
      ...headers(id, [`Content-Type: multipart/mixed; boundary="${boundary}"${CRLF}`]),
      CRLF,
      `--${boundary}${CRLF}`,
      `Content-Type: text/plain; charset=utf-8${CRLF}`,
      `Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
      `Hello =C3=A9t=C3=A9, this is a normal body.${CRLF}`,
      `--${boundary}${CRLF}`,
      `Content-Type: text/html; charset=utf-8${CRLF}${CRLF}`,
      `<html><body><p>Hello <b>there</b></p></body></html>${CRLF}`,
      `--${boundary}${CRLF}`,
      `Content-Type: application/octet-stream; name="blob.bin"${CRLF}`,
      `Content-Disposition: attachment; filename="blob.bin"${CRLF}`,
      `Content-Transfer-Encoding: base64${CRLF}${CRLF}`,
      b64(randomBytes(2000 + int(6000))),
      CRLF,
      `--${boundary}${CRLF}`,
      `Content-Type: text/calendar; method=REQUEST; charset=utf-8${CRLF}${CRLF}`,
      calendar([vevent(`uid-${id}`, 'DTSTART:20261210T150000Z', 'DTEND:20261210T160000Z')]),
      `--${boundary}--${CRLF}`,
    ];
  };

  const calendar = (events: readonly string[], extra: readonly string[] = []): string =>
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//hostile//EN',
      'METHOD:REQUEST',
      ...extra,
      ...events,
      'END:VCALENDAR',
      '',
    ].join(CRLF);

  const vevent = (uid: string, ...props: string[]): string =>
    [
      'BEGIN:VEVENT',
      `UID:${uid}`,
      'DTSTAMP:20261204T100000Z',
      'SUMMARY:Hostile meeting',
      'ORGANIZER;CN=Mallory:mailto:mallory@example.org',
      `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${options.to}`,
      ...props,
      'END:VEVENT',
    ].join(CRLF);

  const single = (id: string, contentType: string, body: Part, extra: readonly Part[] = []): Part[] => [
    ...headers(id, [`Content-Type: ${contentType}${CRLF}`, ...extra]),
    CRLF,
    body,
  ];

  const calendarMessage = (id: string, ics: Part): Part[] =>
    single(id, 'text/calendar; method=REQUEST; charset=utf-8', ics);

  // ---- truncated MIME ---------------------------------------------------------------------
  for (let i = 0; i < 6; i++) {
    add(`truncated-mime-${i}`, (id) => {
      const full = join(wellFormedMultipart(id));
      const headerEnd = full.indexOf('\r\n\r\n');
      // After the header block (the Message-ID survives), somewhere in the body.
      const cut = headerEnd + 4 + int(full.length - headerEnd - 4);
      return [full.subarray(0, cut)];
    });
  }
  add('truncated-mid-header', (id) => {
    const full = join(wellFormedMultipart(id));
    return [full.subarray(0, full.indexOf('MIME-Version') + 5)];
  });
  add('truncated-mid-base64-no-closing', (id) => {
    const full = join(wellFormedMultipart(id));
    return [full.subarray(0, full.indexOf('Content-Transfer-Encoding: base64') + 200)];
  });

  // ---- boundaries -------------------------------------------------------------------------
  add('boundary-missing-param', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed${CRLF}`]),
    CRLF,
    `--x${CRLF}Content-Type: text/plain${CRLF}${CRLF}hello${CRLF}--x--${CRLF}`,
  ]);
  add('boundary-empty-param', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary=""${CRLF}`]),
    CRLF,
    `--${CRLF}Content-Type: text/plain${CRLF}${CRLF}hello${CRLF}----${CRLF}`,
  ]);
  add('boundary-wrong', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary="declared"${CRLF}`]),
    CRLF,
    `--actual${CRLF}Content-Type: text/plain${CRLF}${CRLF}hello${CRLF}--actual--${CRLF}`,
  ]);
  add('boundary-no-closing', (id) => [
    ...headers(id, [`Content-Type: multipart/alternative; boundary="b1"${CRLF}`]),
    CRLF,
    `--b1${CRLF}Content-Type: text/plain${CRLF}${CRLF}hello${CRLF}--b1${CRLF}Content-Type: text/html${CRLF}${CRLF}<p>hi`,
  ]);
  add('boundary-mismatched-closing', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary="b1"${CRLF}`]),
    CRLF,
    `--b1${CRLF}Content-Type: text/plain${CRLF}${CRLF}hello${CRLF}--b2--${CRLF}trailing junk${CRLF}`,
  ]);
  add('boundary-nested-same-as-parent', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary="same"${CRLF}`]),
    CRLF,
    `--same${CRLF}Content-Type: multipart/alternative; boundary="same"${CRLF}${CRLF}`,
    `--same${CRLF}Content-Type: text/plain${CRLF}${CRLF}inner${CRLF}--same--${CRLF}`,
    `--same${CRLF}Content-Type: text/plain${CRLF}${CRLF}outer${CRLF}--same--${CRLF}`,
  ]);
  add('boundary-70-plus-chars-and-specials', (id) => {
    const b = `${'x'.repeat(300)}()<>@,;:\\"/[]?= `;
    return [
      ...headers(id, [`Content-Type: multipart/mixed; boundary="${b.replace(/"/g, '')}"${CRLF}`]),
      CRLF,
      `--${b}${CRLF}Content-Type: text/plain${CRLF}${CRLF}hello${CRLF}--${b}--${CRLF}`,
    ];
  });
  add('boundary-only-preamble', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary="never"${CRLF}`]),
    CRLF,
    `just a preamble, no parts at all${CRLF}`,
  ]);
  add('boundary-10000-empty-parts', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary="e"${CRLF}`]),
    CRLF,
    `--e${CRLF}${CRLF}`.repeat(10_000),
    `--e--${CRLF}`,
  ]);

  // ---- transfer encodings -----------------------------------------------------------------
  const badBase64 = ['!!!@@@###$$$', 'SGVsbG8', 'SGVs=bG8=====', '====', 'ZZZ\u0000ZZZ', '\u00ff\u00fe\u00fd', 'QUJD\r\n-----\r\nREVG'];
  badBase64.forEach((body, i) =>
    add(`bad-base64-${i}`, (id) => single(id, 'text/plain; charset=utf-8', `${body}${CRLF}`, [`Content-Transfer-Encoding: base64${CRLF}`])),
  );
  add('bad-base64-attachment-huge-line', (id) =>
    single(id, 'application/pdf; name="x.pdf"', `${'A'.repeat(500_000)}*${'B'.repeat(3)}${CRLF}`, [
      `Content-Transfer-Encoding: base64${CRLF}`,
      `Content-Disposition: attachment; filename="x.pdf"${CRLF}`,
    ]),
  );
  const badQp = ['=ZZ=QQ=', 'soft break at end =', '=\r\n=\r\n=\r\n=', '=3', `${'=41'.repeat(100_000)}`, '=E9=E8 latin1 in utf-8 =FF=FE', `${'x'.repeat(20_000)}=\r\n`];
  badQp.forEach((body, i) =>
    add(`bad-qp-${i}`, (id) => single(id, 'text/plain; charset=utf-8', `${body}${CRLF}`, [`Content-Transfer-Encoding: quoted-printable${CRLF}`])),
  );
  add('unknown-transfer-encoding', (id) => single(id, 'text/plain', `hello${CRLF}`, [`Content-Transfer-Encoding: x-rot13-gzip${CRLF}`]));
  add('uuencode-transfer-encoding-garbage', (id) => single(id, 'text/plain', `begin 644 x${CRLF}M@@@@${CRLF}end${CRLF}`, [`Content-Transfer-Encoding: x-uuencode${CRLF}`]));

  // ---- charsets ---------------------------------------------------------------------------
  add('charset-utf8-but-latin1', (id) => single(id, 'text/plain; charset=utf-8', Buffer.from('caf\u00e9 na\u00efve \u00e0 la cr\u00e8me\r\n', 'latin1')));
  add('charset-utf8-but-latin1-html', (id) => single(id, 'text/html; charset=utf-8', Buffer.from('<p>\u00e9\u00e8\u00ea\u00eb</p>\r\n', 'latin1')));
  add('charset-iso2022jp-garbage', (id) => single(id, 'text/plain; charset=iso-2022-jp', join(['\u001b$B', randomBytes(400), '\u001b(B\u001b$@\u001b', CRLF])));
  add('charset-iso2022jp-garbage-qp', (id) => single(id, 'text/plain; charset=iso-2022-jp', `=1B$B=FF=FE=00=1B(J${CRLF}`, [`Content-Transfer-Encoding: quoted-printable${CRLF}`]));
  add('charset-x-unknown', (id) => single(id, 'text/plain; charset=x-unknown-charset', `hello ${randomBytes(50).toString('latin1')}${CRLF}`));
  add('charset-empty', (id) => single(id, 'text/plain; charset=', `hello${CRLF}`));
  add('charset-utf16-odd-bytes', (id) => single(id, 'text/plain; charset=utf-16', join([randomBytes(101), CRLF])));
  add('charset-utf7-garbage', (id) => single(id, 'text/plain; charset=utf-7', `+AGEAYgBj-+ZZZ-+!!!${CRLF}`));
  add('charset-huge-name', (id) => single(id, `text/plain; charset=${'x'.repeat(10_000)}`, `hello${CRLF}`));
  add('encoded-word-garbage', (id) => [
    `From: =?utf-8?B?!!!!?= <mallory@example.org>${CRLF}`,
    `To: ${options.to}${CRLF}`,
    `Subject: =?x-unknown?Q?abc?= =?utf-8?Q?=FF=FE?= =?iso-2022-jp?B?GyRCJCIkJCQmGyhC?= =?utf-8?B?${'!'.repeat(5000)}?=${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    `Content-Type: text/plain; charset=utf-8${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('rfc2231-filename-garbage', (id) => [
    ...headers(id, [`Content-Type: multipart/mixed; boundary="z"${CRLF}`]),
    CRLF,
    `--z${CRLF}Content-Type: application/octet-stream${CRLF}`,
    `Content-Disposition: attachment; filename*0*=x-unknown''%FF%FE; filename*1*=%ZZ; filename*99=late${CRLF}${CRLF}data${CRLF}--z--${CRLF}`,
  ]);

  // ---- invalid UTF-8 and NUL bytes --------------------------------------------------------
  add('invalid-utf8-subject', (id) => [
    `From: Mallory <mallory@example.org>${CRLF}`,
    `To: ${options.to}${CRLF}`,
    join(['Subject: ', Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe]), CRLF]),
    `Message-ID: ${id}${CRLF}`,
    `Content-Type: text/plain; charset=utf-8${CRLF}`,
    CRLF,
    join([Buffer.from([0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xf8, 0x88, 0x80, 0x80, 0x80]), CRLF]),
  ]);
  add('invalid-utf8-from-name', (id) => [
    join(['From: ', Buffer.from([0xff, 0xfe, 0xc0, 0x80]), ' <mallory@example.org>', CRLF]),
    `To: ${options.to}${CRLF}`,
    `Subject: x${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('nul-in-subject', (id) => [
    `From: Mallory <mallory@example.org>${CRLF}`,
    `To: ${options.to}${CRLF}`,
    `Subject: before\u0000after${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('nul-in-to', (id) => [
    `From: Mallory <mallory@example.org>${CRLF}`,
    `To: ${options.to.replace('@', '\u0000@')}, ${options.to}${CRLF}`,
    `Subject: nul in to${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('nul-in-body', (id) => single(id, 'text/plain; charset=utf-8', `hello\u0000\u0000world${'\u0000'.repeat(1000)}${CRLF}`));
  add('nul-in-html-body', (id) => single(id, 'text/html', `<p>a\u0000b</p><script>\u0000</script>${CRLF}`));
  add('nul-in-header-name', (id) => [...headers(id, [`X-Ev\u0000il: yes${CRLF}`, `\u0000: nothing${CRLF}`]), CRLF, `body${CRLF}`]);
  add('random-bytes-body', (id) => single(id, 'text/plain; charset=utf-8', randomBytes(20_000)));
  add('bare-cr-and-lf-mix', (id) => [
    `From: m@example.org\r`,
    `To: ${options.to}\n`,
    `Message-ID: ${id}\r\n`,
    `Subject: mixed\n\r`,
    `\r\nbody\rmore\nlines\r\r\n`,
  ]);

  // ---- sizes and counts --------------------------------------------------------------------
  add('headers-10000', (id) => [
    ...headers(id, Array.from({ length: 10_000 }, (_, i) => `X-Junk-${i}: ${'v'.repeat(int(20))}${CRLF}`)),
    `Content-Type: text/plain${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('headers-10000-received', (id) => [
    ...Array.from({ length: 10_000 }, (_, i) => `Received: from h${i}.example.org by mx for <${options.to}>; Fri, 04 Dec 2026 10:00:00 +0000${CRLF}`),
    ...headers(id),
    CRLF,
    `body${CRLF}`,
  ]);
  add('header-1mb-single-line', (id) => [...headers(id, [`X-Long: ${'a'.repeat(1024 * 1024)}${CRLF}`]), CRLF, `body${CRLF}`]);
  add('subject-1mb-single-line', (id) => [
    `From: Mallory <mallory@example.org>${CRLF}`,
    `To: ${options.to}${CRLF}`,
    `Subject: ${'s'.repeat(1024 * 1024)}${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('to-5000-recipients', (id) => [
    `From: Mallory <mallory@example.org>${CRLF}`,
    `To: ${Array.from({ length: 5000 }, (_, i) => `u${i}@example.net`).join(', ')}, ${options.to}${CRLF}`,
    `Subject: many recipients${CRLF}`,
    `Message-ID: ${id}${CRLF}`,
    CRLF,
    `body${CRLF}`,
  ]);
  add('body-single-line-1mb', (id) => single(id, 'text/plain', `${'w'.repeat(1024 * 1024)}${CRLF}`));
  add('nested-multipart-200', (id) => {
    const parts: Part[] = [...headers(id, [`Content-Type: multipart/mixed; boundary="n0"${CRLF}`]), CRLF];
    for (let d = 0; d < 200; d++) parts.push(`--n${d}${CRLF}Content-Type: multipart/mixed; boundary="n${d + 1}"${CRLF}${CRLF}`);
    parts.push(`--n200${CRLF}Content-Type: text/plain${CRLF}${CRLF}deepest${CRLF}--n200--${CRLF}`);
    for (let d = 199; d >= 0; d--) parts.push(`--n${d}--${CRLF}`);
    return parts;
  });
  add('nested-multipart-200-unclosed', (id) => {
    const parts: Part[] = [...headers(id, [`Content-Type: multipart/mixed; boundary="m0"${CRLF}`]), CRLF];
    for (let d = 0; d < 200; d++) parts.push(`--m${d}${CRLF}Content-Type: multipart/related; boundary="m${d + 1}"${CRLF}${CRLF}`);
    parts.push(`--m200${CRLF}Content-Type: text/plain${CRLF}${CRLF}deepest${CRLF}`);
    return parts;
  });
  add('nested-rfc822-200', (id) => {
    let inner = `From: deep@example.org${CRLF}Subject: deepest${CRLF}Content-Type: text/plain${CRLF}${CRLF}deepest${CRLF}`;
    for (let d = 0; d < 199; d++) inner = `From: d${d}@example.org${CRLF}Subject: level ${d}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${inner}`;
    return [...headers(id, [`Content-Type: message/rfc822${CRLF}`]), CRLF, inner];
  });
  add('nested-rfc822-200-in-multipart', (id) => {
    let inner = `Subject: deepest${CRLF}Content-Type: text/plain${CRLF}${CRLF}deepest${CRLF}`;
    for (let d = 0; d < 199; d++) {
      inner = `Subject: level ${d}${CRLF}Content-Type: multipart/mixed; boundary="r${d}"${CRLF}${CRLF}--r${d}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${inner}--r${d}--${CRLF}`;
    }
    return [...headers(id, [`Content-Type: message/rfc822${CRLF}`]), CRLF, inner];
  });
  add('zero-byte', () => [], { messageId: false });
  add('blank-line-only', () => [CRLF], { messageId: false });
  add('whitespace-only', () => [`   \r\n\t\r\n\r\n`], { messageId: false });
  add('garbage-no-headers', () => [randomBytes(3000)], { messageId: false });
  add('header-only-no-blank-line', (id) => headers(id));
  add('header-only-with-blank-line', (id) => [...headers(id), CRLF]);
  add('header-only-multipart-declared', (id) => [...headers(id, [`Content-Type: multipart/mixed; boundary="x"${CRLF}`]), CRLF]);
  add('no-to-header', (id) => [`From: m@example.org${CRLF}Subject: no to${CRLF}Message-ID: ${id}${CRLF}${CRLF}body${CRLF}`]);
  add('to-garbage', (id) => [`From: <<<@@@>>>${CRLF}To: <<<@@@>>>, "unterminated${CRLF}Subject: garbage${CRLF}Message-ID: ${id}${CRLF}${CRLF}body${CRLF}`]);
  add(
    'oversized-3mb',
    (id) => single(id, 'application/octet-stream', b64(randomBytes(Math.floor((maxBytes * 1.5 * 3) / 4)))),
    { oversized: true },
  );

  // ---- calendars --------------------------------------------------------------------------
  add('calendar-broken-lines', (id) =>
    calendarMessage(
      id,
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VEVENT',
        'UID:broken-1',
        'DTSTART:2026121', // truncated value
        'this line has no colon',
        ' continuation of nothing',
        'SUMMARY;;;:=broken',
        'DTEND;TZID=:',
        'ATTENDEE;CN="unterminated:mailto:x@example.org',
        'END:VEVENT',
        '', // no END:VCALENDAR
      ].join(CRLF),
    ),
  );
  add('calendar-bare-lf-and-bad-folding', (id) =>
    calendarMessage(id, 'BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:lf\nDTSTART:20261210T150000Z\n\tSUMMARY:x\n \n  \nEND:VEVENT\nEND:VCALENDAR'),
  );
  add('calendar-unbalanced-begin-end', (id) =>
    calendarMessage(id, calendar([`BEGIN:VEVENT${CRLF}BEGIN:VEVENT${CRLF}BEGIN:VALARM${CRLF}UID:x${CRLF}END:VTODO`])),
  );
  add('calendar-garbage-bytes', (id) => calendarMessage(id, join(['BEGIN:VCALENDAR\r\n', randomBytes(5000), '\r\nEND:VCALENDAR\r\n'])));
  add('calendar-empty', (id) => calendarMessage(id, ''));
  add('calendar-base64-broken', (id) =>
    single(id, 'text/calendar; method=REQUEST', `QkVHSU46VkNBTEVOREFS!!!${CRLF}`, [`Content-Transfer-Encoding: base64${CRLF}`]),
  );
  const rrules = [
    'RRULE:FREQ=SECONDLY;COUNT=999999999',
    'RRULE:FREQ=SECONDLY;INTERVAL=0',
    'RRULE:FREQ=SECONDLY;UNTIL=99991231T235959Z',
    'RRULE:FREQ=MINUTELY;BYSECOND=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59;COUNT=999999999',
    'RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
    'RRULE:FREQ=NONSENSE;COUNT=-1;INTERVAL=-5',
    'RRULE:FREQ=DAILY;BYSETPOS=0;BYDAY=99MO',
    `RRULE:FREQ=DAILY;${'BYHOUR=1;'.repeat(5000)}`,
  ];
  rrules.forEach((rule, i) =>
    add(`rrule-absurd-${i}`, (id) =>
      calendarMessage(id, calendar([vevent(`rrule-${i}`, 'DTSTART:20261210T150000Z', 'DTEND:20261210T160000Z', rule, `EXDATE:${'20261211T150000Z,'.repeat(1000)}20261212T150000Z`)])),
    ),
  );
  const tzids = ['Mars/Olympus_Mons', 'Europe/Nowhere', '', '"quoted zone"', '(GMT+99:00) Atlantis', 'x'.repeat(5000), '\u00ff\u00fe'];
  tzids.forEach((tz, i) =>
    add(`tzid-unknown-${i}`, (id) =>
      calendarMessage(id, calendar([vevent(`tz-${i}`, `DTSTART;TZID=${tz}:20261210T150000`, `DTEND;TZID=${tz}:20261210T160000`)])),
    ),
  );
  add('tzid-vtimezone-garbage', (id) =>
    calendarMessage(
      id,
      calendar(
        [vevent('tz-vt', 'DTSTART;TZID=Bogus:20261210T150000', 'DTEND;TZID=Bogus:20261210T160000')],
        ['BEGIN:VTIMEZONE', 'TZID:Bogus', 'BEGIN:STANDARD', 'TZOFFSETFROM:+9999', 'TZOFFSETTO:garbage', 'RRULE:FREQ=SECONDLY', 'END:STANDARD', 'END:VTIMEZONE'],
      ),
    ),
  );
  add('calendar-10000-vevents-inline', (id) =>
    calendarMessage(id, calendar(Array.from({ length: 10_000 }, (_, i) => `BEGIN:VEVENT${CRLF}UID:e${i}${CRLF}DTSTART:20261210T150000Z${CRLF}END:VEVENT`))),
  );
  add(
    'calendar-100000-vevents',
    (id) => [
      ...headers(id, [`Content-Type: text/calendar; method=PUBLISH; charset=utf-8${CRLF}`], options.bulkTo),
      CRLF,
      calendar(Array.from({ length: 100_000 }, (_, i) => `BEGIN:VEVENT${CRLF}UID:e${i}${CRLF}DTSTART:20261210T150000Z${CRLF}END:VEVENT`)),
    ],
    { target: 'bulk' },
  );

  // ---- variations: random combinations of mutations, random truncation --------------------
  const mutations: ((id: string) => Part[])[] = [
    (id) => wellFormedMultipart(id),
    (id) => single(id, pick(['text/plain', 'text/html', 'text/calendar']) + `; charset=${pick(['utf-8', 'x-unknown-charset', 'iso-2022-jp', 'latin1', 'utf-16le', ''])}`, randomBytes(int(4000))),
    (id) => single(id, 'text/plain; charset=utf-8', randomBytes(int(3000)), [`Content-Transfer-Encoding: ${pick(['base64', 'quoted-printable', '8bit', 'binary', 'x-bogus'])}${CRLF}`]),
    (id) => {
      const b = `v${int(1e6)}`;
      const depth = 1 + int(60);
      const parts: Part[] = [...headers(id, [`Content-Type: multipart/mixed; boundary="${b}0"${CRLF}`]), CRLF];
      for (let d = 0; d < depth; d++) parts.push(`--${b}${d}${CRLF}Content-Type: ${pick(['multipart/mixed', 'multipart/alternative', 'multipart/related'])}; boundary="${rand() < 0.8 ? b : 'wrong'}${d + 1}"${CRLF}${CRLF}`);
      parts.push(`--${b}${depth}${CRLF}Content-Type: text/plain${CRLF}${CRLF}${randomBytes(int(200)).toString('latin1')}${CRLF}`);
      if (rand() < 0.5) for (let d = depth; d >= 0; d--) parts.push(`--${b}${d}--${CRLF}`);
      return parts;
    },
    (id) => calendarMessage(id, calendar([vevent(`v-${id}`, `DTSTART;TZID=${pick(['Mars/Base', 'Europe/Berlin', 'W. Europe Standard Time', ''])}:20261210T150000`, pick(rrules), pick(['', 'DURATION:-P1D', 'DTEND:1'])).replace(/\r\n/g, rand() < 0.3 ? '\n' : '\r\n')])),
    (id) => [...headers(id, Array.from({ length: int(2000) }, () => `X-R${int(1e6)}: ${randomBytes(int(30)).toString('latin1').replace(/[\r\n]/g, ' ')}${CRLF}`)), CRLF, 'body'],
    (id) => {
      let inner = `Subject: deep${CRLF}${CRLF}deep${CRLF}`;
      const depth = 1 + int(100);
      for (let d = 0; d < depth; d++) inner = `Subject: l${d}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${inner}`;
      return [...headers(id, [`Content-Type: message/rfc822${CRLF}`]), CRLF, inner];
    },
    (id) => single(id, 'text/plain; charset=utf-8', `=?utf-8?B?${randomBytes(50).toString('base64').slice(0, 30)}?= ${Buffer.from([0xc3, 0xc3, 0x00]).toString('latin1')}${CRLF}`),
  ];
  const target = options.count ?? 220;
  let v = 0;
  while (out.length < target) {
    const i = v++;
    const base = mutations[int(mutations.length)];
    const second = mutations[int(mutations.length)];
    if (!base || !second) continue;
    const truncate = rand() < 0.5;
    const splice = rand() < 0.3;
    add(`variation-${i}${truncate ? '-truncated' : ''}${splice ? '-spliced' : ''}`, (id) => {
      let buf = join(base(id));
      if (splice) {
        // Another hostile body glued after this one (its headers become body text).
        buf = Buffer.concat([buf, Buffer.from(CRLF), join(second(id))]);
      }
      if (truncate) {
        const headerEnd = buf.indexOf('\r\n\r\n');
        const from = headerEnd >= 0 ? headerEnd + 4 : 0;
        buf = buf.subarray(0, from + int(Math.max(1, buf.length - from)));
      }
      // Random NUL / 8-bit flips in the body, never in the header block.
      if (rand() < 0.3) {
        const headerEnd = buf.indexOf('\r\n\r\n');
        buf = Buffer.from(buf);
        for (let k = 0; k < 1 + int(20); k++) {
          const at = headerEnd + 4 + int(Math.max(1, buf.length - headerEnd - 4));
          if (at < buf.length) buf[at] = pick([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x1b]);
        }
      }
      return [buf];
    });
  }
  return out;
}

/** Exported for the test's sanity check: the labels must be unique. */
export function labelsOf(messages: readonly HostileMessage[]): string[] {
  return messages.map((m) => m.label);
}
