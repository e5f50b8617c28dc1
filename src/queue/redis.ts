import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

/**
 * The producer's Redis connection (STYLE 8): commands fail fast instead of queueing while Redis
 * is away, so the poller notices an outage at once, marks nothing read, and waits for Redis to
 * come back; ioredis keeps reconnecting in the background with a capped delay.
 */
export function createProducerConnection(url: string, options: { connectionName: string }): Redis | Cluster {
  const common: RedisOptions = {
    connectionName: options.connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 10_000,
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
      enableOfflineQueue: false,
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
