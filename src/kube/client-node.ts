// The one module through which hookd reaches @kubernetes/client-node's classes and functions
// (its types are imported from the package itself: they leave nothing at run time).
// The library's entry point loads every API group it generates: importing it costs each
// process ~25 MiB of heap (~28 MB of module source kept as strings, for lazy compilation)
// and ~80 MB of RSS. The build (tools/bundle-client-node.ts) replaces this module in dist/ by
// one bundle of the library holding only what is named here and what that uses: ~8 MiB of
// heap. A worker bounded at 128 MiB of heap with 100,000 pods parked runs with that margin.
// Under tsx (tests, development) the library is loaded whole, as it is published.

export {
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  Observable,
  VersionApi,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
