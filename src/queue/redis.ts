import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

/**
 * Two connection profiles (STYLE 8). `producer`: commands fail fast instead of queueing while
 * Redis is away, so the poller notices an outage at once, marks nothing read, and waits for Redis
 * to come back. `worker` (BullMQ workers, which block): retry forever. Both reconnect in the
 * background with a capped delay.
 */
export function createRedisConnection(
  url: string,
  options: { connectionName: string; profile: 'producer' | 'worker' },
): Redis | Cluster {
  const producer = options.profile === 'producer';
  const common: RedisOptions = {
    connectionName: options.connectionName,
    enableOfflineQueue: !producer,
    maxRetriesPerRequest: producer ? 1 : null,
    ...(producer ? { commandTimeout: 10_000 } : {}),
    connectTimeout: 10_000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(250 * 2 ** Math.min(attempt, 6), 5_000),
  };
  const parsed = new URL(url);
  if (parsed.protocol === 'redis-sentinel:') {
    // redis-sentinel://[:password@]host:port[,host:port...]/masterName
    const hosts =
      url.slice(url.indexOf('@') >= 0 ? url.indexOf('@') + 1 : 'redis-sentinel://'.length).split('/')[0] ??
      '';
    return new Redis({
      ...common,
      sentinels: hostList(hosts),
      name: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'mymaster',
      password: parsed.password !== '' ? decodeURIComponent(parsed.password) : undefined,
      username: parsed.username !== '' ? decodeURIComponent(parsed.username) : undefined,
    });
  }
  if (parsed.protocol === 'redis-cluster:') {
    const hosts =
      url.slice(url.indexOf('@') >= 0 ? url.indexOf('@') + 1 : 'redis-cluster://'.length).split('/')[0] ?? '';
    return new Cluster(hostList(hosts), {
      enableOfflineQueue: !producer,
      redisOptions: {
        ...common,
        password: parsed.password !== '' ? decodeURIComponent(parsed.password) : undefined,
        username: parsed.username !== '' ? decodeURIComponent(parsed.username) : undefined,
      },
    });
  }
  return new Redis(url, common);
}

function hostList(hosts: string): { host: string; port: number }[] {
  return hosts
    .split(',')
    .filter((h) => h !== '')
    .map((h) => {
      const idx = h.lastIndexOf(':');
      return idx > 0 ? { host: h.slice(0, idx), port: Number(h.slice(idx + 1)) } : { host: h, port: 6379 };
    });
}
