/**
 * A real SMTP server in the test process (the `smtp-server` package) on 127.0.0.1 and an
 * ephemeral port, standing in for a tenant's mail server. It offers STARTTLS, implicit TLS or no
 * TLS at all, may require AUTH, can be scripted to refuse RCPT or DATA with any reply code, and
 * records every session step and every accepted message (envelope + raw bytes).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { simpleParser } from 'mailparser';
import type { AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type {
  SMTPServerAuthentication,
  SMTPServerDataStream,
  SMTPServerOptions,
  SMTPServerSession,
} from 'smtp-server';

import { createTlsFiles } from '../../src/devstack/tls-certificate.js';
import type { TlsFiles } from '../../src/devstack/tls-certificate.js';

export type { TlsFiles } from '../../src/devstack/tls-certificate.js';

export type SmtpTlsMode =
  /** Plain connection that offers STARTTLS (the submission port, 587). */
  | 'starttls'
  /** TLS from the first byte (465). */
  | 'implicit'
  /** Neither: STARTTLS is not advertised and the command is refused. */
  | 'none';

export interface TestSmtpOptions {
  /** Default starttls. */
  tls?: SmtpTlsMode;
  /** Certificate and key to serve; default: a fresh CA and a certificate for 127.0.0.1/localhost. */
  tlsFiles?: TlsFiles;
  /** Require AUTH (PLAIN/LOGIN) with exactly these credentials; anything else is answered 535. */
  auth?: {
    user: string;
    password: string;
    /** The 535 reply text; a function lets a test make the server echo what it was given. */
    failureText?: (username: string, password: string) => string;
  };
  /** Called for every accepted message before DATA is answered (e.g. to relay it over LMTP). */
  onMessage?: (message: ReceivedMessage) => Promise<void> | void;
}

export interface ReceivedMessage {
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly raw: Buffer;
  /** The session was encrypted (STARTTLS done or implicit TLS) when DATA arrived. */
  readonly secure: boolean;
  /** The authenticated user name, null without AUTH. */
  readonly user: string | null;
}

export interface SmtpEvent {
  readonly command: 'AUTH' | 'MAIL' | 'RCPT' | 'DATA';
  /** The reply code the server gave. */
  readonly code: number;
  readonly secure: boolean;
  /** User name for AUTH, address for MAIL/RCPT. */
  readonly detail: string;
}

export type ScriptedStage = 'rcpt' | 'data';

export interface TestSmtpServer {
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the certificate; null for a server without TLS. */
  readonly caPath: string | null;
  /** Every accepted message, in order. */
  readonly received: ReceivedMessage[];
  /** Every AUTH, MAIL, RCPT and DATA the server answered, with its reply code. */
  readonly events: SmtpEvent[];
  /** Connections accepted so far. */
  connections: number;
  /** Errors the server reported (TLS handshakes a client aborted, ...). */
  readonly errors: Error[];
  /** Answer the next RCPT (or DATA) commands with these codes, one each, then accept again. */
  replyNext(stage: ScriptedStage, ...codes: number[]): void;
  /** Answer every RCPT (or DATA) with this code until set back to null. */
  replyAlways(stage: ScriptedStage, code: number | null): void;
  /** Stops listening and drops open connections. Idempotent. */
  stop(): Promise<void>;
}

const REPLY_TEXT: Record<number, string> = {
  421: 'Service not available, closing transmission channel',
  450: 'Mailbox unavailable, try again later',
  451: 'Local error in processing, try again later',
  452: 'Insufficient system storage',
  550: 'Mailbox unavailable: no such user here',
  552: 'Message exceeds fixed maximum message size',
  554: 'Transaction failed: rejected as spam',
};

function smtpError(code: number, text?: string): Error & { responseCode: number } {
  return Object.assign(new Error(text ?? REPLY_TEXT[code] ?? `scripted reply ${code}`), {
    responseCode: code,
  });
}

function addressOf(a: SMTPServerSession['envelope']['mailFrom']): string {
  return a === false ? '' : a.address;
}

