// `deploy:` of one service → DeploySpec: mode, placement, restart policy, update and rollback
// configs, endpoint mode and service labels, in our units (durations in ns). `replicas` and
// `resources` are read where the container target reads them too (service.ts: `scale` and
// `resources`); `replicas` is kept here as written as well, because a Swarm service with no
// `replicas` and a global mode must not be given one.
//
// The schema has already checked the words (mode, endpoint_mode, condition, failure_action,
// order); this file converts and checks what the schema cannot: ranges.

import { type AttributeOrigin, type DeployMode, type DeploySpec, type PlacementSpec, type RestartPolicySpec, type UpdateConfigSpec } from '../types.js';
import { type Doc, type Env, isMapping, listOrDict, type Path, stringList, toDuration, toInt, toNumber, toStr } from './support.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** undefined when the service has no `deploy` section (or an empty `deploy:`). */
export function normaliseDeploy(env: Env, value: unknown, path: Path): DeploySpec | undefined {
  if (!isMapping(value)) return undefined;
  const mode = (toStr(value['mode']) ?? 'replicated') as DeployMode;
  const spec: Mutable<DeploySpec> = {
    mode,
    placement: placementOf(env, value['placement'], [...path, 'placement']),
    labels: listOrDict(value['labels'], () => ''),
    ignored: ignoredOf(env, value, path),
  };
  const replicas = toInt(env, value['replicas'], [...path, 'replicas']);
  if (replicas !== undefined) {
    spec.replicas = replicas;
    if (mode === 'global' || mode === 'global-job') {
      env.problems.add([...path, 'replicas'], `replicas cannot be set with mode ${mode}: a global service runs one task per node`);
    }
  }
  const endpointMode = toStr(value['endpoint_mode']);
  if (endpointMode === 'vip' || endpointMode === 'dnsrr') spec.endpointMode = endpointMode;
  if (isMapping(value['restart_policy'])) spec.restartPolicy = restartPolicyOf(env, value['restart_policy'], [...path, 'restart_policy']);
  if (isMapping(value['update_config'])) spec.updateConfig = updateConfigOf(env, value['update_config'], [...path, 'update_config']);
  if (isMapping(value['rollback_config'])) spec.rollbackConfig = updateConfigOf(env, value['rollback_config'], [...path, 'rollback_config']);
  return spec;
}

function placementOf(env: Env, value: unknown, path: Path): PlacementSpec {
  const p = isMapping(value) ? value : {};
  const preferences: string[] = [];
  if (Array.isArray(p['preferences'])) {
    for (const item of p['preferences']) {
      const spread = isMapping(item) ? toStr(item['spread']) : undefined;
      if (spread !== undefined) preferences.push(spread);
    }
  }
  const spec: Mutable<PlacementSpec> = { constraints: stringList(p['constraints']), preferences };
  const max = toInt(env, p['max_replicas_per_node'], [...path, 'max_replicas_per_node']);
  if (max !== undefined) {
    if (max < 0) env.problems.add([...path, 'max_replicas_per_node'], `must not be negative (got ${max})`);
    spec.maxReplicasPerNode = max;
  }
  return spec;
}

function restartPolicyOf(env: Env, p: Doc, path: Path): RestartPolicySpec {
  const spec: Mutable<RestartPolicySpec> = {};
  const condition = toStr(p['condition']);
  if (condition === 'none' || condition === 'on-failure' || condition === 'any') spec.condition = condition;
  const delay = toDuration(env, p['delay'], [...path, 'delay']);
  if (delay !== undefined) spec.delay = delay;
  const attempts = toInt(env, p['max_attempts'], [...path, 'max_attempts']);
  if (attempts !== undefined) spec.maxAttempts = attempts;
  const window = toDuration(env, p['window'], [...path, 'window']);
  if (window !== undefined) spec.window = window;
  return spec;
}

function updateConfigOf(env: Env, u: Doc, path: Path): UpdateConfigSpec {
  const spec: Mutable<UpdateConfigSpec> = {};
  const parallelism = toInt(env, u['parallelism'], [...path, 'parallelism']);
  if (parallelism !== undefined) {
    if (parallelism < 0) env.problems.add([...path, 'parallelism'], `must not be negative (got ${parallelism})`);
    spec.parallelism = parallelism;
  }
  const delay = toDuration(env, u['delay'], [...path, 'delay']);
  if (delay !== undefined) spec.delay = delay;
  const action = toStr(u['failure_action']);
  if (action === 'continue' || action === 'rollback' || action === 'pause') spec.failureAction = action;
  const monitor = toDuration(env, u['monitor'], [...path, 'monitor']);
  if (monitor !== undefined) spec.monitor = monitor;
  const ratio = toNumber(env, u['max_failure_ratio'], [...path, 'max_failure_ratio']);
  if (ratio !== undefined) {
    if (ratio < 0 || ratio > 1) env.problems.add([...path, 'max_failure_ratio'], `must be between 0 and 1 (got ${ratio})`);
    spec.maxFailureRatio = ratio;
  }
  const order = toStr(u['order']);
  if (order === 'stop-first' || order === 'start-first') spec.order = order;
  return spec;
}

/** Reservations a Swarm service cannot take from a Compose file as written: warned, never silently dropped. */
function ignoredOf(env: Env, deploy: Doc, path: Path): AttributeOrigin[] {
  const out: AttributeOrigin[] = [];
  const resources = isMapping(deploy['resources']) ? deploy['resources'] : {};
  const reservations = isMapping(resources['reservations']) ? resources['reservations'] : {};
  for (const key of ['generic_resources', 'devices']) {
    if (reservations[key] === undefined) continue;
    const at = [...path, 'resources', 'reservations', key];
    out.push(env.problems.origin(at));
  }
  return out;
}
