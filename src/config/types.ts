import type { Secret } from './secret.js';

/** The compiled, immutable configuration (STYLE 1): defaults filled, units in the names. */
export interface CompiledConfig {
  readonly sourcePath: string;
  readonly redis: {
    readonly url: string;
    readonly prefix: string;
    readonly statePrefix: string;
    /** Tenant lease time-to-live: a dead replica's tenants are taken over after this long. */
    readonly leaseTtlMs: number;
  };
  readonly queues: QueueTemplates;
  readonly http: { readonly host: string; readonly port: number } | null;
  readonly log: { readonly level: LogLevel; readonly pretty: boolean };
  readonly sender: SenderConfig | null;
  readonly tenants: readonly TenantConfig[];
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface QueueTemplates {
  readonly workspace: string;
  readonly unrouted: string;
  readonly deadLetter: string;
  readonly outbound: string;
  readonly dedupWindowMs: number;
}

export type AliasPolicy =
  | { readonly action: 'unrouted' }
  | { readonly action: 'drop' }
  | { readonly action: 'workspace'; readonly workspace: string };

export type AutoReplyPolicy = 'route' | 'unrouted' | 'drop';

export interface AssistantConfig {
  /** Lower-cased local part, e.g. `casper`. */
  readonly mailbox: string;
  /** Lower-cased ASCII (punycode) form of the primary domain. */
  readonly domain: string;
  /** Primary domain first, then extraDomains; all lower-cased ASCII. */
  readonly domains: readonly string[];
  readonly displayName: string | null;
  readonly delimiter: string;
  /** `mailbox@domain`, the assistant's own address. */
  readonly address: string;
}

export interface RoutingPolicy {
  /** alias -> workspace id; null means every valid alias is its own workspace. */
  readonly workspaces: ReadonlyMap<string, string> | null;
  readonly unknownAlias: AliasPolicy;
  readonly noAlias: AliasPolicy;
  readonly autoReplies: AutoReplyPolicy;
}

export interface ImapConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: 'implicit' | 'starttls' | 'none';
  readonly caFile: string | null;
  readonly user: string;
  readonly password: Secret;
  readonly folder: string;
  /** Silence on the socket for this long (during a command or IDLE) = dead connection. */
  readonly socketTimeoutMs: number;
}

export interface SmtpConfig {
  readonly kind: 'smtp';
  readonly host: string;
  readonly port: number;
  readonly encryption: 'starttls' | 'tls' | 'none';
  readonly caFile: string | null;
  readonly user: string | null;
  readonly password: Secret | null;
}

export interface SendgridConfig {
  readonly kind: 'sendgrid';
  readonly apiKey: Secret;
  /** Base URL without the /v3/mail/send path. */
  readonly endpoint: string;
}

export type OutboundTransportConfig = SmtpConfig | SendgridConfig;

export interface SenderConfig {
  /** The From header as configured, e.g. `Casper <casper@assistant.example>`. */
  readonly from: string;
  readonly transport: OutboundTransportConfig | null;
}

export interface TenantLimits {
  readonly maxMessageBytes: number;
  readonly inlineAttachmentBytes: number;
  /** Attachment bytes inlined per job, all attachments together: bounds a job's size. */
  readonly inlineTotalBytes: number;
  readonly maxBodyChars: number;
}

export interface TenantConfig {
  readonly id: string;
  readonly assistant: AssistantConfig | null;
  readonly imap: ImapConfig | null;
  readonly outbound: OutboundTransportConfig | null;
  readonly routing: RoutingPolicy;
  readonly poll: { readonly intervalMs: number; readonly idle: boolean };
  readonly limits: TenantLimits;
}
