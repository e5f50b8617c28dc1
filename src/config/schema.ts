import { z } from 'zod';

import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

/**
 * The YAML file as operators write it (SPEC §3), after `${VAR}` interpolation and before
 * compilation. Every object is strict: a misspelled key is an error, not a silently ignored
 * setting. Defaults live in `compile.ts`, so this schema also describes the file for editors
 * (config/mail-ingest.schema.json is generated from it).
 */

const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(DURATION_PATTERN, 'expected a duration such as 30s, 5m, 7d or milliseconds'),
  ])
  .meta({ description: 'Duration: 30s, 5m, 1h, 7d, or a number of milliseconds.' });

const size = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(SIZE_PATTERN, 'expected a size such as 256KB, 50MB or bytes'),
  ])
  .meta({ description: 'Size: 256KB, 50MB (binary multiples), or a number of bytes.' });

/** Fields whose `${VAR}` value is converted to a number / boolean after interpolation. */
export const NUMBER_FIELDS: ReadonlySet<string> = new Set(['port', 'maxBodyChars']);
export const BOOLEAN_FIELDS: ReadonlySet<string> = new Set(['allowInsecure', 'idle', 'pretty']);

const hostname = z.string().min(1, 'must not be empty');
const port = z.number().int().min(1).max(65535);

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Workspace ids end up in queue names and job ids: BullMQ reserves ':' and Redis keys dislike spaces. */
export const WORKSPACE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const workspaceId = z
  .string()
  .regex(WORKSPACE_ID_PATTERN, 'a workspace id may hold letters, digits, ".", "_" and "-"');
const policy = z
  .string()
  .regex(
    /^(unrouted|drop|workspace:[A-Za-z0-9][A-Za-z0-9._-]*)$/,
    'expected unrouted, drop or workspace:<id>',
  );

const secretFields = {
  password: z
    .string({ error: 'must be a string (quote it in YAML)' })
    .optional()
    .meta({ description: 'Secret. Prefer ${VAR} or passwordFile.' }),
  passwordFile: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'File holding the password (container secret); one trailing newline is dropped.' }),
};

export const imapSchema = z.strictObject({
  host: hostname,
  port: port.optional().meta({ description: 'Default 993 for tls: implicit, else 143.' }),
  tls: z
    .enum(['implicit', 'starttls', 'none'])
    .optional()
    .meta({ description: 'Default implicit. starttls never downgrades; none needs allowInsecure.' }),
  allowInsecure: z.boolean().optional(),
  caFile: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Extra trust anchor (PEM); verification stays on.' }),
  user: z.string().min(1).optional().meta({ description: 'Default: mailbox@domain.' }),
  ...secretFields,
  folder: z.string().min(1).optional().meta({ description: 'Default INBOX.' }),
  socketTimeout: duration.optional().meta({
    description:
      "No data from the server for this long while a command or IDLE runs means a dead connection (a stalled network): reconnect. Default 6m; keep it above the server's IDLE keep-alive interval.",
  }),
});

export const smtpSchema = z.strictObject({
  host: hostname,
  port: port.optional().meta({ description: 'Default 587 for starttls, 465 for tls, 25 for none.' }),
  encryption: z
    .enum(['starttls', 'tls', 'none'])
    .optional()
    .meta({ description: 'Default starttls (required, never downgraded).' }),
  allowInsecure: z.boolean().optional(),
  caFile: z.string().min(1).optional(),
  user: z.string().min(1).optional().meta({ description: 'Default: the IMAP user.' }),
  ...secretFields,
});

export const sendgridSchema = z.strictObject({
  apiKey: z.string({ error: 'must be a string (quote it in YAML)' }).optional(),
  apiKeyFile: z.string().min(1).optional(),
  endpoint: z
    .url()
    .optional()
    .meta({ description: 'Base URL, default https://api.sendgrid.com; /v3/mail/send is appended.' }),
});

export const pollSchema = z.strictObject({
  interval: duration.optional().meta({ description: 'Polling interval without IDLE, default 30s.' }),
  idle: z
    .boolean()
    .optional()
    .meta({ description: 'Use IMAP IDLE when the server offers it, default true.' }),
});

export const limitsSchema = z.strictObject({
  maxMessageBytes: size
    .optional()
    .meta({ description: 'Larger messages are dead-lettered unread, default 50MB.' }),
  inlineAttachmentBytes: size
    .optional()
    .meta({ description: 'Attachments up to this size travel base64 in the job, default 256KB.' }),
  inlineTotalBytes: size.optional().meta({
    description:
      'At most this many attachment bytes travel in one job (in message order); the rest are listed without content, default 2MB.',
  }),
  maxBodyChars: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({ description: 'text and html are each cut here, default 1000000.' }),
});

