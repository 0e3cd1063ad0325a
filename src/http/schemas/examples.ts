// The request bodies Swagger UI offers for POST /v1/jobs ("Try it out" starts from the
// first). Each runs unchanged on the quick start (`npm start`: the simulated cluster's `demo`
// namespace, src/demo.ts) and is accepted with 202; test/http/docs-examples.test.ts runs them.

const HELLO = ['/bin/sh', '-c', 'echo hello from $HOSTNAME'];

export const CREATE_JOB_EXAMPLES = {
  'demo-pods': {
    summary: 'Two pods of the quick start, one spec hook each',
    value: {
      restore: 'quick-start',
      pods: [
        { namespace: 'demo', name: 'cache-0' },
        { namespace: 'demo', name: 'cache-1' },
      ],
      hooks: {
        resources: [
          {
            name: 'say-hello',
            includedNamespaces: ['demo'],
            postHooks: [{ exec: { container: 'redis', command: HELLO, execTimeout: '10s' } }],
          },
        ],
      },
    },
  },
  selector: {
    summary: 'The pods labelled app=cache, listed when the job starts',
    value: {
      restore: 'by-label',
      selector: { namespaces: ['demo'], labelSelector: 'app=cache' },
      hooks: {
        resources: [
          {
            name: 'warm-cache',
            postHooks: [{ exec: { container: 'redis', command: ['/bin/sh', '-c', 'echo warming cache on $HOSTNAME'], waitTimeout: '1m', onError: 'Continue' } }],
          },
        ],
      },
    },
  },
  annotations: {
    summary: "Pods whose hooks come from their post.hook.restore.velero.io annotations (search-0's exits 3)",
    value: {
      restore: 'annotated',
      pods: [
        { namespace: 'demo', name: 'postgres-0' },
        { namespace: 'demo', name: 'search-0' },
      ],
    },
  },
} as const;
