import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { domainToASCII } from 'node:url';

import { ALIAS_PATTERN } from '../message/assistant-address.js';
import type { RawConfig, RawImap, RawSendgrid, RawSmtp, RawTenant } from './schema.js';
import { Secret } from './secret.js';
import type {
  AliasPolicy,
  AssistantConfig,
  CompiledConfig,
  ImapConfig,
  OutboundTransportConfig,
  SenderConfig,
  TenantConfig,
} from './types.js';
import { parseDuration, parseSize } from './units.js';
import type { ConfigPath, ConfigProblem, YamlSource } from './yaml-source.js';
import { pathKey } from './yaml-source.js';

export const DEFAULTS = {
  redisUrl: 'redis://127.0.0.1:6379',
  redisPrefix: 'bull',
  statePrefix: 'mail-ingest',
  leaseTtl: '30s',
  queues: {
    workspace: '{tenant}.{workspace}',
    unrouted: '{tenant}.unrouted',
    deadLetter: '{tenant}.dead-letter',
    outbound: '{tenant}.outbound',
    dedupWindow: '7d',
  },
  httpListen: '127.0.0.1:9464',
  pollInterval: '30s',
  maxMessageBytes: '50MB',
  inlineAttachmentBytes: '256KB',
  inlineTotalBytes: '2MB',
  maxBodyChars: 1_000_000,
} as const;

export type CompileResult = { ok: true; config: CompiledConfig } | { ok: false; problems: ConfigProblem[] };

/**
 * Turns the validated file into the immutable runtime config: defaults filled, units converted,
 * secrets read from their files, and the cross-field rules a schema cannot express checked.
 */
export function compileConfig(
  raw: RawConfig,
  tenants: Readonly<Record<string, RawTenant>>,
  source: YamlSource,
  baseDir: string,
  invalid: ReadonlySet<string> = new Set(),
): CompileResult {
  const problems: ConfigProblem[] = [];
  const ctx: Ctx = {
    problem: (p, message) => problems.push(source.problem(source.whereWritten(p), message)),
    alreadyReported: (p) => invalid.has(pathKey(p)),
    baseDir,
  };

  const compiledTenants = Object.entries(tenants).map(([id, t]) => compileTenant(id, t, ctx));
  const sender = raw.sender ? compileSender(raw.sender, ctx) : null;

  const config: CompiledConfig = {
    sourcePath: source.file,
    redis: {
      url: raw.redis?.url ?? DEFAULTS.redisUrl,
      prefix: raw.redis?.prefix ?? DEFAULTS.redisPrefix,
      statePrefix: raw.redis?.statePrefix ?? DEFAULTS.statePrefix,
      leaseTtlMs: Math.max(1_000, parseDuration(raw.redis?.leaseTtl ?? DEFAULTS.leaseTtl) ?? 30_000),
    },
    queues: {
      workspace: raw.queues?.workspace ?? DEFAULTS.queues.workspace,
      unrouted: raw.queues?.unrouted ?? DEFAULTS.queues.unrouted,
      deadLetter: raw.queues?.deadLetter ?? DEFAULTS.queues.deadLetter,
      outbound: raw.queues?.outbound ?? DEFAULTS.queues.outbound,
      dedupWindowMs: parseDuration(raw.queues?.dedupWindow ?? DEFAULTS.queues.dedupWindow) ?? 0,
    },
    http: compileListen(raw.http?.listen ?? DEFAULTS.httpListen),
    log: { level: raw.log?.level ?? 'info', pretty: raw.log?.pretty ?? false },
    sender,
    tenants: compiledTenants,
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config: deepFreeze(config) };
}

interface Ctx {
  problem(path: ConfigPath, message: string): void;
  /** The value at `path` was invalid and has been reported already; don't call it missing. */
  alreadyReported(path: ConfigPath): boolean;
  baseDir: string;
}

