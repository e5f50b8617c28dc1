/**
 * A real Dovecot 2.3 (IMAP, IMAPS, LMTP) for integration tests, in a fresh temp dir on
 * 127.0.0.1 with ephemeral ports. Nothing of the system's Dovecot is used but its binaries.
 *
 * Lifecycle (one `setState`, illegal transitions throw):
 *   running ──restart()──▶ restarting ──▶ running
 *                                     └──▶ down      (the new server did not come up)
 *   running | down ──stop()──▶ stopping ──▶ stopped  (temp dir removed)
 *
 * Running as root (as CI does) Dovecot wants its own unprivileged users: the Debian package's
 * `dovecot` (internal processes) and `dovenull` (login processes). Mail cannot be owned by
 * root (the userdb may not return uid 0), so it belongs to nobody:nogroup and the mail folder
 * is world-writable with the sticky bit, like /tmp. Run as an ordinary user, everything runs
 * as that user and nothing chroots.
 */
import { execFile } from 'node:child_process';
import { constants, readFileSync } from 'node:fs';
import { access, chmod, mkdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

import { appendMessage } from '../imap/append.js';

import { renderDovecotConfig } from './dovecot-config.js';
import { deliverOverLmtp } from './lmtp-client.js';
import type { LmtpDeliveryOptions } from './lmtp-client.js';
import { freePorts, LOOPBACK, startOnFreePorts } from './ports.js';
import { spawnServer } from './processes.js';
import type { ServerProcess } from './processes.js';
import { makeTempDir } from './temp-dir.js';
import type { TempDir } from './temp-dir.js';
import { createTlsFiles } from './tls-certificate.js';
import { sleep } from './wait-for.js';
import { ServerLifecycle } from './server-state.js';

const run = promisify(execFile);
const DOVECOT_BIN = '/usr/sbin/dovecot';
/** Attempts with fresh ports when another process took one of ours between probe and bind. */
const PORT_ATTEMPTS = 3;
const PROBE_TIMEOUT_MS = 1_000;
// Dovecot's auth_username_chars default: a user name with anything else is refused at login.
const USER_NAME = /^[a-z0-9._@-]+$/;

export interface DovecotOptions {
  /** Seconds between the "* OK Still here" lines Dovecot sends during IDLE; default 10. */
  idleNotifyIntervalS?: number;
  /** How long start and restart wait for the listeners to greet; default 20000. */
  startTimeoutMs?: number;
}

export interface AppendOptions {
  /** Default INBOX. */
  mailbox?: string;
  /** The INTERNALDATE to store; default now. */
  internalDate?: Date;
}

export interface DovecotServer {
  /** The server's process id, also its process group's (CPU accounting in the bench). */
  readonly pid: number;
  readonly host: string;
  /** Plain IMAP; offers STARTTLS and also accepts plaintext LOGIN. */
  readonly imapPort: number;
  /** IMAP over implicit TLS. */
  readonly imapsPort: number;
  readonly lmtpPort: number;
  /** PEM of the CA that signed the server certificate (for localhost and 127.0.0.1). */
  readonly caPath: string;
  /** The server's temp dir: config, log, TLS files, users, maildirs. */
  readonly dir: string;
  /** Creates the user, or changes its password; effective for the next login. */
  addUser(email: string, password: string): Promise<void>;
  /** Real LMTP delivery, one transaction per recipient (each gets its own Delivered-To). */
  deliver(recipients: readonly string[], raw: string | Buffer, options?: LmtpDeliveryOptions): Promise<void>;
  /** IMAP APPEND as the user; resolves with the new message's UID. */
  append(
    user: string,
    password: string,
    raw: string | Buffer,
    flags?: string[],
    options?: AppendOptions,
  ): Promise<number | undefined>;
  /** Stops Dovecot and starts it again on the same ports with the same users and mail. */
  /** `downMs`: stay down this long before starting again (outage tests). */
  restart(options?: { downMs?: number }): Promise<void>;
  /** The last lines of the Dovecot log (plus anything it printed), for failure messages. */
  logTail(lines?: number): string;
  /** Stops Dovecot and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export class DovecotStartError extends Error {
  readonly code = 'DOVECOT_START';
}

interface Layout {
  tempDir: TempDir;
  dir: string;
  confPath: string;
  logPath: string;
  usersDir: string;
  caPath: string;
}

export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotServer> {
  try {
    await access(DOVECOT_BIN, constants.X_OK);
  } catch (err) {
    throw new DovecotStartError(`${DOVECOT_BIN} missing: install dovecot-imapd and dovecot-lmtpd`, {
      cause: err,
    });
  }
  const tempDir = await makeTempDir('mail-ingest-dovecot-');
  try {
    const layout = await prepareDir(tempDir, options);
    return await startOnFreePorts(
      PORT_ATTEMPTS,
      async () => {
        const ports = await pickPorts();
        await writeFile(layout.confPath, layout.renderConfig(ports));
        const proc = await launch(layout, ports, options.startTimeoutMs);
        return new RunningDovecot(layout, ports, proc, options.startTimeoutMs);
      },
      (err) => err instanceof DovecotStartError && /address already in use/i.test(err.message),
    );
  } catch (err) {
    await tempDir.remove();
    throw err;
  }
}

interface Ports {
  imapPort: number;
  imapsPort: number;
  lmtpPort: number;
}

async function pickPorts(): Promise<Ports> {
  const [imapPort, imapsPort, lmtpPort] = await freePorts(3);
  if (imapPort === undefined || imapsPort === undefined || lmtpPort === undefined) {
    throw new Error('freePorts returned too few ports');
  }
  return { imapPort, imapsPort, lmtpPort };
}

async function prepareDir(
  tempDir: TempDir,
  options: DovecotOptions,
): Promise<Layout & { renderConfig: (ports: Ports) => string }> {
  const dir = tempDir.path;
  // Paths go unquoted into dovecot.conf, where passdb/userdb args are split at spaces.
  if (/\s/.test(dir)) throw new Error(`the Dovecot test server needs a temp dir without spaces: ${dir}`);
  const asRoot = process.getuid?.() === 0;
  const me = os.userInfo();
  // Dovecot wants the group's name, which node:os does not tell.
  const group = asRoot ? undefined : (await run('id', ['-gn'])).stdout.trim();
  const usersDir = path.join(dir, 'users');
  const mailDir = path.join(dir, 'mail');
  // As root, Dovecot's auth process (user dovecot) must reach the passwd-files and the mail
  // processes (nobody) must create homes; mkdtemp's 0700 would lock both out.
  if (asRoot) await chmod(dir, 0o711);
  await mkdir(usersDir);
  await chmod(usersDir, 0o755);
  await mkdir(mailDir);
  await chmod(mailDir, asRoot ? 0o1777 : 0o700);
  await mkdir(path.join(dir, 'state'));
  const { caPath, certPath, keyPath } = await createTlsFiles(path.join(dir, 'tls'));
  return {
    tempDir,
    dir,
    confPath: path.join(dir, 'dovecot.conf'),
    logPath: path.join(dir, 'dovecot.log'),
    usersDir,
    caPath,
    renderConfig: (ports) =>
      renderDovecotConfig({
        dir,
        host: LOOPBACK,
        ...ports,
        certPath,
        keyPath,
        usersDir,
        mailDir,
        internalUser: asRoot ? 'dovecot' : me.username,
        internalGroup: asRoot ? undefined : group,
        loginUser: asRoot ? 'dovenull' : me.username,
        mailUid: asRoot ? 'nobody' : me.uid,
        mailGid: asRoot ? 'nogroup' : me.gid,
        asRoot,
        idleNotifyIntervalS: options.idleNotifyIntervalS ?? 10,
      }),
  };
}

/** Starts `dovecot -F` and waits until IMAP, IMAPS and LMTP greet. */
async function launch(layout: Layout, ports: Ports, timeoutMs = 20_000): Promise<ServerProcess> {
  const proc = await spawnServer('dovecot', DOVECOT_BIN, ['-F', '-c', layout.confPath], { cwd: layout.dir });
  const ca = readFileSync(layout.caPath);
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const status = proc.exitStatus();
    if (status) {
      await proc.stop();
      throw new DovecotStartError(
        `dovecot exited during startup (code ${status.code}, signal ${status.signal}):\n` +
          `${proc.output()}\n${tail(layout.logPath, 20)}`,
      );
    }
    try {
      await Promise.all([
        expectGreeting(net.connect(ports.imapPort, LOOPBACK), '* OK'),
        expectGreeting(
          tls.connect({ host: LOOPBACK, port: ports.imapsPort, ca, servername: 'localhost' }),
          '* OK',
        ),
        expectGreeting(net.connect(ports.lmtpPort, LOOPBACK), '220 '),
      ]);
      return proc;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      await proc.stop({ signal: 'SIGKILL' });
      throw new DovecotStartError(
        `dovecot did not greet within ${timeoutMs} ms:\n${proc.output()}\n${tail(layout.logPath, 20)}`,
        { cause: lastError },
      );
    }
    await sleep(25);
  }
}

/** Reads the first line the server sends and checks how it starts. */
function expectGreeting(socket: net.Socket, prefix: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => finish(new Error('no greeting')), PROBE_TIMEOUT_MS);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (!received.includes('\r\n')) return;
      if (received.startsWith(prefix)) finish();
      else finish(new Error(`unexpected greeting: ${received.trim()}`));
    });
    socket.on('error', finish);
    socket.on('close', () => finish(new Error('closed before greeting')));
  });
}

