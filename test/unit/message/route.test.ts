import { describe, expect, it } from 'vitest';

import type { Candidate, CandidateHeader } from '../../../src/message/candidates.js';
import { collectCandidates } from '../../../src/message/candidates.js';
import type { Route, RoutingDecision, RoutingRules } from '../../../src/message/route.js';
import { decideRoute } from '../../../src/message/route.js';
import type { AutoSubmittedKind } from '../../../src/message/types.js';
import { ASSISTANT, RULES } from './tenants.js';

const c = (header: CandidateHeader, address: string): Candidate => ({ address, header });

function route(
  candidates: readonly Candidate[],
  rules: Partial<RoutingRules> = {},
  auto: AutoSubmittedKind | null = null,
): RoutingDecision {
  return decideRoute(candidates, auto, ASSISTANT, { ...RULES, ...rules });
}

function routesOf(decision: RoutingDecision): Route[] {
  expect(decision.outcome).toBe('routed');
  return decision.outcome === 'routed'
    ? [...decision.routes].sort((a, b) => a.workspace.localeCompare(b.workspace))
    : [];
}

function fallback(decision: RoutingDecision): Extract<RoutingDecision, { outcome: 'unrouted' | 'dropped' }> {
  if (decision.outcome === 'routed')
    throw new Error(
      `expected unrouted or dropped, got routed to ${decision.routes.map((r) => r.workspace).join(',')}`,
    );
  return decision;
}

describe('decideRoute: one alias', () => {
  it('routes a known alias to its workspace and records address and header', () => {
    const decision = route([c('delivered-to', 'casper+sales@example.com')]);
    expect(decision).toEqual({
      outcome: 'routed',
      routes: [
        {
          workspace: 'ws-1842',
          alias: 'sales',
          recipient: { address: 'casper+sales@example.com', header: 'delivered-to' },
        },
      ],
      warnings: [],
    });
  });

  it('records the highest-priority header where the alias was seen', () => {
    const decision = route([
      c('x-original-to', 'casper+support@example.com'),
      c('to', 'Casper+Support@example.com'),
      c('cc', 'casper+support@example.com'),
      c('received', 'casper+support@example.com'),
    ]);
    expect(routesOf(decision)).toEqual([
      {
        workspace: 'ws-77',
        alias: 'support',
        recipient: { address: 'casper+support@example.com', header: 'x-original-to' },
      },
    ]);
  });

  it('records "received" when the alias is only in a Received for-clause', () => {
    const decision = route([
      c('to', 'project@lists.example.org'),
      c('received', 'casper@example.com'),
      c('received', 'casper+support@example.com'),
    ]);
    expect(routesOf(decision)).toEqual([
      {
        workspace: 'ws-77',
        alias: 'support',
        recipient: { address: 'casper+support@example.com', header: 'received' },
      },
    ]);
  });

  it('normalizes an upper-case alias to lower case', () => {
    const [only] = routesOf(route([c('to', 'CASPER+Sales@EXAMPLE.COM')]));
    expect(only?.alias).toBe('sales');
    expect(only?.workspace).toBe('ws-1842');
    expect(only?.recipient?.address).toBe('casper+sales@example.com');
  });

  it('routes an alias even when the bare mailbox is in a higher-priority header (Postfix X-Original-To)', () => {
    const decision = route(
      [c('x-original-to', 'casper+support@example.com'), c('delivered-to', 'casper@example.com')].reverse(),
    );
    expect(decision.warnings).toEqual([]);
    expect(routesOf(decision).map((r) => [r.workspace, r.recipient?.header])).toEqual([
      ['ws-77', 'x-original-to'],
    ]);
  });

  it('ignores addresses that are not the assistant', () => {
    const decision = route([
      c('delivered-to', 'tomas.ortega@example.org'),
      c('to', 'casper+sales@example.net'),
      c('cc', 'casper+support@example.com'),
    ]);
    expect(routesOf(decision).map((r) => r.workspace)).toEqual(['ws-77']);
  });

  it('is deterministic', () => {
    const candidates = [
      c('to', 'casper+sales@example.com'),
      c('cc', 'casper+support@example.com'),
      c('cc', 'casper+ops@example.com'),
    ];
    expect(route(candidates)).toEqual(route(candidates));
  });
});

