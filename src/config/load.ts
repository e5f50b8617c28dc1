import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ZodError, ZodType } from 'zod';

import { compileConfig } from './compile.js';
import { ConfigError } from './errors.js';
import { configSchema, defaultsSchema, tenantSchema } from './schema.js';
import type { RawTenant } from './schema.js';
import type { CompiledConfig } from './types.js';
import type { ConfigPath, ConfigProblem } from './yaml-source.js';
import { pathKey, YamlSource } from './yaml-source.js';

export const DEFAULT_CONFIG_PATH = 'config/mail-ingest.yaml';

export type Env = Readonly<Record<string, string | undefined>>;

/** `--config PATH`, else `MAIL_INGEST_CONFIG`, else config/mail-ingest.yaml (SPEC §2). */
export function resolveConfigPath(flag: string | undefined, env: Env = process.env): string {
  return flag ?? env.MAIL_INGEST_CONFIG ?? DEFAULT_CONFIG_PATH;
}

/** Loads, validates and compiles the config file; throws ConfigError listing every problem. */
export function loadConfig(file: string, env: Env = process.env): CompiledConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read config file (${reason})` }]);
  }
  return loadConfigText(text, file, env);
}

export function loadConfigText(text: string, file: string, env: Env = process.env): CompiledConfig {
  const source = new YamlSource(file, text);
  if (source.problems.length > 0) throw new ConfigError(source.problems);
  source.interpolate(env);
  const raw = source.toJS() ?? {};

  const problems: ConfigProblem[] = [...source.problems];
  const pruned = new Set<string>();
  const parsed = parseLeniently(configSchema, raw, source, [], problems, pruned);

  // Tenants are checked after `defaults` is merged under each, so that a required key may come
  // from either place; a problem is reported where the offending value is written.
  const rawDefaults = isRecord(raw) && isRecord(raw.defaults) ? raw.defaults : {};
  const defaultsOk = defaultsSchema.safeParse(rawDefaults).success;
  const rawTenants = isRecord(raw) && isRecord(raw.tenants) ? raw.tenants : {};
  const tenants: Record<string, RawTenant> = {};
  for (const [id, tenant] of Object.entries(rawTenants)) {
    const merged = defaultsOk ? deepMerge(rawDefaults, tenant) : tenant;
    const result = parseLeniently(tenantSchema, merged ?? {}, source, ['tenants', id], problems, pruned);
    if (result !== null) tenants[id] = result;
  }
  if (isRecord(raw) && isRecord(raw.tenants) && Object.keys(rawTenants).length === 0) {
    problems.push(source.problem(['tenants'], 'at least one tenant is required under tenants:'));
  }

  // Compile whatever validated, so that one run reports every problem, not the first layer only.
  const compiled = compileConfig(
    parsed ?? { tenants: {} },
    tenants,
    source,
    path.dirname(path.resolve(file)),
    pruned,
  );
  if (!compiled.ok) problems.push(...compiled.problems);
  if (problems.length === 0 && compiled.ok) return compiled.config;
  throw new ConfigError(sortProblems(problems));
}

/**
 * Validates `value`; problems are collected. When the only obstacle is unknown keys, they are
 * dropped and the rest is still returned, so later checks (compilation) can report their own
 * problems in the same run.
 */
function parseLeniently<T>(
  schema: ZodType<T>,
  value: unknown,
  source: YamlSource,
  base: ConfigPath,
  problems: ConfigProblem[],
  pruned: Set<string>,
): T | null {
  const first = schema.safeParse(value);
  if (first.success) return first.data;
  problems.push(...zodProblems(source, first.error, base));
  // Drop what was reported (unknown keys, invalid values) and try again: if the rest is valid,
  // compilation can still find the problems it alone can see, e.g. a missing password.
  const copy = structuredClone(value);
  for (const issue of first.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const parentPath = issue.code === 'unrecognized_keys' ? issue.path : issue.path.slice(0, -1);
    const last = issue.path[issue.path.length - 1];
    let target: unknown = copy;
    for (const key of parentPath) target = isRecord(target) ? target[key as string] : undefined;
    if (!isRecord(target)) continue;
    for (const key of keys) delete target[key];
    if (issue.code !== 'unrecognized_keys' && typeof last === 'string') {
      delete target[last];
      pruned.add(pathKey([...base, ...issue.path.map(String)]));
    }
  }
  const second = schema.safeParse(copy);
  return second.success ? second.data : null;
}

function zodProblems(source: YamlSource, error: ZodError, base: ConfigPath): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const issuePath = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const full = [...base, ...issuePath];
    const where = source.whereWritten(full);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push(source.problem(where, `unknown key "${key}"${suggestion(key)}`, key));
      continue;
    }
    const field = issuePath.length > 0 ? `${issuePath.join('.')}: ` : '';
    const missing = issue.code === 'invalid_type' && !source.has(where);
    const message = missing ? 'is required' : issue.message;
    out.push(source.problem(where, `${field}${message}`));
  }
  return out;
}

const KNOWN_TYPOS: Readonly<Record<string, string>> = {
  pass: 'password',
  username: 'user',
  server: 'host',
  ssl: 'tls',
};
function suggestion(key: string): string {
  const hint = KNOWN_TYPOS[key.toLowerCase()];
  return hint ? ` (did you mean "${hint}"?)` : '';
}

/**
 * Every problem once, in file order. The same problem can be found more than once (a `defaults`
 * value is checked under each tenant); different problems at one place are all reported. (A value
 * dropped as invalid is not also reported as missing: `pruned` / `alreadyReported` see to that.)
 */
function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const k = `${p.line}:${p.col}:${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A secret written either way counts as one setting: the tenant's form replaces the default's. */
const SECRET_PAIRS: readonly (readonly [string, string])[] = [
  ['password', 'passwordFile'],
  ['apiKey', 'apiKeyFile'],
];

/** Maps are merged key by key; anything else in `over` replaces what is in `under`. */
export function deepMerge(under: unknown, over: unknown): unknown {
  if (!isRecord(under) || !isRecord(over)) return over === undefined || over === null ? under : over;
  const out: Record<string, unknown> = { ...under };
  for (const [a, b] of SECRET_PAIRS) {
    if (a in over) delete out[b];
    if (b in over) delete out[a];
  }
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(under[key], value);
  return out;
}
