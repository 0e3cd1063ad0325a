// Scripted exec handlers: tests and the benchmark answer exec calls from a function
// instead of a process, for speed and determinism. The most specific match wins:
// namespace+pod+container, then namespace+pod, then namespace+container, then namespace.

import type { ExecHandler, ScriptMatch } from '../types.ts';

function key(namespace: string, pod: string | undefined, container: string | undefined): string {
  return `${namespace}\u0000${pod ?? '*'}\u0000${container ?? '*'}`;
}

export class ScriptRegistry {
  private readonly handlers = new Map<string, ExecHandler>();

  set(match: ScriptMatch, handler: ExecHandler): void {
    this.handlers.set(key(match.namespace, match.pod, match.container), handler);
  }

  clear(): void {
    this.handlers.clear();
  }

  /** Four map lookups whatever the number of scripts: the benchmark registers thousands. */
  find(namespace: string, pod: string, container: string): ExecHandler | undefined {
    return (
      this.handlers.get(key(namespace, pod, container)) ??
      this.handlers.get(key(namespace, pod, undefined)) ??
      this.handlers.get(key(namespace, undefined, container)) ??
      this.handlers.get(key(namespace, undefined, undefined))
    );
  }
}