export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const mode = options.tls ?? 'starttls';
  let ownDir: string | null = null;
  let tlsFiles: TlsFiles | null = null;
  if (mode !== 'none') {
    if (options.tlsFiles) tlsFiles = options.tlsFiles;
    else {
      ownDir = await mkdtemp(path.join(os.tmpdir(), 'mail-ingest-smtp-'));
      tlsFiles = await createTlsFiles(ownDir);
    }
  }

  const received: ReceivedMessage[] = [];
  const events: SmtpEvent[] = [];
  const errors: Error[] = [];
  const queued: Record<ScriptedStage, number[]> = { rcpt: [], data: [] };
  const always: Record<ScriptedStage, number | null> = { rcpt: null, data: null };
  const scripted = (stage: ScriptedStage): number | null => queued[stage].shift() ?? always[stage];

  const serverOptions: SMTPServerOptions = {
    secure: mode === 'implicit',
    ...(tlsFiles ? { key: await readFile(tlsFiles.keyPath), cert: await readFile(tlsFiles.certPath) } : {}),
    // "none": STARTTLS neither advertised nor accepted (smtp-server still runs a hidden STARTTLS).
    hideSTARTTLS: mode === 'none',
    disabledCommands: mode === 'none' ? ['STARTTLS'] : [],
    // The server would take AUTH in clear text: whether credentials travel encrypted is the
    // client's decision, and that decision is what the tests check.
    allowInsecureAuth: true,
    authOptional: options.auth === undefined,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 500,
    onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback) {
      const username = auth.username ?? '';
      const password = auth.password ?? '';
      const expected = options.auth;
      if (expected && username === expected.user && password === expected.password) {
        events.push({ command: 'AUTH', code: 235, secure: session.secure, detail: username });
        callback(null, { user: username });
        return;
      }
      events.push({ command: 'AUTH', code: 535, secure: session.secure, detail: username });
      const text = expected?.failureText?.(username, password) ?? 'Error: authentication credentials invalid';
      callback(smtpError(535, text));
    },
    onMailFrom(address, session, callback) {
      events.push({ command: 'MAIL', code: 250, secure: session.secure, detail: address.address });
      callback();
    },
    onRcptTo(address, session, callback) {
      const code = scripted('rcpt');
      events.push({ command: 'RCPT', code: code ?? 250, secure: session.secure, detail: address.address });
      callback(code === null ? undefined : smtpError(code));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const code = scripted('data');
        events.push({ command: 'DATA', code: code ?? 250, secure: session.secure, detail: '' });
        if (code !== null) {
          callback(smtpError(code));
          return;
        }
        const message: ReceivedMessage = {
          mailFrom: addressOf(session.envelope.mailFrom),
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : null,
        };
        received.push(message);
        Promise.resolve(options.onMessage?.(message)).then(
          () => callback(null, `queued as ${received.length}`),
          (err: unknown) =>
            callback(smtpError(451, `relay failed: ${err instanceof Error ? err.message : String(err)}`)),
        );
      });
    },
  };

  const server = new SMTPServer(serverOptions);
  server.on('error', (err: Error) => errors.push(err));
  server.on('connect', () => {
    handle.connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('smtp test server has no TCP port');

  let stopping: Promise<void> | undefined;
  const handle: TestSmtpServer = {
    host: '127.0.0.1',
    port: address.port,
    caPath: tlsFiles?.caPath ?? null,
    received,
    events,
    connections: 0,
    errors,
    replyNext(stage, ...codes) {
      queued[stage].push(...codes);
    },
    replyAlways(stage, code) {
      always[stage] = code;
    },
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (ownDir) await rm(ownDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  return handle;
}

/** What a test checks in a received message, parsed with mailparser. */
export interface ParsedReceived {
  readonly from: { name: string; address: string }[];
  readonly to: { name: string; address: string }[];
  readonly cc: { name: string; address: string }[];
  readonly replyTo: { name: string; address: string }[];
  /** A Bcc header (there should never be one on the wire). */
  readonly bccHeader: string | null;
  readonly subject: string | null;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: string[];
  readonly text: string | null;
  readonly html: string | null;
  readonly attachments: {
    filename: string | null;
    contentType: string;
    content: Buffer;
    cid: string | null;
    disposition: string | null;
  }[];
  /** Any header by lower-case name, as the raw value text. */
  header(name: string): string | null;
}

function flatten(a: AddressObject | AddressObject[] | undefined): { name: string; address: string }[] {
  const list = a === undefined ? [] : Array.isArray(a) ? a : [a];
  return list.flatMap((o) => o.value.map((v) => ({ name: v.name, address: v.address ?? '' })));
}

export async function parseReceived(message: ReceivedMessage | Buffer): Promise<ParsedReceived> {
  const raw = Buffer.isBuffer(message) ? message : message.raw;
  const mail = await simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true });
  const lines = new Map<string, string>();
  for (const line of mail.headerLines) {
    if (!lines.has(line.key)) lines.set(line.key, line.line.slice(line.line.indexOf(':') + 1).trim());
  }
  return {
    from: flatten(mail.from),
    to: flatten(mail.to),
    cc: flatten(mail.cc),
    replyTo: flatten(mail.replyTo),
    bccHeader: lines.get('bcc') ?? null,
    subject: mail.subject ?? null,
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    references:
      mail.references === undefined
        ? []
        : Array.isArray(mail.references)
          ? mail.references
          : [mail.references],
    text: mail.text ?? null,
    html: typeof mail.html === 'string' ? mail.html : null,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      content: a.content,
      cid: a.cid ?? null,
      disposition: a.contentDisposition ?? null,
    })),
    header: (name) => lines.get(name.toLowerCase()) ?? null,
  };
}
