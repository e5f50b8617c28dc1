import type { QueueTemplates } from '../config/types.js';
import type { JobKind } from '../message/pipeline.js';
import { renderQueueName } from './names.js';

/** The queue a planned job goes to, from the SPEC §3 templates. */
export function queueNameFor(
  templates: QueueTemplates,
  tenant: string,
  job: { readonly kind: JobKind; readonly workspace: string | null; readonly alias: string | null },
): string {
  const template =
    job.kind === 'workspace'
      ? templates.workspace
      : job.kind === 'unrouted'
        ? templates.unrouted
        : templates.deadLetter;
  return renderQueueName(template, { tenant, workspace: job.workspace, alias: job.alias });
}