describe('decideRoute: fan-out', () => {
  it('gives one route per distinct workspace, each with its own alias and header', () => {
    const decision = route([
      c('delivered-to', 'casper+support@example.com'),
      c('to', 'casper+sales@example.com'),
      c('cc', 'casper+support@example.com'),
    ]);
    expect(routesOf(decision)).toEqual([
      {
        workspace: 'ws-1842',
        alias: 'sales',
        recipient: { address: 'casper+sales@example.com', header: 'to' },
      },
      {
        workspace: 'ws-77',
        alias: 'support',
        recipient: { address: 'casper+support@example.com', header: 'delivered-to' },
      },
    ]);
    expect(decision.warnings).toEqual([]);
  });

  it('gives one route when two aliases map to the same workspace, for the alias seen first', () => {
    expect(
      routesOf(route([c('to', 'casper+sales@example.com'), c('cc', 'casper+vente@example.com')])),
    ).toEqual([
      {
        workspace: 'ws-1842',
        alias: 'sales',
        recipient: { address: 'casper+sales@example.com', header: 'to' },
      },
    ]);
    expect(
      routesOf(route([c('delivered-to', 'casper+vente@example.com'), c('to', 'casper+sales@example.com')])),
    ).toEqual([
      {
        workspace: 'ws-1842',
        alias: 'vente',
        recipient: { address: 'casper+vente@example.com', header: 'delivered-to' },
      },
    ]);
  });

  it('without a workspaces map, every valid alias is its own workspace', () => {
    const decision = route(
      [
        c('to', 'casper+ops@example.com'),
        c('cc', 'casper+sales@example.com'),
        c('received', 'casper+marketing@example.com'),
      ],
      {
        workspaces: null,
      },
    );
    expect(routesOf(decision)).toEqual([
      {
        workspace: 'marketing',
        alias: 'marketing',
        recipient: { address: 'casper+marketing@example.com', header: 'received' },
      },
      { workspace: 'ops', alias: 'ops', recipient: { address: 'casper+ops@example.com', header: 'to' } },
      {
        workspace: 'sales',
        alias: 'sales',
        recipient: { address: 'casper+sales@example.com', header: 'cc' },
      },
    ]);
  });

  it('routes a real header set in SPEC priority order (candidates from collectCandidates)', () => {
    const { candidates } = collectCandidates([
      {
        name: 'received',
        value:
          'from a by mx.example.com id 1 for <casper+support@example.com>; Mon, 9 Mar 2026 14:00:00 +0000',
      },
      { name: 'cc', value: 'casper+support@example.com, Priya Raman <priya.raman@example.org>' },
      { name: 'to', value: 'casper+sales@example.com' },
      { name: 'delivered-to', value: 'casper+support@example.com' },
    ]);
    expect(routesOf(route(candidates)).map((r) => [r.workspace, r.recipient?.header])).toEqual([
      ['ws-1842', 'to'],
      ['ws-77', 'delivered-to'],
    ]);
  });
});

