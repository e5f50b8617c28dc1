import type { OutboundTransportConfig, SenderConfig, TenantConfig } from '../config/types.js';
import type { SenderIdentity } from './job.js';
import { parseFrom } from './job.js';
import type { MailSender } from './sender.js';
import { SendgridSender } from './sendgrid-sender.js';
import { SmtpSender } from './smtp-sender.js';

export interface SendingSetup {
  readonly identity: SenderIdentity;
  readonly transport: OutboundTransportConfig;
  /** Where the transport came from, for logs and `validate`. */
  readonly via: 'tenant' | 'sender';
}

/**
 * How a tenant sends (SPEC §3/§5): as `"<displayName>" <mailbox@domain>` through its own smtp or
 * sendgrid; a tenant without a transport of its own sends through the top-level `sender`, as the
 * sender's From (a foreign domain's From would fail SPF/DMARC there), with replies to a
 * workspace alias still pointed at the tenant's mailbox. null: the tenant cannot send.
 */
export function sendingSetup(tenant: TenantConfig, sender: SenderConfig | null): SendingSetup | null {
  const a = tenant.assistant;
  const replyBase = a ? { mailbox: a.mailbox, delimiter: a.delimiter, domain: a.domain } : null;
  if (a && tenant.outbound) {
    return {
      identity: { from: { name: a.displayName, address: a.address }, replyBase, messageIdDomain: a.domain },
      transport: tenant.outbound,
      via: 'tenant',
    };
  }
  if (sender?.transport) {
    const from = parseFrom(sender.from);
    const domain = from.address.slice(from.address.lastIndexOf('@') + 1) || 'localhost';
    return {
      identity: { from, replyBase, messageIdDomain: domain },
      transport: sender.transport,
      via: 'sender',
    };
  }
  return null;
}

export function createSender(
  transport: OutboundTransportConfig,
  options: { pool?: boolean } = {},
): MailSender {
  return transport.kind === 'smtp' ? new SmtpSender(transport, options) : new SendgridSender(transport);
}

/** Every secret a tenant's sending and reading involve, for scrubbing server texts. */
export function tenantSecrets(tenant: TenantConfig, sender: SenderConfig | null): string[] {
  const out: string[] = [];
  if (tenant.imap) out.push(tenant.imap.password.reveal());
  const add = (t: OutboundTransportConfig | null | undefined): void => {
    if (t?.kind === 'smtp' && t.password) out.push(t.password.reveal());
    if (t?.kind === 'sendgrid') out.push(t.apiKey.reveal());
  };
  add(tenant.outbound);
  add(sender?.transport);
  return out.filter((s) => s !== '');
}

export function describeTransport(t: OutboundTransportConfig): string {
  return t.kind === 'smtp' ? `smtp ${t.host}:${t.port} (${t.encryption})` : `sendgrid ${t.endpoint}`;
}
