import type { CompiledConfig } from '../config/types.js';
import type { TenantValidation } from '../validate/validate-tenant.js';
import { validateTenant } from '../validate/validate-tenant.js';
import { CliUsageError } from './errors.js';
import type { CliIo, ExitCode } from './io.js';
import { EXIT } from './io.js';

export interface ValidateFlags {
  readonly tenant?: string;
  readonly json?: boolean;
  readonly waitDelivery?: boolean;
  readonly waitTimeoutMs?: number;
}

/** `mail-ingest validate`: exit 0 all ok, 1 any step failed (2 for a bad config, in cli.ts). */
export async function validateCommand(
  config: CompiledConfig,
  flags: ValidateFlags,
  io: CliIo,
): Promise<ExitCode> {
  const tenants =
    flags.tenant === undefined ? config.tenants : config.tenants.filter((t) => t.id === flags.tenant);
  if (tenants.length === 0) throw new CliUsageError(`no tenant "${flags.tenant}" in ${config.sourcePath}`);
  // Tenants are independent: check them side by side.
  const results = await Promise.all(
    tenants.map((t) =>
      validateTenant(t, config.sender, {
        waitDelivery: flags.waitDelivery ?? false,
        waitTimeoutMs: flags.waitTimeoutMs ?? 120_000,
      }),
    ),
  );
  io.stdout(
    flags.json
      ? `${JSON.stringify({ ok: results.every((r) => r.ok), tenants: results }, null, 2)}\n`
      : renderTable(results),
  );
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

export function renderTable(results: readonly TenantValidation[]): string {
  const rows = results.flatMap((r) =>
    r.steps.map((s) => [
      r.tenant,
      s.step,
      s.status === 'failed' && s.stage ? `failed (${s.stage})` : s.status,
      s.status === 'skipped' ? '' : `${s.ms} ms`,
      s.detail,
    ]),
  );
  const header = ['TENANT', 'STEP', 'RESULT', 'TIME', 'DETAIL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const failed = results.filter((r) => !r.ok).length;
  const summary =
    failed === 0 ? `all ${results.length} tenant(s) ok` : `${failed} of ${results.length} tenant(s) failed`;
  return `${[line(header), ...rows.map(line)].join('\n')}\n\n${summary}\n`;
}
