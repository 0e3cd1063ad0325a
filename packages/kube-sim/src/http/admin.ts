// The admin endpoint, /sim/v1/... (main token only): counters, the timeline, faults,
// static exec scripts and container states, for the benchmark, the demo and tests that
// drive the sim from another process.
//
//   GET    /sim/v1/counters                 POST /sim/v1/counters/reset
//   GET    /sim/v1/timeline
//   GET    /sim/v1/faults                   POST /sim/v1/faults {FaultSpec} -> {id}
//   DELETE /sim/v1/faults                   DELETE /sim/v1/faults/{id}
//   PUT    /sim/v1/scripts {match, result}  DELETE /sim/v1/scripts
//   PUT    /sim/v1/namespaces/{ns}/pods/{pod}/containers/{c} {state, ready?, exitCode?}

import { isObject } from '../patch.ts';
import { badRequest, notFound, SimError } from '../status.ts';
import type { ContainerStateName, ExecResult, FaultSpec, ScriptMatch, SimCounters, SimFaults, SimTimeline } from '../types.ts';
import type { Reply } from './resources.ts';

export interface AdminApi {
  counters(): SimCounters;
  resetCounters(): void;
  timeline(): SimTimeline;
  faults: SimFaults;
  setScript(match: ScriptMatch, result: ExecResult): void;
  clearScripts(): void;
  setContainerState(ns: string, pod: string, container: string, state: ContainerStateName, opts: { ready?: boolean; exitCode?: number }): void;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function handleAdmin(api: AdminApi, method: string, parts: string[], body: unknown): Reply {
  const [p0, p1, p2, p3, p4, p5] = parts;
  const path = parts.join('/');
  if (p0 === 'counters') {
    if (method === 'GET' && parts.length === 1) return { status: 200, body: api.counters() };
    if (method === 'POST' && p1 === 'reset') {
      api.resetCounters();
      return { status: 200, body: api.counters() };
    }
  }
  if (path === 'timeline' && method === 'GET') return { status: 200, body: api.timeline() };
  if (p0 === 'faults') {
    if (method === 'GET' && parts.length === 1) return { status: 200, body: { items: api.faults.list() } };
    if (method === 'POST' && parts.length === 1) {
      try {
        return { status: 201, body: { id: api.faults.add(body as FaultSpec) } };
      } catch (err) {
        throw badRequest(err instanceof Error ? err.message : String(err));
      }
    }
    if (method === 'DELETE' && parts.length === 1) {
      api.faults.clear();
      return { status: 200, body: { items: [] } };
    }
    if (method === 'DELETE' && p1 !== undefined && parts.length === 2) {
      if (!api.faults.remove(p1)) throw new SimError(404, 'NotFound', `fault "${p1}" not found`);
      return { status: 200, body: { items: api.faults.list() } };
    }
  }
  if (p0 === 'scripts') {
    if (method === 'DELETE' && parts.length === 1) {
      api.clearScripts();
      return { status: 200, body: {} };
    }
    if (method === 'PUT' && parts.length === 1) {
      if (!isObject(body) || !isObject(body['match']) || !isObject(body['result'])) throw badRequest('expected {match, result}');
      const m = body['match'];
      const r = body['result'];
      const namespace = str(m['namespace']);
      if (!namespace) throw badRequest('match.namespace is required');
      if (typeof r['exitCode'] !== 'number') throw badRequest('result.exitCode must be a number');
      const match: ScriptMatch = { namespace };
      if (str(m['pod'])) match.pod = str(m['pod']);
      if (str(m['container'])) match.container = str(m['container']);
      const result: ExecResult = { exitCode: r['exitCode'] };
      if (str(r['stdout']) !== undefined) result.stdout = str(r['stdout']);
      if (str(r['stderr']) !== undefined) result.stderr = str(r['stderr']);
      if (typeof r['delayMs'] === 'number') result.delayMs = r['delayMs'];
      if (r['hang'] === true) result.hang = true;
      if (r['noStatus'] === true) result.noStatus = true;
      api.setScript(match, result);
      return { status: 200, body: { match, result } };
    }
  }
  if (p0 === 'namespaces' && p2 === 'pods' && p4 === 'containers' && p1 && p3 && p5 && parts.length === 6 && method === 'PUT') {
    if (!isObject(body)) throw badRequest('expected {state, ready?, exitCode?}');
    const state = body['state'];
    if (state !== 'waiting' && state !== 'running' && state !== 'terminated') throw badRequest("state must be 'waiting', 'running' or 'terminated'");
    const opts: { ready?: boolean; exitCode?: number } = {};
    if (typeof body['ready'] === 'boolean') opts.ready = body['ready'];
    if (typeof body['exitCode'] === 'number') opts.exitCode = body['exitCode'];
    try {
      api.setContainerState(p1, p3, p5, state, opts);
    } catch (err) {
      if (err instanceof SimError) throw err;
      throw badRequest(err instanceof Error ? err.message : String(err));
    }
    return { status: 200, body: {} };
  }
  throw notFound('sim', '', path);
}