function compileTenant(id: string, t: RawTenant, ctx: Ctx): TenantConfig {
  const at = (...rest: (string | number)[]): ConfigPath => ['tenants', id, ...rest];
  const assistant = t.assistant ? compileAssistant(t.assistant, at('assistant'), ctx) : null;

  let imap: ImapConfig | null = null;
  if (t.imap) {
    if (!assistant)
      ctx.problem(at('imap'), 'imap needs an assistant mailbox (assistant.mailbox and assistant.domain)');
    imap = compileImap(t.imap, assistant, at('imap'), ctx);
  } else if (assistant) {
    ctx.problem(
      at('assistant'),
      'imap is required: a tenant with an assistant mailbox must say where to read it',
    );
  }

  if (t.smtp && t.sendgrid) ctx.problem(at('sendgrid'), 'give either smtp or sendgrid, not both');
  if (!assistant && (t.smtp || t.sendgrid)) {
    ctx.problem(
      at(t.smtp ? 'smtp' : 'sendgrid'),
      'a tenant without an assistant mailbox has no From address of its own and sends through the top-level sender; remove this block or add assistant',
    );
  }
  const outbound: OutboundTransportConfig | null = t.smtp
    ? compileSmtp(t.smtp, at('smtp'), ctx, imap)
    : t.sendgrid
      ? compileSendgrid(t.sendgrid, at('sendgrid'), ctx)
      : null;

  const workspaces = t.workspaces ? compileWorkspaces(t.workspaces, at('workspaces'), ctx) : null;

  return {
    id,
    assistant,
    imap,
    outbound,
    routing: {
      workspaces,
      unknownAlias: compilePolicy(t.unknownAlias ?? 'unrouted'),
      noAlias: compilePolicy(t.noAlias ?? 'unrouted'),
      autoReplies: t.autoReplies ?? 'unrouted',
    },
    poll: {
      intervalMs: parseDuration(t.poll?.interval ?? DEFAULTS.pollInterval) ?? 30_000,
      idle: t.poll?.idle ?? true,
    },
    limits: {
      maxMessageBytes: parseSize(t.limits?.maxMessageBytes ?? DEFAULTS.maxMessageBytes) ?? 0,
      inlineAttachmentBytes:
        parseSize(t.limits?.inlineAttachmentBytes ?? DEFAULTS.inlineAttachmentBytes) ?? 0,
      inlineTotalBytes: parseSize(t.limits?.inlineTotalBytes ?? DEFAULTS.inlineTotalBytes) ?? 0,
      maxBodyChars: t.limits?.maxBodyChars ?? DEFAULTS.maxBodyChars,
    },
  };
}

function compileAssistant(a: NonNullable<RawTenant['assistant']>, at: ConfigPath, ctx: Ctx): AssistantConfig {
  const delimiter = a.delimiter ?? '+';
  const mailbox = a.mailbox.toLowerCase();
  if (mailbox.includes(delimiter)) {
    ctx.problem([...at, 'mailbox'], `mailbox must not contain the delimiter "${delimiter}"`);
  }
  const domains: string[] = [];
  for (const [i, d] of [a.domain, ...(a.extraDomains ?? [])].entries()) {
    const ascii = asciiDomain(d);
    if (ascii === null)
      ctx.problem(
        i === 0 ? [...at, 'domain'] : [...at, 'extraDomains', i - 1],
        `"${d}" is not a valid domain`,
      );
    else if (!domains.includes(ascii)) domains.push(ascii);
  }
  const domain = domains[0] ?? a.domain.toLowerCase();
  return {
    mailbox,
    domain,
    domains,
    displayName: a.displayName ?? null,
    delimiter,
    address: `${mailbox}@${domain}`,
  };
}

/** Lower-cased ASCII form (IDN domains in punycode) so that both spellings compare equal. */
export function asciiDomain(domain: string): string | null {
  const ascii = domainToASCII(domain.trim().replace(/\.$/, ''));
  return ascii === '' ? null : ascii.toLowerCase();
}

function compileImap(i: RawImap, assistant: AssistantConfig | null, at: ConfigPath, ctx: Ctx): ImapConfig {
  const tls = i.tls ?? 'implicit';
  if (tls === 'none' && i.allowInsecure !== true) {
    ctx.problem(
      [...at, 'tls'],
      'tls: none sends the password in clear; set allowInsecure: true in this block to allow it',
    );
  }
  const password = readSecret(i.password, i.passwordFile, 'password', at, ctx, true);
  return {
    host: i.host,
    port: i.port ?? (tls === 'implicit' ? 993 : 143),
    tls,
    caFile: checkFile(i.caFile, [...at, 'caFile'], ctx),
    user: i.user ?? assistant?.address ?? '',
    password: password ?? new Secret(''),
    folder: i.folder ?? 'INBOX',
    socketTimeoutMs: Math.max(1_000, parseDuration(i.socketTimeout ?? '6m') ?? 360_000),
  };
}

function compileSmtp(s: RawSmtp, at: ConfigPath, ctx: Ctx, imap: ImapConfig | null): OutboundTransportConfig {
  const encryption = s.encryption ?? 'starttls';
  if (encryption === 'none' && s.allowInsecure !== true) {
    ctx.problem(
      [...at, 'encryption'],
      'encryption: none sends mail and password in clear; set allowInsecure: true in this block to allow it',
    );
  }
  // One mailbox password, as in the seed product: SMTP falls back to the IMAP credentials.
  const own = readSecret(s.password, s.passwordFile, 'password', at, ctx, false);
  return {
    kind: 'smtp',
    host: s.host,
    port: s.port ?? (encryption === 'tls' ? 465 : encryption === 'none' ? 25 : 587),
    encryption,
    caFile: checkFile(s.caFile, [...at, 'caFile'], ctx),
    user: s.user ?? imap?.user ?? null,
    password: own ?? imap?.password ?? null,
  };
}

