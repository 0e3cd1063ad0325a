// How hookd reaches Redis: one server by URL (REDIS_URL), a master found through Sentinel
// (REDIS_SENTINELS), or a Redis Cluster (REDIS_CLUSTER_NODES). Pure: parsing and checks
// only; src/redis.ts builds the clients.

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type RedisEndpoint =
  | { readonly kind: 'url'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly HostPort[];
      /** The master group name the sentinels monitor. */
      readonly name: string;
      /** The master's (and replicas') ACL user and password; '' for none. */
      readonly username: string;
      readonly password: string;
      /** The sentinels' own password; '' for none. */
      readonly sentinelPassword: string;
    }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly HostPort[];
      /** Every node's ACL user and password; '' for none. */
      readonly username: string;
      readonly password: string;
    };

/** A name or an IPv4 address (letters, digits, '.', '-', '_'), or an IPv6 address in brackets. */
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+))(?::(\d{1,5}))?$/;
/** Bounds what one variable may hold: enough for any real deployment's seed list. */
const MAX_NODES = 64;

/**
 * `host[:port]` entries separated by commas (blank entries ignored), each with the given
 * default port. Returns the nodes, or what is wrong (without echoing the value: the
 * caller shows it redacted).
 */
export function parseHostPorts(raw: string, defaultPort: number): { nodes: HostPort[] } | { error: string } {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) return { error: 'holds no host:port' };
  if (parts.length > MAX_NODES) return { error: `holds ${parts.length} entries; at most ${MAX_NODES}` };
  const nodes: HostPort[] = [];
  const seen = new Set<string>();
  for (const [i, part] of parts.entries()) {
    // Credentials have their own variables: a URL's user:password@ here is refused, not used.
    if (part.includes('@') || part.includes('/')) return { error: `entry ${i + 1} is not host:port (no scheme, user or password here: REDIS_PASSWORD holds the password)` };
    const m = HOST_PORT.exec(part);
    if (!m) return { error: `entry ${i + 1} is not host:port` };
    const host = m[1] ?? m[2] ?? '';
    const port = m[3] === undefined ? defaultPort : Number(m[3]);
    if (port < 1 || port > 65535) return { error: `entry ${i + 1} has port ${port}; expected 1 to 65535` };
    const key = `${host.toLowerCase()}:${port}`;
    if (seen.has(key)) return { error: `entry ${i + 1} repeats ${host}:${port}` };
    seen.add(key);
    nodes.push({ host, port });
  }
  return { nodes };
}

/**
 * The hash tag every key under `prefix` hashes by on Redis Cluster, or null when the
 * prefix has none. Redis hashes only what lies between the first '{' of a key and the
 * first '}' after it, when that is not empty; every hookd key starts with the prefix, so
 * a tag inside the prefix puts every key (the job's, the index, idempotency keys, the
 * rate limiter's, BullMQ's) in one slot.
 */
export function hashTagOf(prefix: string): string | null {
  const open = prefix.indexOf('{');
  if (open < 0) return null;
  const close = prefix.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return null;
  return prefix.slice(open + 1, close);
}

/** `host:port` as an address is written ([::1]:6379 for IPv6). */
export function formatHostPort(n: HostPort): string {
  return n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`;
}
