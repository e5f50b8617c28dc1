/**
 * Proves the integration-test stack (test/helpers/) is the real thing: Dovecot delivers over
 * LMTP with one Delivered-To per recipient, serves the mail over IMAPS, STARTTLS and plaintext
 * IMAP, keeps it across a restart; Redis answers and keeps AOF data across a restart; and no
 * server process outlives the stack.
 */
import { existsSync, readFileSync } from 'node:fs';

import { ImapFlow } from 'imapflow';
import type { FetchMessageObject, ImapFlowOptions } from 'imapflow';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LmtpReplyError } from '../../src/devstack/lmtp-client.js';
import { leftoverProcesses, liveChildProcesses, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const USER = 'casper@example.com';
const PASSWORD = 'correct horse battery staple';

function message(subject: string, body = 'Hello.\n'): string {
  return [
    'From: Alice <alice@example.org>',
    'To: casper+sales@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W+/g, '-')}@example.org>`,
    'Date: Thu, 03 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\n');
}

let stack: Stack;
let ca: Buffer;
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startStack({ redis: { appendonly: true } });
  dirs.push(stack.dovecot.dir, stack.redis.dir);
  ca = readFileSync(stack.dovecot.caPath);
  await stack.dovecot.addUser(USER, PASSWORD);
  await stack.dovecot.deliver(['casper+sales@example.com'], message('first'));
  await stack.dovecot.deliver(['casper+a@example.com', 'casper+b@example.com'], message('second'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  expect(leftoverProcesses()).toEqual([]);
  expect(liveChildProcesses()).toEqual([]);
  for (const dir of dirs) expect(existsSync(dir)).toBe(false);
});

type Mode = 'implicit TLS' | 'STARTTLS' | 'plaintext';

function connectionOptions(mode: Mode): Partial<ImapFlowOptions> {
  switch (mode) {
    case 'implicit TLS':
      return { port: stack.dovecot.imapsPort, secure: true, tls: { ca } };
    case 'STARTTLS':
      return { port: stack.dovecot.imapPort, secure: false, doSTARTTLS: true, tls: { ca } };
    case 'plaintext':
      return { port: stack.dovecot.imapPort, secure: false, doSTARTTLS: false };
  }
}

/** A connected, logged-in client; the caller logs out. */
async function connect(mode: Mode, user = USER, pass = PASSWORD): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: stack.dovecot.host,
    ...connectionOptions(mode),
    auth: { user, pass },
    logger: false,
  });
  // Errors also reach connect()'s rejection; without a listener an 'error' event would throw.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function inbox(client: ImapFlow): Promise<FetchMessageObject[]> {
  await client.mailboxOpen('INBOX', { readOnly: true });
  return client.fetchAll('1:*', { uid: true, flags: true, headers: ['delivered-to'] });
}

function deliveredTo(msg: FetchMessageObject): string[] {
  const headers = msg.headers?.toString('utf8') ?? '';
  return [...headers.matchAll(/^Delivered-To:\s*(.+?)\r?$/gim)].map((match) => match[1] ?? '');
}

