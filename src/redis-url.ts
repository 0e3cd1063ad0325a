// A Redis URL can hold a password (redis://user:secret@host): every place that shows one
// (logs, errors, the start-up message) shows it through redactRedisUrl. The same goes for
// the node lists of Sentinel and Cluster (REDIS_SENTINELS, REDIS_CLUSTER_NODES): they
// should hold host:port only, but a value pasted from a URL may carry credentials.

import { formatHostPort, type RedisEndpoint } from './redis-endpoint.ts';

/** The URL as given, with the password between "user:" and the last "@" of its authority replaced by "***". */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-zA-Z][\w+.-]*:\/\/[^:@/?#]*):[^/?#]*@/, '$1:***@');
}

/** A comma-separated node list as given, with anything before an '@' in each entry (user, password) replaced by "***". */
export function redactRedisNodes(list: string): string {
  return list
    .split(',')
    .map((entry) => (entry.includes('@') ? entry.replace(/^(\s*(?:[a-zA-Z][\w+.-]*:\/\/)?)[^/?#]*@/, '$1***@') : entry))
    .join(',');
}

/** How hookd reaches Redis, for logs and errors: never a password. */
export function describeRedisEndpoint(endpoint: RedisEndpoint): string {
  switch (endpoint.kind) {
    case 'url':
      return redactRedisUrl(endpoint.url);
    case 'sentinel':
      return `master "${endpoint.name}" through sentinels ${endpoint.sentinels.map(formatHostPort).join(',')}`;
    case 'cluster':
      return `Redis Cluster at ${endpoint.nodes.map(formatHostPort).join(',')}`;
  }
}
