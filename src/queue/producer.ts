// Enqueues a submission: one parent job, whose processor later adds one child per pod.
// The parent's id is derived from the hookd job id, so a repeated enqueue of the same
// job (a retried POST after a crash) adds nothing while the first is kept.

import { Queue } from 'bullmq';
import type { RedisClient } from '../redis.ts';
import type { JobSpec } from '../domain/views.ts';
import { parentJobId, parseJobPayload, QueueNames } from './catalog.ts';

export interface Producer {
  enqueue(spec: JobSpec): Promise<void>;
  close(): Promise<void>;
}

export interface ProducerDeps {
  readonly connection: RedisClient;
  readonly prefix: string;
  /** How often the parent step is tried when the cluster cannot be read (default 5, backoff from 1 s). */
  readonly retry?: { readonly attempts: number; readonly backoffMs: number };
}

export function createProducer(deps: ProducerDeps): Producer {
  const retry = deps.retry ?? { attempts: 5, backoffMs: 1000 };
  const queue = new Queue(QueueNames.jobs, { connection: deps.connection, prefix: deps.prefix });
  return {
    async enqueue(spec) {
      const data = parseJobPayload({ v: 1, jobId: spec.id });
      await queue.add('job', data, {
        jobId: parentJobId(spec.id),
        // A parent fails only when the job cannot be carried out at all; keep it a while for diagnosis.
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
        attempts: retry.attempts,
        backoff: { type: 'exponential', delay: retry.backoffMs },
      });
    },
    close: () => queue.close(),
  };
}
