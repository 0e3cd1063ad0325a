// One exec through client-node's own `Exec`, as a plain program would write it: open the
// WebSocket, wait for the status frame (channel 3), done. The baseline and the Velero-style
// runner use it; hookd's executor (src/kube/exec.ts) is what they are compared with.

import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
// The package index does not re-export it; passing our own streams keeps client-node from
// ending process.stdout on a close frame (pitfalls.md).
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import { PassThrough, Writable } from 'node:stream';

const sink = (): Writable => new Writable({ write: (_c, _e, cb) => cb() });

export interface ExecTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
}

/** Resolves with the exit code when the status frame arrives; rejects on refusal or after `timeoutMs`. */
export function execOnce(kc: KubeConfig, t: ExecTarget, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const stdout = sink();
    const stderr = sink();
    const exec = new Exec(kc, new WebSocketHandler(kc, undefined, { stdin: new PassThrough(), stdout, stderr }));
    const t0 = Date.now();
    // Whether the WebSocket opened tells a server that never answered from one that never finished.
    let openedAfterMs: number | null = null;
    const timer = setTimeout(() => {
      const socket = openedAfterMs === null ? 'the WebSocket never opened' : `the WebSocket opened after ${openedAfterMs} ms`;
      reject(new Error(`exec in ${t.namespace}/${t.pod}: no status within ${timeoutMs} ms (${socket})`));
    }, timeoutMs);
    const onStatus = (s: V1Status): void => {
      clearTimeout(timer);
      if (s.status === 'Success') return resolve(0);
      const code = Number(s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message);
      if (Number.isInteger(code)) resolve(code);
      else reject(new Error(`exec in ${t.namespace}/${t.pod}: ${s.message ?? s.reason ?? 'failed'}`));
    };
    exec.exec(t.namespace, t.pod, t.container, [...t.command], stdout, stderr, null, false, onStatus).then(
      () => (openedAfterMs = Date.now() - t0),
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
