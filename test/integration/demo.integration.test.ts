import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { CLI } from '../helpers/daemon.js';

describe('mail-ingest demo (integration)', () => {
  it('runs end to end on its own Dovecot and Redis and prints what landed where', () => {
    const result = spawnSync(process.execPath, [CLI, 'demo'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('demo.ws-sales  (3 jobs)');
    expect(result.stdout).toContain('demo.ws-support  (3 jobs)');
    expect(result.stdout).toContain('demo.unrouted  (2 jobs)');
    expect(result.stdout).toMatch(/invite REQUEST: "Quarterly pipeline review" starts 2026-12-10T14:00:00\.000Z \(UTC\), zone Europe\/Berlin/);
    expect(result.stdout).toContain('auto-submitted: auto-replied');
  });
});