function tail(file: string, lines: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

class RunningDovecot implements DovecotServer {
  readonly host = LOOPBACK;
  readonly imapPort: number;
  readonly imapsPort: number;
  readonly lmtpPort: number;
  readonly caPath: string;
  readonly dir: string;
  private readonly lifecycle: ServerLifecycle;
  /** addUser calls run one after another: each rewrites files the next may look at. */
  private userWrites: Promise<void> = Promise.resolve();

  constructor(
    private readonly layout: Layout,
    ports: Ports,
    proc: ServerProcess,
    startTimeoutMs: number | undefined,
  ) {
    this.imapPort = ports.imapPort;
    this.imapsPort = ports.imapsPort;
    this.lmtpPort = ports.lmtpPort;
    this.caPath = layout.caPath;
    this.dir = layout.dir;
    this.lifecycle = new ServerLifecycle(
      'dovecot test server',
      proc,
      () => launch(layout, ports, startTimeoutMs),
      async () => {
        await this.userWrites;
        await layout.tempDir.remove();
      },
    );
  }

  async addUser(email: string, password: string): Promise<void> {
    // Dovecot lower-cases user names (auth_username_format = %Lu); the file is named after it.
    const user = email.toLowerCase();
    if (!USER_NAME.test(user)) {
      throw new TypeError(`user name Dovecot would refuse: ${JSON.stringify(email)}`);
    }
    // ':' separates passwd-file fields and there is no escaping.
    if (/[:\r\n]/.test(password)) throw new TypeError('password may not contain ":" or line breaks');
    const write = this.userWrites.then(() => this.writeUser(user, password));
    this.userWrites = write.catch(() => undefined);
    await write;
  }

  private async writeUser(user: string, password: string): Promise<void> {
    const state = this.lifecycle.state;
    if (state === 'stopping' || state === 'stopped') {
      throw new Error('dovecot test server is stopped');
    }
    const file = path.join(this.layout.usersDir, user);
    const line = `${user}:{PLAIN}${password}\n`;
    const previous = await readFile(file, 'utf8').catch(() => undefined);
    if (previous === line) return;
    const temp = `${file}.tmp`;
    await writeFile(temp, line);
    await chmod(temp, 0o644);
    await rename(temp, file);
    if (previous === undefined) return;
    // A changed file is re-read when its mtime or size differs from what Dovecot read, and
    // only by a lookup in a later second than the last one: force a new mtime, then let the
    // clock tick over so the next lookup happens in a new second.
    const before = await stat(file);
    const mtime = Math.floor(before.mtimeMs / 1000) + 1;
    await utimes(file, mtime, mtime);
    await sleep(1000 - (Date.now() % 1000) + 10);
  }

  deliver(recipients: readonly string[], raw: string | Buffer, options?: LmtpDeliveryOptions): Promise<void> {
    return deliverOverLmtp(this.host, this.lmtpPort, recipients, raw, options);
  }

  async append(
    user: string,
    password: string,
    raw: string | Buffer,
    flags: string[] = [],
    { mailbox = 'INBOX', internalDate }: AppendOptions = {},
  ): Promise<number | undefined> {
    return appendMessage(
      { host: this.host, port: this.imapPort, user, password },
      mailbox,
      raw,
      flags,
      internalDate,
    );
  }

  restart(options: { downMs?: number } = {}): Promise<void> {
    return this.lifecycle.restart(options.downMs);
  }

  logTail(lines = 40): string {
    const output = this.lifecycle.process.output().trim();
    const log = tail(this.layout.logPath, lines);
    return output === '' ? log : `${log}\n--- dovecot stdout/stderr ---\n${output}`;
  }

  get pid(): number {
    return this.lifecycle.process.pid;
  }

  stop(): Promise<void> {
    return this.lifecycle.stop();
  }
}