function compileSendgrid(s: RawSendgrid, at: ConfigPath, ctx: Ctx): OutboundTransportConfig {
  const apiKey = readSecret(s.apiKey, s.apiKeyFile, 'apiKey', at, ctx, true);
  return {
    kind: 'sendgrid',
    apiKey: apiKey ?? new Secret(''),
    endpoint: (s.endpoint ?? 'https://api.sendgrid.com').replace(/\/+$/, ''),
  };
}

function compileSender(s: NonNullable<RawConfig['sender']>, ctx: Ctx): SenderConfig {
  const at: ConfigPath = ['sender'];
  if (!/<?[^\s<>@]+@[^\s<>@]+>?\s*$/.test(s.from))
    ctx.problem([...at, 'from'], 'from must hold an address, e.g. "Casper <casper@assistant.example>"');
  if (s.smtp && s.sendgrid) ctx.problem([...at, 'sendgrid'], 'give either smtp or sendgrid, not both');
  if (!s.smtp && !s.sendgrid) ctx.problem(at, 'sender needs smtp or sendgrid');
  const transport = s.smtp
    ? compileSmtp(s.smtp, [...at, 'smtp'], ctx, null)
    : s.sendgrid
      ? compileSendgrid(s.sendgrid, [...at, 'sendgrid'], ctx)
      : null;
  return { from: s.from, transport };
}

/** A Map that refuses changes once frozen: `Object.freeze` alone does not stop `set`. */
class FrozenMap<K, V> extends Map<K, V> {
  override set(key: K, value: V): this {
    if (Object.isFrozen(this)) throw new TypeError('the compiled config is immutable');
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    if (Object.isFrozen(this)) throw new TypeError('the compiled config is immutable');
    return super.delete(key);
  }

  override clear(): void {
    if (Object.isFrozen(this)) throw new TypeError('the compiled config is immutable');
    super.clear();
  }
}

function compileWorkspaces(
  map: Readonly<Record<string, string>>,
  at: ConfigPath,
  ctx: Ctx,
): ReadonlyMap<string, string> {
  const out = new FrozenMap<string, string>();
  for (const [alias, workspace] of Object.entries(map)) {
    const normalized = alias.toLowerCase();
    if (!ALIAS_PATTERN.test(normalized)) {
      ctx.problem(
        [...at, alias],
        `alias "${alias}" does not match [a-z0-9][a-z0-9._-]{0,63}; mail to it could never route`,
      );
    } else if (out.has(normalized)) {
      ctx.problem([...at, alias], `alias "${alias}" is listed twice (aliases are case-insensitive)`);
    } else {
      out.set(normalized, workspace);
    }
  }
  return out;
}

function compilePolicy(value: string): AliasPolicy {
  if (value === 'drop') return { action: 'drop' };
  if (value.startsWith('workspace:'))
    return { action: 'workspace', workspace: value.slice('workspace:'.length) };
  return { action: 'unrouted' };
}

function compileListen(listen: string): { host: string; port: number } | null {
  if (listen === 'off') return null;
  const idx = listen.lastIndexOf(':');
  return { host: listen.slice(0, idx).replace(/^\[|\]$/g, ''), port: Number(listen.slice(idx + 1)) };
}

function readSecret(
  inline: string | undefined,
  file: string | undefined,
  name: string,
  at: ConfigPath,
  ctx: Ctx,
  required: boolean,
): Secret | null {
  if (inline !== undefined && file !== undefined) {
    ctx.problem([...at, `${name}File`], `give either ${name} or ${name}File, not both`);
    return null;
  }
  if (file !== undefined) {
    const resolved = path.resolve(ctx.baseDir, file);
    try {
      const value = readFileSync(resolved, 'utf8').replace(/\r?\n$/, '');
      if (value === '') ctx.problem([...at, `${name}File`], `${name}File ${resolved} is empty`);
      return new Secret(value);
    } catch (err) {
      ctx.problem(
        [...at, `${name}File`],
        `cannot read ${name}File ${resolved} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return null;
    }
  }
  if (inline !== undefined && inline !== '') return new Secret(inline);
  if (inline === '') {
    ctx.problem([...at, name], `${name} is empty`);
    return null;
  }
  if (required && !ctx.alreadyReported([...at, name]))
    ctx.problem(at, `${name} is missing (give ${name} or ${name}File)`);
  return null;
}

function checkFile(file: string | undefined, at: ConfigPath, ctx: Ctx): string | null {
  if (file === undefined) return null;
  const resolved = path.resolve(ctx.baseDir, file);
  try {
    // Only whether it can be read: the TLS adapters read it when they connect.
    accessSync(resolved, constants.R_OK);
    return resolved;
  } catch (err) {
    ctx.problem(at, `cannot read ${resolved} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return resolved;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    if (value instanceof Map) {
      for (const v of value.values()) deepFreeze(v);
    } else {
      for (const v of Object.values(value)) deepFreeze(v);
    }
    Object.freeze(value);
  }
  return value;
}