describe('decideRoute: aliases that do not route', () => {
  it('when at least one alias routes, an unknown alias is only a warning', () => {
    const decision = route([c('to', 'casper+ops@example.com'), c('cc', 'casper+sales@example.com')]);
    expect(routesOf(decision).map((r) => r.workspace)).toEqual(['ws-1842']);
    expect(decision.warnings).toHaveLength(1);
    expect(decision.warnings[0]).toContain('ops');
  });

  it('when at least one alias routes, an invalid alias is only a warning', () => {
    const decision = route([c('to', 'casper+bad/alias@example.com'), c('cc', 'casper+sales@example.com')]);
    expect(routesOf(decision).map((r) => r.workspace)).toEqual(['ws-1842']);
    expect(decision.warnings).toHaveLength(1);
    expect(decision.warnings[0]).toContain('bad/alias');
  });

  it('an invalid alias alone counts as the bare mailbox (noAlias) with a warning for each', () => {
    const long = 'a'.repeat(70);
    const decision = fallback(
      route([c('to', 'casper+bad/alias@example.com'), c('cc', `casper+${long}@example.com`)]),
    );
    expect(decision.outcome).toBe('unrouted');
    expect(decision.alias).toBeNull();
    expect(decision.warnings).toHaveLength(2);
    expect(decision.warnings.join('\n')).toContain('bad/alias');
    expect(decision.warnings.join('\n')).toContain(long);
  });

  it('an invalid alias seen in two headers is warned about once', () => {
    const decision = route([
      c('delivered-to', 'casper+bad/alias@example.com'),
      c('to', 'casper+bad/alias@example.com'),
    ]);
    expect(decision.warnings).toHaveLength(1);
  });

  it('an invalid alias alone goes to the noAlias workspace when configured', () => {
    const decision = route([c('to', 'casper+bad/alias@example.com')], {
      noAlias: { action: 'workspace', workspace: 'ws-inbox' },
    });
    expect(decision.outcome).toBe('routed');
    expect(decision.outcome === 'routed' && decision.routes.map((r) => [r.workspace, r.alias])).toEqual([
      ['ws-inbox', null],
    ]);
    expect(decision.warnings.join('\n')).toContain('bad/alias');
  });
});

describe('decideRoute: unknownAlias policy', () => {
  const unknown = [
    c('delivered-to', 'casper+marketing@example.com'),
    c('to', 'casper+marketing@example.com'),
  ];

  it('unrouted: one unrouted decision with a reason, the alias and where it was seen', () => {
    const decision = fallback(route(unknown));
    expect(decision.outcome).toBe('unrouted');
    expect(decision.reason).toMatch(/\S/);
    expect(decision.alias).toBe('marketing');
    expect(decision.recipient).toEqual({ address: 'casper+marketing@example.com', header: 'delivered-to' });
  });

  it('drop: dropped', () => {
    const decision = fallback(route(unknown, { unknownAlias: { action: 'drop' } }));
    expect(decision.outcome).toBe('dropped');
    expect(decision.alias).toBe('marketing');
  });

  it('workspace:<id>: routed to that workspace, keeping alias and recipient', () => {
    expect(
      routesOf(route(unknown, { unknownAlias: { action: 'workspace', workspace: 'ws-default' } })),
    ).toEqual([
      {
        workspace: 'ws-default',
        alias: 'marketing',
        recipient: { address: 'casper+marketing@example.com', header: 'delivered-to' },
      },
    ]);
  });

  it('does not apply without a workspaces map (the alias is its own workspace)', () => {
    expect(
      routesOf(route(unknown, { workspaces: null, unknownAlias: { action: 'drop' } })).map(
        (r) => r.workspace,
      ),
    ).toEqual(['marketing']);
  });

  it('applies (not noAlias) when an unknown alias comes with an invalid one', () => {
    const decision = fallback(
      route([c('to', 'casper+bad/alias@example.com'), c('cc', 'casper+marketing@example.com')], {
        unknownAlias: { action: 'drop' },
        noAlias: { action: 'workspace', workspace: 'ws-inbox' },
      }),
    );
    expect(decision.outcome).toBe('dropped');
    expect(decision.alias).toBe('marketing');
    expect(decision.warnings.join('\n')).toContain('bad/alias');
  });

  it('is not used for the bare mailbox', () => {
    const decision = route([c('to', 'casper@example.com')], { unknownAlias: { action: 'drop' } });
    expect(decision.outcome).toBe('unrouted');
  });
});

