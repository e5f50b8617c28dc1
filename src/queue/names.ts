/** Fills a queue-name template (SPEC §3): placeholders {tenant}, {workspace}, {alias}. */
export function renderQueueName(
  template: string,
  vars: { tenant: string; workspace?: string | null; alias?: string | null },
): string {
  return template
    .replaceAll('{tenant}', vars.tenant)
    .replaceAll('{workspace}', vars.workspace ?? '')
    .replaceAll('{alias}', vars.alias ?? '');
}
