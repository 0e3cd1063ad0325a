// Which document answers a non-resource path: discovery, /version, OpenAPI v3, health.

import type { JsonObject } from '../types.ts';
import { builtinGroup, builtinResources, API_GROUPS, apiVersions, CORE_RESOURCES, openApiV3Document, openApiV3Index, SIM_VERSION, VELERO_GROUP, VELERO_RESOURCES } from './discovery.ts';

export function answerDocument(path: string, hostPort: string): JsonObject | string | null {
  switch (path) {
    case 'api':
      return apiVersions(hostPort);
    case 'api/v1':
      return CORE_RESOURCES;
    case 'apis':
      return API_GROUPS;
    case 'apis/velero.io':
      return VELERO_GROUP;
    case 'apis/velero.io/v1':
      return VELERO_RESOURCES;
    case 'version':
      return SIM_VERSION;
    case 'healthz':
    case 'livez':
    case 'readyz':
      return 'ok';
    case 'openapi/v3':
      return openApiV3Index();
    default: {
      const group = /^apis\/([^/]+)(\/v1)?$/.exec(path);
      if (group?.[1]) return group[2] ? builtinResources(group[1]) : builtinGroup(group[1]);
      // OpenAPI v2 is not served (404): kubectl only falls back to it when v3 fails.
      return path.startsWith('openapi/v3/') ? openApiV3Document(path.slice('openapi/v3/'.length)) : null;
    }
  }
}
