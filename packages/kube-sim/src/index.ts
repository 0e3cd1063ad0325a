// The simulated Kubernetes cluster: a real HTTP/WebSocket server on 127.0.0.1 that
// client-node, kubectl and other real clients use as an API server. The README section
// "The simulated cluster" says what it does and does not.

export { startSimCluster } from './cluster.ts';
export { SimError } from './status.ts';
export { renderKubeconfig } from './kubeconfig.ts';
export { selfSignedCertificate } from './tls.ts';
export { seededRandom } from './random.ts';
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
