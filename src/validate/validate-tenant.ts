import { randomBytes } from 'node:crypto';

import { pino } from 'pino';

import type { SenderConfig, TenantConfig } from '../config/types.js';
import type { ImapError } from '../imap/errors.js';
import { toImapError } from '../imap/errors.js';
import { ImapSession } from '../imap/session.js';
import { scrubSecrets } from '../observability/scrub.js';
import { toSendError } from '../outbound/errors.js';
import { createSender, describeTransport, sendingSetup, tenantSecrets } from '../outbound/identity.js';
import type { OutgoingMessage } from '../outbound/job.js';

export type StepName = 'imap' | 'send' | 'delivery';
export type StepStatus = 'ok' | 'failed' | 'skipped';

export interface StepResult {
  readonly step: StepName;
  readonly status: StepStatus;
  /** For a failure: which part failed (connect, login, open folder, ...). */
  readonly stage: string | null;
  /** What happened, with the server's own words on failure; never a secret. */
  readonly detail: string;
  readonly ms: number;
}

export interface TenantValidation {
  readonly tenant: string;
  readonly ok: boolean;
  readonly steps: StepResult[];
}

export interface ValidateOptions {
  readonly waitDelivery: boolean;
  readonly waitTimeoutMs: number;
}

const silent = pino({ level: 'silent' });

/**
 * The "Validate email config" check for one tenant (SPEC §2): IMAP login + open folder + status,
 * then a real send of a short test mail from the assistant to itself; optionally wait until it
 * shows up in the mailbox. Every text that came from a server is scrubbed of the tenant's secrets.
 */
export async function validateTenant(
  tenant: TenantConfig,
  sender: SenderConfig | null,
  options: ValidateOptions,
): Promise<TenantValidation> {
  const secrets = tenantSecrets(tenant, sender);
  const clean = (text: string): string => scrubSecrets(text, secrets);
  const steps: StepResult[] = [];

  const imap = await imapStep(tenant, clean);
  steps.push(imap);

  const setup = sendingSetup(tenant, sender);
  let sentMessageId: string | null = null;
  if (!setup) {
    steps.push({
      step: 'send',
      status: 'skipped',
      stage: null,
      detail: 'no smtp or sendgrid for this tenant and no top-level sender configured',
      ms: 0,
    });
  } else {
    const started = Date.now();
    const to = tenant.assistant?.address ?? setup.identity.from.address;
    const id = randomBytes(6).toString('hex');
    const message: OutgoingMessage = {
      from: setup.identity.from,
      replyTo: null,
      to: [{ name: null, address: to }],
      cc: [],
      bcc: [],
      subject: `mail-ingest validation ${id}`,
      text: `This is a test message sent by "mail-ingest validate" for tenant ${tenant.id}. It can be deleted.`,
      html: null,
      messageId: `<validate.${id}@${setup.identity.messageIdDomain}>`,
      inReplyTo: null,
      references: [],
      attachments: [],
      // The daemon classifies it as auto-generated, so it never reaches a workspace.
      extraHeaders: { 'Auto-Submitted': 'auto-generated', 'X-Mail-Ingest-Validation': id },
    };
    const transport = describeTransport(setup.transport);
    const mailSender = createSender(setup.transport, { pool: false });
    try {
      const result = await mailSender.send(message);
      sentMessageId = message.messageId;
      steps.push({
        step: 'send',
        status: 'ok',
        stage: null,
        detail: clean(
          `sent ${message.messageId} to ${to} via ${transport}${setup.via === 'sender' ? ' (top-level sender)' : ''}: ${result.response}`,
        ),
        ms: Date.now() - started,
      });
    } catch (err) {
      const e = toSendError(err);
      steps.push({
        step: 'send',
        status: 'failed',
        stage: e.kind,
        detail: clean(`${transport}: ${e.message}`),
        ms: Date.now() - started,
      });
    } finally {
      await mailSender.close();
    }
  }

  if (options.waitDelivery)
    steps.push(await deliveryStep(tenant, sentMessageId, imap.status === 'ok', options.waitTimeoutMs, clean));
  return { tenant: tenant.id, ok: steps.every((s) => s.status !== 'failed'), steps };
}

async function imapStep(tenant: TenantConfig, clean: (t: string) => string): Promise<StepResult> {
  const imap = tenant.imap;
  if (!imap)
    return {
      step: 'imap',
      status: 'skipped',
      stage: null,
      detail: 'no assistant mailbox: nothing to read',
      ms: 0,
    };
  const started = Date.now();
  const where = `${imap.tls === 'implicit' ? 'imaps' : 'imap'}://${imap.host}:${imap.port} (tls: ${imap.tls}) as ${imap.user}`;
  let session: ImapSession | null = null;
  try {
    session = await ImapSession.open(imap, silent, { onExists: () => undefined, onClose: () => undefined });
    const status = await session.status();
    return {
      step: 'imap',
      status: 'ok',
      stage: null,
      detail: `${where}: logged in, opened ${imap.folder}: ${status.messages} messages, ${status.unseen} unseen`,
      ms: Date.now() - started,
    };
  } catch (err) {
    const e = toImapError(err, 'imap');
    return {
      step: 'imap',
      status: 'failed',
      stage: stageOf(e),
      detail: clean(`${where}: ${e.message}`),
      ms: Date.now() - started,
    };
  } finally {
    await session?.logout();
  }
}

function stageOf(e: ImapError): string {
  switch (e.kind) {
    case 'auth':
      return 'login';
    case 'mailbox':
      return 'open folder';
    case 'tls':
      return 'tls';
    default:
      return e.step === 'open folder' ? 'open folder' : 'connect';
  }
}

async function deliveryStep(
  tenant: TenantConfig,
  messageId: string | null,
  imapOk: boolean,
  timeoutMs: number,
  clean: (t: string) => string,
): Promise<StepResult> {
  if (!tenant.imap || messageId === null || !imapOk) {
    return {
      step: 'delivery',
      status: 'skipped',
      stage: null,
      detail: 'needs a working IMAP login and a sent test mail',
      ms: 0,
    };
  }
  const started = Date.now();
  let session: ImapSession | null = null;
  try {
    session = await ImapSession.open(tenant.imap, silent, {
      onExists: () => undefined,
      onClose: () => undefined,
    });
    while (Date.now() - started < timeoutMs) {
      if ((await session.findByMessageId(messageId)).length > 0) {
        return {
          step: 'delivery',
          status: 'ok',
          stage: null,
          detail: `test mail arrived in ${tenant.imap.folder} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
          ms: Date.now() - started,
        };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    return {
      step: 'delivery',
      status: 'failed',
      stage: 'timeout',
      detail: `test mail not in ${tenant.imap.folder} after ${Math.round(timeoutMs / 1000)} s`,
      ms: Date.now() - started,
    };
  } catch (err) {
    return {
      step: 'delivery',
      status: 'failed',
      stage: 'imap',
      detail: clean(toImapError(err, 'imap').message),
      ms: Date.now() - started,
    };
  } finally {
    await session?.logout();
  }
}
