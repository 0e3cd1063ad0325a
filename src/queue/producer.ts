// Enqueues a submission: one parent job, whose processor later adds one child per pod.
// The parent's id is derived from the hookd job id, so a repeated enqueue of the same
// job (a retried POST after a crash) adds nothing while the first is kept.

import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobSpec } from '../domain/views.ts';
import { parentJobId, parseJobPayload, QueueNames } from './catalog.ts';

export interface Producer {
  enqueue(spec: JobSpec): Promise<void>;
  close(): Promise<void>;
}

export function createProducer(deps: { connection: Redis; prefix: string }): Producer {
  const queue = new Queue(QueueNames.jobs, { connection: deps.connection, prefix: deps.prefix });
  return {
    async enqueue(spec) {
      const data = parseJobPayload({ v: 1, jobId: spec.id });
      await queue.add('job', data, {
        jobId: parentJobId(spec.id),
        // A parent fails only when the job cannot be carried out at all; keep it a while for diagnosis.
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      });
    },
    close: () => queue.close(),
  };
}