export const assistantSchema = z.strictObject({
  mailbox: z
    .string()
    .min(1)
    .regex(/^[^@\s]+$/, 'the local part only, without @domain'),
  domain: hostname,
  displayName: z.string().optional(),
  extraDomains: z.array(hostname).optional(),
  delimiter: z.string().length(1, 'a single character such as "+"').optional(),
});

const tenantShape = {
  assistant: assistantSchema.optional(),
  mode: z.literal('unseen').optional(),
  imap: imapSchema.optional(),
  smtp: smtpSchema.optional(),
  sendgrid: sendgridSchema.optional(),
  workspaces: z
    .record(z.string(), workspaceId)
    .optional()
    .meta({ description: 'alias -> workspace id. Without it every valid alias is its own workspace.' }),
  unknownAlias: policy
    .optional()
    .meta({ description: 'unrouted | drop | workspace:<id>, default unrouted.' }),
  noAlias: policy.optional().meta({ description: 'unrouted | drop | workspace:<id>, default unrouted.' }),
  autoReplies: z.enum(['route', 'unrouted', 'drop']).optional().meta({ description: 'Default unrouted.' }),
  poll: pollSchema.optional(),
  limits: limitsSchema.optional(),
};

export const tenantSchema = z.strictObject(tenantShape);

/** `defaults` may hold any tenant key; required fields are checked after merging. */
export const defaultsSchema = z.strictObject({
  assistant: assistantSchema.partial().optional(),
  mode: tenantShape.mode,
  imap: imapSchema.partial().optional(),
  smtp: smtpSchema.partial().optional(),
  sendgrid: sendgridSchema.optional(),
  workspaces: tenantShape.workspaces,
  unknownAlias: tenantShape.unknownAlias,
  noAlias: tenantShape.noAlias,
  autoReplies: tenantShape.autoReplies,
  poll: pollSchema.optional(),
  limits: limitsSchema.optional(),
});

const queueTemplate = z
  .string()
  .min(1)
  .regex(/^[^:\s]*$/, 'queue names may not contain ":" or spaces (BullMQ reserves ":")')
  .refine(
    (t) => /^(?:[^{}]|\{(?:tenant|workspace|alias)\})*$/.test(t),
    'placeholders are {tenant}, {workspace} and {alias}',
  );

export const configSchema = z.strictObject({
  redis: z
    .strictObject({
      url: z
        .string()
        .regex(
          /^(rediss?|redis-sentinel|redis-cluster):\/\//,
          'expected redis://, rediss://, redis-sentinel:// or redis-cluster://',
        )
        .optional(),
      prefix: z.string().min(1).optional().meta({ description: "BullMQ key prefix, default 'bull'." }),
      statePrefix: z
        .string()
        .min(1)
        .optional()
        .meta({ description: "Prefix of the daemon's own keys, default 'mail-ingest'." }),
      leaseTtl: duration.optional().meta({
        description:
          "One replica works a tenant mailbox at a time; a dead replica's tenants are taken over after this long. Default 30s.",
      }),
    })
    .optional(),
  queues: z
    .strictObject({
      workspace: queueTemplate.optional(),
      unrouted: queueTemplate.optional(),
      deadLetter: queueTemplate.optional(),
      outbound: queueTemplate.optional(),
      dedupWindow: duration.optional(),
    })
    .optional(),
  http: z
    .strictObject({
      listen: z
        .string()
        .regex(/^(off|(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5})$/, 'expected host:port or "off"')
        .optional(),
    })
    .optional(),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
      pretty: z.boolean().optional(),
    })
    .optional(),
  defaults: defaultsSchema.optional(),
  sender: z
    .strictObject({
      from: z.string().min(3),
      smtp: smtpSchema.optional(),
      sendgrid: sendgridSchema.optional(),
    })
    .optional(),
  tenants: z.record(z.string().regex(TENANT_ID_PATTERN, 'tenant ids match [a-z0-9][a-z0-9_-]*'), z.unknown()),
});

export type RawConfig = z.infer<typeof configSchema>;
export type RawTenant = z.infer<typeof tenantSchema>;
export type RawImap = z.infer<typeof imapSchema>;
export type RawSmtp = z.infer<typeof smtpSchema>;
export type RawSendgrid = z.infer<typeof sendgridSchema>;

/** The JSON Schema shipped in config/ for editors; tenants are described fully there. */
export function configJsonSchema(): Record<string, unknown> {
  const editorSchema = configSchema.extend({
    tenants: z.record(z.string().regex(TENANT_ID_PATTERN), tenantSchema),
  });
  return {
    ...z.toJSONSchema(editorSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'mail-ingest configuration',
  };
}
