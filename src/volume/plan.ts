// Volumes, planned purely. Data safety first: a named volume whose spec changed can only be
// replaced by deleting it (and its data), so that is refused unless the user said yes (-y);
// external volumes are never created or removed; anonymous volumes get deterministic names so
// that a recreated container inherits them even when a run died half-way.
//
// Decision on anonymous volumes of replicas removed by a scale-down: they are KEPT. Compose
// removes scaled-down containers without their volumes (`stopAndRemoveContainer(..., false)`
// in compose v2's convergence), so the data is not deleted there either; here it keeps its
// deterministic name, so scaling back up re-attaches it. `down -v` removes them (they carry
// the project and ownership labels), and `-V` renews them for every container this plan
// creates or recreates.

import { canonicalHash, canonicalJson } from '../model/hash.js';
import { makeRedactor, type Redactor } from '../planner/redact.js';
import { sensitivePaths, specLabel } from '../planner/sensitive-spec.js';
import { COMPOSE, STACK, isManagedBy, ownershipLabels, parseSpecLabel } from '../api/labels.js';
import type { StackModel, VolumeSpec } from '../model/types.js';
import type { ObservedVolume, VolumeCreateBody } from '../api/engine-types.js';
import type { ObservedState } from '../api/observed.js';
import { anonymousVolumeLabel, anonymousVolumeName } from '../planner/names.js';

export type VolumeAction = 'keep' | 'create' | 'recreate' | 'external';

export interface VolumeDecision {
  readonly key: string;
  readonly name: string;
  readonly action: VolumeAction;
  readonly observed?: ObservedVolume;
  readonly body: VolumeCreateBody;
  readonly hash: string;
  readonly spec: unknown;
  readonly previousSpec?: unknown;
}

export interface VolumeProblems {
  readonly missingExternal: string[];
  readonly foreign: string[];
  /** Volumes whose spec changed while -y was not given: name and what changed. */
  readonly refusedChanges: string[];
}

export function canonicalVolumeSpec(spec: VolumeSpec): unknown {
  return JSON.parse(canonicalJson({ name: spec.name, driver: spec.driver, driverOpts: spec.driverOpts, labels: spec.labels }));
}

export function implicitVolumeSpec(model: StackModel, key: string): VolumeSpec {
  return { key, name: `${model.projectName}_${key}`, external: false, driverOpts: Object.create(null), labels: Object.create(null) };
}

/**
 * The create body. Driver options (a CIFS password, say) and labels can hold interpolated
 * secrets: the engine needs them in the body, but the spec label holds a digest of each
 * instead (sensitive-spec.ts).
 */
export function volumeCreateBody(model: StackModel, spec: VolumeSpec, hash: string, canonical: unknown, redactor: Redactor = makeRedactor(model.secretValues)): VolumeCreateBody {
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, spec.labels, ownershipLabels(model.projectName));
  labels[COMPOSE.volume] = spec.key;
  labels[STACK.resourceHash] = hash;
  labels[STACK.spec] = specLabel(canonical, sensitivePaths(canonical, redactor));
  const body: Record<string, unknown> = { Name: spec.name, Labels: labels };
  if (spec.driver !== undefined) body.Driver = spec.driver;
  if (Object.keys(spec.driverOpts).length > 0) body.DriverOpts = { ...spec.driverOpts };
  return body as unknown as VolumeCreateBody;
}

/** The body of an anonymous volume of one replica (local driver, no options). */
export function anonymousVolumeBody(projectName: string, serviceName: string, number: number, target: string): VolumeCreateBody {
  const labels = ownershipLabels(projectName);
  labels[STACK.anonymousVolume] = anonymousVolumeLabel(serviceName, number, target);
  return { Name: anonymousVolumeName(projectName, serviceName, number, target), Labels: labels };
}

export function planVolumes(
  model: StackModel,
  observed: ObservedState,
  keys: readonly string[],
  assumeYes: boolean,
  problems: VolumeProblems,
): VolumeDecision[] {
  const out: VolumeDecision[] = [];
  const redactor = makeRedactor(model.secretValues);
  const foreignNames = new Set(observed.foreignByName?.volumes ?? []);
  for (const key of [...new Set(keys)].sort()) {
    const spec = model.volumes[key] ?? implicitVolumeSpec(model, key);
    const canonical = canonicalVolumeSpec(spec);
    const hash = canonicalHash(canonical);
    const body = volumeCreateBody(model, spec, hash, canonical, redactor);
    const live = observed.volumes.find((v) => v.name === spec.name);
    if (spec.external) {
      if (!live) problems.missingExternal.push(spec.name);
      out.push({ key, name: spec.name, action: 'external', ...(live ? { observed: live } : {}), body, hash, spec: canonical });
      continue;
    }
    if ((live && !isManagedBy(live.labels, model.projectName)) || (!live && foreignNames.has(spec.name))) {
      problems.foreign.push(spec.name);
      continue;
    }
    if (!live) {
      out.push({ key, name: spec.name, action: 'create', body, hash, spec: canonical });
      continue;
    }
    const previousSpec = parseSpecLabel(live.labels);
    const changed = live.labels[STACK.resourceHash] !== hash;
    if (changed && !assumeYes) problems.refusedChanges.push(spec.name);
    out.push({
      key,
      name: spec.name,
      action: changed && assumeYes ? 'recreate' : 'keep',
      observed: live,
      body,
      hash,
      spec: canonical,
      ...(previousSpec !== undefined ? { previousSpec } : {}),
    });
  }
  return out;
}
