import { readFileSync, statSync } from 'node:fs';

import type { CompiledConfig, TenantConfig } from '../config/types.js';
import type { PipelineTenant, ProcessedMessage } from '../message/pipeline.js';
import { processMessage } from '../message/pipeline.js';
import type { MessageSource } from '../message/types.js';
import { queueNameFor } from '../queue/plan.js';
import { jobIdFor } from '../queue/job-id.js';
import type { CliIo, ExitCode } from './io.js';
import { EXIT } from './io.js';
import { CliUsageError } from './errors.js';

/**
 * `mail-ingest inspect FILE.eml`: runs the daemon's own pipeline offline and prints the routing
 * decision and the exact jobs (queue, name, id, data) it would enqueue. No IMAP, no Redis.
 */
export async function inspectCommand(
  file: string,
  config: CompiledConfig,
  tenantId: string | undefined,
  io: CliIo,
): Promise<ExitCode> {
  const tenant = pickTenant(config, tenantId);
  let raw: Buffer;
  let mtime: Date;
  try {
    raw = readFileSync(file);
    mtime = statSync(file).mtime;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    io.stderr(`mail-ingest inspect: cannot read ${file} (${code})\n`);
    return EXIT.failed;
  }
  const pipelineTenant = asPipelineTenant(tenant);
  const source: MessageSource = {
    user: tenant.imap?.user ?? '',
    folder: tenant.imap?.folder ?? 'INBOX',
    uidValidity: 0,
    uid: 0,
    size: raw.length,
    internalDate: mtime.toISOString(),
  };
  const result = await processMessage(raw, source, pipelineTenant);
  io.stdout(`${JSON.stringify(inspectReport(file, config, tenant.id, result), null, 2)}\n`);
  return EXIT.ok;
}

export function inspectReport(
  file: string,
  config: CompiledConfig,
  tenant: string,
  result: ProcessedMessage,
): Record<string, unknown> {
  return {
    file,
    tenant,
    outcome: result.outcome,
    reason: result.reason,
    messageId: result.messageId,
    autoSubmitted: result.autoSubmitted,
    routing: result.decision,
    warnings: result.warnings,
    jobs: result.jobs.map((job) => {
      const queue = queueNameFor(config.queues, tenant, job);
      return { queue, name: 'email', jobId: jobIdFor(tenant, queue, result.identity), data: job.payload };
    }),
  };
}

function pickTenant(config: CompiledConfig, id: string | undefined): TenantConfig {
  const ingesting = config.tenants.filter((t) => t.assistant !== null);
  if (id !== undefined) {
    const found = config.tenants.find((t) => t.id === id);
    if (!found)
      throw new CliUsageError(
        `no tenant "${id}" in ${config.sourcePath} (tenants: ${config.tenants.map((t) => t.id).join(', ')})`,
      );
    if (!found.assistant)
      throw new CliUsageError(`tenant "${id}" has no assistant mailbox, so it receives no mail to inspect`);
    return found;
  }
  const only = ingesting[0];
  if (ingesting.length === 1 && only) return only;
  throw new CliUsageError(
    `${config.sourcePath} has ${ingesting.length} tenants with a mailbox; pass --tenant ID (one of: ${ingesting.map((t) => t.id).join(', ')})`,
  );
}

export function asPipelineTenant(tenant: TenantConfig): PipelineTenant {
  if (tenant.assistant === null) throw new CliUsageError(`tenant "${tenant.id}" has no assistant mailbox`);
  return { id: tenant.id, assistant: tenant.assistant, routing: tenant.routing, limits: tenant.limits };
}
