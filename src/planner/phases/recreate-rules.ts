// Phase 4, the recreate rules: why a live container in a slot the plan keeps must be
// replaced, in the order the causes are tried. The first that applies is the one the plan
// shows. Compose's rules, which users rely on, plus our crash-safety ones:
//   1. a dead container (it cannot be started again);
//   2. a network or 3. a volume it is on is recreated (it would lose it);
//   4. a container whose network or volumes it shares (network_mode/volumes_from) is recreated;
//   then, unless --no-recreate: 5. forced (--force-recreate, --always-recreate-deps), or
//   taken over (--take-over) from the other folder it was brought up from;
//   6. its canonical spec differs (the config hash label); 7. its image reference now points
//   at another id, or this plan rebuilds it because its build changed (a prediction: `up`
//   builds first, then compares the ids); 8. an expected network is not attached or 9. an expected volume not mounted
//   (a run killed between create and connect leaves exactly this).

import { COMPOSE, STACK, parseSensitivePaths, parseSpecLabel } from '../../api/labels.js';
import type { ObservedContainer } from '../../api/engine-types.js';
import type { ServiceSpec } from '../../model/types.js';
import { containerIdentityDependencies, type CanonicalSpec } from '../canonical.js';
import { anonymousVolumeName, imageReference, networkName, volumeName } from '../names.js';
import { changedCause } from '../spec-diff.js';
import { serviceSensitivePaths } from '../sensitive-spec.js';
import type { Cause } from '../types.js';
import type { ReconcileContext } from './context.js';
import { goneNetworkOf, goneVolumeOf, type GoneResources } from './resources.js';

/** How an explicitly named service, or a dependency, treats a container that is there: `--force-recreate`, `--no-recreate`, or only when it diverged. */
export type RecreateStrategy = 'force' | 'never' | 'diverged';

export function recreateStrategy(ctx: ReconcileContext, explicit: boolean): RecreateStrategy {
  const { forceRecreate, alwaysRecreateDeps, noRecreate } = ctx.options;
  if (explicit ? forceRecreate : alwaysRecreateDeps) return 'force';
  return noRecreate ? 'never' : 'diverged';
}

export interface KeptContainer {
  readonly service: ServiceSpec;
  readonly number: number;
  readonly container: ObservedContainer;
  readonly spec: CanonicalSpec;
  readonly hash: string;
  readonly strategy: RecreateStrategy;
  readonly explicit: boolean;
  /** The id of the image present locally for the service, if any. */
  readonly imageId: string | undefined;
  /** Set when this plan rebuilds the service's image because its build changed (`image demo-web is rebuilt`). */
  readonly imageReplaced?: string;
}

/** What the rest of the plan says, as far as these rules need it. */
export interface RecreateContext {
  readonly gone: GoneResources;
  /** Whether a service's containers are created or recreated by this plan (dependencies are decided first). */
  readonly isReplaced: (serviceName: string) => boolean;
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** The cause to recreate this container, or undefined when it can stay. */
export function recreateCause(ctx: ReconcileContext, k: KeptContainer, rc: RecreateContext): Cause | undefined {
  const { container } = k;
  const goneNetwork = goneNetworkOf(container, rc.gone);
  const goneVolume = goneVolumeOf(container, rc.gone);
  const recreatedIdentityDep = containerIdentityDependencies(k.service).find(rc.isReplaced);
  if (container.state === 'dead') return { kind: 'stopped', text: 'dead container' };
  if (goneNetwork) return { kind: 'network-detached', text: `network ${goneNetwork[0]} is recreated` };
  if (goneVolume) return { kind: 'volume-detached', text: `volume ${goneVolume.name} is recreated` };
  if (recreatedIdentityDep) {
    return { kind: 'dependency-recreated', text: `${recreatedIdentityDep} is recreated and this container shares its network or volumes` };
  }
  if (k.strategy === 'never') return undefined; // --no-recreate: keep whatever is there.
  if (k.strategy === 'force') {
    return { kind: 'forced', text: k.explicit ? 'forced (--force-recreate)' : 'forced (--always-recreate-deps)' };
  }
  const folder = container.labels[COMPOSE.workingDir];
  if (ctx.options.takeOver && folder !== undefined && folder !== '' && folder !== ctx.model.projectDirectory) {
    return { kind: 'forced', text: `taken over (--take-over) from ${folder}` };
  }
  if (container.labels[STACK.configHash] !== k.hash) {
    return changedCause(
      parseSpecLabel(container.labels),
      k.spec,
      ctx.redactor,
      parseSensitivePaths(container.labels),
      serviceSensitivePaths(ctx.model, k.service.name, k.spec, ctx.redactor),
    );
  }
  if (k.imageId !== undefined && container.imageId !== '' && container.imageId !== k.imageId) {
    return {
      kind: 'image-changed',
      text: `image ${imageReference(ctx.projectName, k.service)} now points to ${short(k.imageId)} (container has ${short(container.imageId)})`,
    };
  }
  if (k.imageReplaced !== undefined) return { kind: 'image-changed', text: k.imageReplaced };
  return detachedCause(ctx, k);
}

/** An expected network that is not attached, or an expected volume that is not mounted. */
function detachedCause(ctx: ReconcileContext, k: KeptContainer): Cause | undefined {
  const { model } = ctx;
  const { service, container } = k;
  const desiredNetworks = service.networkMode === undefined ? Object.keys(service.networks).map((key) => networkName(model, key)) : [];
  const missingNet = desiredNetworks.find((n) => container.networks[n] === undefined);
  if (missingNet !== undefined) return { kind: 'network-detached', text: `not attached to network ${missingNet}` };
  const desiredVolumes = service.mounts
    .filter((m) => m.type === 'volume')
    .map((m) => ({
      name: m.source !== undefined ? volumeName(model, m.source) : anonymousVolumeName(ctx.projectName, service.name, k.number, m.target),
      target: m.target,
    }));
  const missingVol = desiredVolumes.find((v) => !container.mounts.some((m) => m.type === 'volume' && m.name === v.name && m.destination === v.target));
  if (missingVol !== undefined) return { kind: 'volume-detached', text: `volume ${missingVol.name} not mounted at ${missingVol.target}` };
  return undefined;
}
