import { describe, expect, it } from 'vitest';

import { renderQueueName } from '../../../src/queue/names.js';

describe('renderQueueName', () => {
  it('fills the SPEC §3 default templates', () => {
    expect(
      renderQueueName('{tenant}.{workspace}', { tenant: 'acme', workspace: 'ws-1842', alias: 'sales' }),
    ).toBe('acme.ws-1842');
    expect(renderQueueName('{tenant}.unrouted', { tenant: 'acme' })).toBe('acme.unrouted');
    expect(renderQueueName('{tenant}.dead-letter', { tenant: 'acme', workspace: null, alias: null })).toBe(
      'acme.dead-letter',
    );
    expect(renderQueueName('{tenant}.outbound', { tenant: 'acme' })).toBe('acme.outbound');
  });

  it('knows the {alias} placeholder', () => {
    expect(
      renderQueueName('mail.{tenant}.{alias}', { tenant: 'acme', workspace: 'ws-1842', alias: 'sales' }),
    ).toBe('mail.acme.sales');
  });

  it('replaces every occurrence of a placeholder', () => {
    expect(renderQueueName('{tenant}-{workspace}-{tenant}', { tenant: 'acme', workspace: 'ws-77' })).toBe(
      'acme-ws-77-acme',
    );
  });

  it('leaves a template without placeholders unchanged', () => {
    expect(renderQueueName('shared-inbox', { tenant: 'acme', workspace: 'ws-77' })).toBe('shared-inbox');
  });

  it('is deterministic for the same message and workspace', () => {
    const vars = { tenant: 'acme', workspace: 'ws-1842', alias: 'sales' };
    expect(renderQueueName('{tenant}.{workspace}', vars)).toBe(
      renderQueueName('{tenant}.{workspace}', { ...vars }),
    );
  });
});
