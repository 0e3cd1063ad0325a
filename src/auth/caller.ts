// Who is asking: the caller hookd acts for. A Kubernetes user (HOOKD_AUTH=kubernetes, from a
// TokenReview), a named token (HOOKD_AUTH=tokens), or nobody in particular (HOOKD_AUTH=none).
// The same record is the owner of the jobs the caller creates, stored with the job so the
// worker asks Kubernetes again, for the same user and groups, right before each pod's exec.

import type { JobOwner, OwnerView } from '../domain/views.ts';

export const TokenRights = ['submit', 'read', 'cancel', 'admin'] as const;
export type TokenRight = (typeof TokenRights)[number];

/** A Kubernetes user or a named token (domain/views.ts JobOwner), or nobody in particular. */
export type Caller = JobOwner | { readonly kind: 'anonymous' };

export type { JobOwner, OwnerView };

/**
 * One string per caller, for ownership and the scope of Idempotency-Keys. Users and tokens
 * live in separate spaces ("user:alice" is never "token:alice").
 */
export function callerKey(c: Caller): string {
  return c.kind === 'anonymous' ? 'anonymous' : `${c.kind}:${c.name}`;
}

export function ownerOf(c: Caller): JobOwner | null {
  return c.kind === 'anonymous' ? null : c;
}

export function ownerView(o: JobOwner | null): OwnerView | null {
  return o === null ? null : { name: o.name, kind: o.kind };
}

/** The callerKey of a job's owner as its view shows it (null: no owner). */
export function ownerKeyOf(o: OwnerView | null): string | null {
  return o === null ? null : `${o.kind}:${o.name}`;
}

/** The name audit lines and messages use. */
export function callerName(c: Caller): string {
  return c.kind === 'anonymous' ? 'anonymous' : c.name;
}

export function callerGroups(c: Caller): readonly string[] {
  return c.kind === 'user' ? c.groups : [];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the access hook on every /v1 request (anonymous in none mode). */
    caller: Caller;
  }
}