describe('Dovecot', () => {
  it.each<Mode>(['implicit TLS', 'STARTTLS', 'plaintext'])(
    'serves the delivered mail over %s, unread, one Delivered-To per recipient',
    async (mode) => {
      const client = await connect(mode);
      try {
        expect(client.secureConnection).toBe(mode !== 'plaintext');
        const messages = await inbox(client);
        expect(messages).toHaveLength(3);
        for (const msg of messages) expect(msg.flags?.has('\\Seen')).toBe(false);
        expect(messages.map(deliveredTo)).toEqual([
          ['casper+sales@example.com'],
          ['casper+a@example.com'],
          ['casper+b@example.com'],
        ]);
        expect(await client.search({ seen: false }, { uid: true })).toHaveLength(3);
      } finally {
        await client.logout();
      }
    },
  );

  it('refuses a wrong password with imapflow authenticationFailed', async () => {
    await expect(connect('plaintext', USER, 'wrong password')).rejects.toMatchObject({
      authenticationFailed: true,
    });
  });

  it('refuses LMTP delivery to an unknown user with 550', async () => {
    const delivery = stack.dovecot.deliver(['nobody@example.com'], message('lost'));
    await expect(delivery).rejects.toBeInstanceOf(LmtpReplyError);
    await expect(delivery).rejects.toMatchObject({ reply: { code: 550 }, recipient: 'nobody@example.com' });
  });

  it('accepts a user added at runtime at once, even right after a failed lookup of it', async () => {
    const user = 'late@example.com';
    await expect(connect('plaintext', user, 'pw-1')).rejects.toMatchObject({ authenticationFailed: true });
    await stack.dovecot.addUser(user, 'pw-1');
    await stack.dovecot.deliver([user], message('late'));
    const client = await connect('plaintext', user, 'pw-1');
    await client.logout();

    await stack.dovecot.addUser(user, 'pw-2');
    await expect(connect('plaintext', user, 'pw-1')).rejects.toMatchObject({ authenticationFailed: true });
    const again = await connect('plaintext', user, 'pw-2');
    await again.logout();
  });

  it('delivers bytes as given: CRLF line ends, dot-stuffing undone, 8-bit intact', async () => {
    const user = 'dots@example.com';
    await stack.dovecot.addUser(user, PASSWORD);
    const raw = 'Subject: dots\n\n.starts with a dot\n..two dots\n.\nGrüße\r\nlast line without newline';
    await stack.dovecot.deliver([user], Buffer.from(raw, 'utf8'));
    const client = await connect('plaintext', user);
    try {
      await client.mailboxOpen('INBOX', { readOnly: true });
      const msg = await client.fetchOne('1', { source: true });
      const body = msg === false ? '' : (msg.source?.toString('utf8') ?? '');
      expect(
        body.endsWith(
          '\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nGrüße\r\nlast line without newline\r\n',
        ),
      ).toBe(true);
    } finally {
      await client.logout();
    }
  });

  it('appends over IMAP with flags', async () => {
    const user = 'append@example.com';
    await stack.dovecot.addUser(user, PASSWORD);
    const uid = await stack.dovecot.append(user, PASSWORD, message('appended'), ['\\Seen']);
    expect(uid).toBe(1);
    const client = await connect('plaintext', user);
    try {
      const [msg] = await inbox(client);
      expect(msg?.flags?.has('\\Seen')).toBe(true);
    } finally {
      await client.logout();
    }
  });

  it('notifies an IDLE client of new mail', async () => {
    const user = 'idle@example.com';
    await stack.dovecot.addUser(user, PASSWORD);
    const client = await connect('plaintext', user);
    await client.mailboxOpen('INBOX');
    const exists = new Promise<number>((resolve) => client.once('exists', (event) => resolve(event.count)));
    // Resolves when IDLE ends, here with the LOGOUT below.
    const idling = client.idle();
    try {
      await stack.dovecot.deliver([user], message('while idling'));
      expect(await exists).toBe(1);
    } finally {
      await client.logout();
      await idling;
    }
  });

  it('keeps ports, users and mail across restart(), closing open connections', async () => {
    const before = await connect('plaintext');
    const { uidValidity } = await before.mailboxOpen('INBOX', { readOnly: true });
    const closed = new Promise<void>((resolve) => before.once('close', () => resolve()));
    const ports = [stack.dovecot.imapPort, stack.dovecot.imapsPort, stack.dovecot.lmtpPort];

    await stack.dovecot.restart();
    await closed;

    expect([stack.dovecot.imapPort, stack.dovecot.imapsPort, stack.dovecot.lmtpPort]).toEqual(ports);
    const client = await connect('implicit TLS');
    try {
      const messages = await inbox(client);
      expect(messages).toHaveLength(3);
      expect(client.mailbox === false ? undefined : client.mailbox.uidValidity).toBe(uidValidity);
    } finally {
      await client.logout();
    }
  });
});

describe('Redis', () => {
  async function withClient<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    await redis.connect();
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }

  it('answers PING on its url', async () => {
    expect(stack.redis.url).toBe(`redis://127.0.0.1:${stack.redis.port}`);
    expect(await withClient((redis) => redis.ping())).toBe('PONG');
  });

  it('survives restart() on the same port, keeping append-only data', async () => {
    await withClient((redis) => redis.set('stack-test:key', 'kept'));
    await stack.redis.restart();
    expect(await withClient((redis) => redis.get('stack-test:key'))).toBe('kept');
  });
});
