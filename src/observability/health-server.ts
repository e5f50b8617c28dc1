import { createServer } from 'node:http';
import type { Server } from 'node:http';

import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  readonly ready: boolean;
  readonly details: Record<string, unknown>;
}

/** /healthz (alive), /readyz (SPEC §6), /metrics (Prometheus text format). */
export class HealthServer {
  #server: Server | null = null;

  constructor(
    private readonly listen: { host: string; port: number },
    private readonly metrics: Metrics,
    private readonly readiness: () => Readiness,
    private readonly log: Logger,
  ) {}

  async start(): Promise<{ host: string; port: number }> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const r = this.readiness();
        res
          .writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(`${JSON.stringify(r)}\n`);
      } else if (path === '/metrics') {
        this.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
          (err: unknown) => {
            this.log.warn({ err }, 'metrics collection failed');
            res.writeHead(500).end();
          },
        );
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : this.listen.port;
    return { host: this.listen.host, port };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