describe('decideRoute: noAlias policy', () => {
  const bare = [c('delivered-to', 'casper@example.com'), c('to', 'Casper@Example.com')];
  const nothing = [c('to', 'all-staff@example.org'), c('received', 'all-staff@example.org')];

  it.each([
    ['mail to the bare mailbox', bare],
    ['no assistant address among the recipients', nothing],
    ['no candidates at all', []],
  ])('%s: unrouted with a reason, alias null', (_what, candidates) => {
    const decision = fallback(route(candidates));
    expect(decision.outcome).toBe('unrouted');
    expect(decision.reason).toMatch(/\S/);
    expect(decision.alias).toBeNull();
    expect(decision.warnings).toEqual([]);
  });

  it.each([
    ['mail to the bare mailbox', bare],
    ['no assistant address among the recipients', nothing],
  ])('%s: drop -> dropped', (_what, candidates) => {
    expect(route(candidates, { noAlias: { action: 'drop' } }).outcome).toBe('dropped');
  });

  it.each([
    ['mail to the bare mailbox', bare],
    ['no assistant address among the recipients', nothing],
  ])('%s: workspace:<id> -> routed there with alias null', (_what, candidates) => {
    const routes = routesOf(route(candidates, { noAlias: { action: 'workspace', workspace: 'ws-inbox' } }));
    expect(routes.map((r) => [r.workspace, r.alias])).toEqual([['ws-inbox', null]]);
  });

  it('does not apply unknownAlias to the bare mailbox even without a workspaces map', () => {
    expect(route(bare, { workspaces: null, noAlias: { action: 'drop' } }).outcome).toBe('dropped');
  });
});

describe('decideRoute: autoReplies policy', () => {
  const kinds: AutoSubmittedKind[] = ['bounce', 'auto-replied', 'list', 'auto-generated'];
  const fanOut = [c('to', 'casper+sales@example.com'), c('cc', 'casper+support@example.com')];

  it.each(kinds)('%s with autoReplies: unrouted -> never routed, even with valid aliases', (kind) => {
    const decision = fallback(route(fanOut, {}, kind));
    expect(decision.outcome).toBe('unrouted');
    expect(decision.reason).toMatch(/\S/);
  });

  it.each(kinds)('%s with autoReplies: drop -> dropped', (kind) => {
    expect(route(fanOut, { autoReplies: 'drop' }, kind).outcome).toBe('dropped');
  });

  it.each(kinds)('%s with autoReplies: route -> routed like any other mail (fan-out included)', (kind) => {
    expect(routesOf(route(fanOut, { autoReplies: 'route' }, kind)).map((r) => r.workspace)).toEqual([
      'ws-1842',
      'ws-77',
    ]);
  });

  it('autoReplies: unrouted keeps the alias and recipient on the unrouted decision', () => {
    const decision = fallback(route([c('to', 'casper+sales@example.com')], {}, 'auto-replied'));
    expect(decision.alias).toBe('sales');
    expect(decision.recipient).toEqual({ address: 'casper+sales@example.com', header: 'to' });
  });

  it('autoReplies wins over a noAlias/unknownAlias workspace', () => {
    const rules: Partial<RoutingRules> = {
      noAlias: { action: 'workspace', workspace: 'ws-inbox' },
      unknownAlias: { action: 'workspace', workspace: 'ws-inbox' },
    };
    expect(route([c('to', 'casper@example.com')], rules, 'bounce').outcome).toBe('unrouted');
    expect(route([c('to', 'casper+marketing@example.com')], rules, 'bounce').outcome).toBe('unrouted');
  });

  it('autoReplies: route still applies noAlias and unknownAlias', () => {
    expect(
      route([c('to', 'casper@example.com')], { autoReplies: 'route', noAlias: { action: 'drop' } }, 'bounce')
        .outcome,
    ).toBe('dropped');
    expect(route([c('to', 'casper+marketing@example.com')], { autoReplies: 'route' }, 'list').outcome).toBe(
      'unrouted',
    );
  });

  it('ordinary mail (autoSubmitted null) is not affected by autoReplies: drop', () => {
    expect(routesOf(route(fanOut, { autoReplies: 'drop' }, null))).toHaveLength(2);
  });
});
