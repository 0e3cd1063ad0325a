// The simulated Kubernetes cluster: a real HTTP/WebSocket server on 127.0.0.1 that
// client-node and kubectl use as an API server. The README section "The simulated cluster" says what it does and does not.

export { startSimCluster } from './cluster.ts';
export { SimError } from './status.ts';
export { renderKubeconfig } from './kubeconfig.ts';
export { LIFECYCLE_ANNOTATION } from './pod-rules.ts';
export type {
  ActiveFault,
  ContainerStateName,
  ExecContext,
  ExecHandler,
  ExecResult,
  FaultMatch,
  FaultSpec,
  ScriptMatch,
  SimCluster,
  SimCounters,
  SimFaults,
  SimLogger,
  SimOptions,
  SimTimeline,
  WatchGauge,
} from './types.ts';
