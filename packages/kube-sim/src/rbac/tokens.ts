// Who a bearer token belongs to. Static tokens (kube-apiserver's --token-auth-file: the
// main token in system:masters, the namespace-limited ones, any `users` given) and
// ServiceAccount tokens as the TokenRequest API issues them: signed JWTs (HS256 with a key
// made at start, where a cluster uses its service-account signing key) naming the account
// and its uid, with audiences and an expiry. A ServiceAccount token stops working when it
// expires or when its account is deleted (the uid no longer matches), as bound tokens do.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ObjectStore, StoredObject } from '../object-store.ts';
import { AUTHENTICATED, SA_PREFIX, type UserInfo } from './types.ts';

export const DEFAULT_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';

export interface StaticUser {
  token: string;
  username: string;
  uid?: string;
  groups?: string[];
}

interface Claims {
  iss: string;
  aud: string[];
  sub: string;
  exp: number;
  iat: number;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string } };
}

const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export class TokenAuthenticator {
  private readonly key = randomBytes(32);
  private readonly users = new Map<string, UserInfo>();

  private readonly serviceaccounts: ObjectStore;

  constructor(serviceaccounts: ObjectStore, users: readonly StaticUser[]) {
    this.serviceaccounts = serviceaccounts;
    for (const u of users) {
      const groups = [...(u.groups ?? [])];
      if (!groups.includes(AUTHENTICATED)) groups.push(AUTHENTICATED);
      this.users.set(u.token, { username: u.username, uid: u.uid ?? '', groups });
    }
  }

  /** The user behind an `Authorization: Bearer` header, or null (no header, unknown token). */
  identify(authorization: string | undefined): UserInfo | null {
    const m = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    return m?.[1] ? (this.authenticate(m[1], [])?.user ?? null) : null;
  }

  /**
   * A TokenReview's question. With `audiences`, a ServiceAccount token must be meant for one
   * of them; the answer's audiences are those that matched (static tokens: the ones asked).
   */
  authenticate(token: string, audiences: readonly string[]): { user: UserInfo; audiences: string[] } | null {
    const fixed = this.users.get(token);
    if (fixed) return { user: fixed, audiences: audiences.length > 0 ? [...audiences] : [DEFAULT_AUDIENCE] };
    return this.verify(token, audiences, Date.now());
  }

  /** TokenRequest: a token for the ServiceAccount, valid `seconds`. */
  issue(sa: StoredObject, audiences: readonly string[], seconds: number, nowMs = Date.now()): { token: string; expirationTimestamp: string } {
    const namespace = sa.metadata.namespace ?? '';
    const iat = Math.floor(nowMs / 1000);
    const claims: Claims = {
      iss: DEFAULT_AUDIENCE,
      aud: audiences.length > 0 ? [...audiences] : [DEFAULT_AUDIENCE],
      sub: `${SA_PREFIX}${namespace}:${sa.metadata.name}`,
      iat,
      exp: iat + seconds,
      'kubernetes.io': { namespace, serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid } },
    };
    const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
    return { token: `${head}.${this.sign(head)}`, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') };
  }

  private verify(token: string, audiences: readonly string[], nowMs: number): { user: UserInfo; audiences: string[] } | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [h, p, sig] = parts as [string, string, string];
    const want = Buffer.from(this.sign(`${h}.${p}`));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Claims;
    } catch {
      return null;
    }
    if (claims.exp * 1000 <= nowMs) return null;
    const matched = audiences.length > 0 ? audiences.filter((a) => claims.aud.includes(a)) : claims.aud;
    if (matched.length === 0) return null;
    const k = claims['kubernetes.io'];
    const sa = this.serviceaccounts.get(k.namespace, k.serviceaccount.name);
    if (!sa || sa.metadata.uid !== k.serviceaccount.uid) return null;
    return {
      user: {
        username: `${SA_PREFIX}${k.namespace}:${k.serviceaccount.name}`,
        uid: k.serviceaccount.uid,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${k.namespace}`, AUTHENTICATED],
      },
      audiences: matched,
    };
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}
