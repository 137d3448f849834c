// Volumes, planned purely. Data safety first: a named volume whose spec changed can only be
// replaced by deleting it (and its data), so that is refused unless the user said yes (-y);
// external volumes are never created or removed; anonymous volumes get deterministic names so
// that a recreated container inherits them even when a run died half-way.
//
// Decision on a volume held by ANOTHER project (issue 12): a volume whose name the file fixes
// (`name:`) and that carries another project's label (stack's or Compose's) is SHARED: used as
// it is, never changed, recreated or removed by this project (its `down -v` leaves it), and
// the plan says so. That is Compose's rule (v2 warns "already exists but was created for
// project ..." and uses it): fixing a name is how two projects share a volume. A volume under
// the default name (`<project>_<key>`) held by another project is an accidental collision
// (project `a` key `b_c`, project `a_b` key `c`) and is refused, as is any volume not made for
// a project (by hand: declare it `external: true`).
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
import type { NameHolder, ObservedState } from '../api/observed.js';
import { anonymousVolumeLabel, anonymousVolumeName } from '../planner/names.js';

export type VolumeAction = 'keep' | 'create' | 'recreate' | 'external' | 'shared';

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
  /** Volumes holding a name we would use that stack did not create for this project (and that are not shared), with their labels. */
  readonly foreign: NameHolder[];
  /** Volumes of fixed name another project holds, used as they are (see the header): not a problem, said as a warning. */
  readonly shared: NameHolder[];
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

/** A volume of fixed name that another project holds: shared (see the header). */
function isSharedVolume(model: StackModel, spec: VolumeSpec, holder: NameHolder): boolean {
  const fixedName = spec.name !== implicitVolumeSpec(model, spec.key).name;
  const owner = holder.labels[COMPOSE.project];
  return fixedName && owner !== undefined && owner !== '' && owner !== model.projectName;
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
  const foreignByName = new Map((observed.foreignByName?.volumes ?? []).map((v) => [v.name, v] as const));
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
    const holder = live ? (isManagedBy(live.labels, model.projectName) ? undefined : live) : foreignByName.get(spec.name);
    if (holder) {
      if (isSharedVolume(model, spec, holder)) {
        problems.shared.push({ name: spec.name, labels: holder.labels });
        out.push({ key, name: spec.name, action: 'shared', body, hash, spec: canonical });
      } else problems.foreign.push({ name: spec.name, labels: holder.labels });
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
