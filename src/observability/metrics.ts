import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric of ours is named mail_ingest_* (SPEC §6). One registry per daemon instance. */
export class Metrics {
  readonly registry = new Registry();

  readonly messages = new Counter({
    name: 'mail_ingest_messages_total',
    help: 'Messages processed, by tenant and outcome (routed, unrouted, dead-letter, dropped).',
    labelNames: ['tenant', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly invites = new Counter({
    name: 'mail_ingest_invites_total',
    help: 'Calendar invites extracted, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly cycleSeconds = new Histogram({
    name: 'mail_ingest_cycle_duration_seconds',
    help: 'Duration of one poll cycle (search, fetch, parse, enqueue, mark seen), by tenant.',
    labelNames: ['tenant'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly fetchSeconds = new Histogram({
    name: 'mail_ingest_fetch_duration_seconds',
    help: 'Duration of one batch download (UID FETCH BODY.PEEK[]), by tenant.',
    labelNames: ['tenant'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly connectionState = new Gauge({
    name: 'mail_ingest_imap_connection_state',
    help: 'IMAP connection state per tenant: 1 for the current state, 0 for the others.',
    labelNames: ['tenant', 'state'] as const,
    registers: [this.registry],
  });

  readonly lastSuccess = new Gauge({
    name: 'mail_ingest_last_success_timestamp_seconds',
    help: 'Unix time of the last completed poll cycle, per tenant.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly queueAddErrors = new Counter({
    name: 'mail_ingest_queue_add_errors_total',
    help: 'Failed attempts to record jobs in Redis, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mail_ingest_process_' });
  }

  setState(tenant: string, state: string, all: readonly string[]): void {
    for (const s of all) this.connectionState.set({ tenant, state: s }, s === state ? 1 : 0);
  }
}
