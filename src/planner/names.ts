// Engine names of the objects a stack owns. Compose's naming is kept on purpose: users and
// tools (`docker compose ps`, Docker Desktop) rely on `<project>-<service>-<n>` and
// `<project>_<key>`.

import { createHash } from 'node:crypto';
import type { ServiceSpec, StackModel } from '../model/types.js';

/** `<project>-<service>-<n>`, or `container_name` (which forbids more than one replica). */
export function containerName(projectName: string, service: ServiceSpec, number: number): string {
  return service.containerName ?? `${projectName}-${service.name}-${number}`;
}

/** Engine name of a network key: the model's (`name:` / `<project>_<key>` / external name). */
export function networkName(model: StackModel, key: string): string {
  return model.networks[key]?.name ?? `${model.projectName}_${key}`;
}

/** Engine name of a named volume key. */
export function volumeName(model: StackModel, key: string): string {
  return model.volumes[key]?.name ?? `${model.projectName}_${key}`;
}

/** First 12 hex digits of sha256: short, stable, and collision-free enough for names. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/**
 * The deterministic name of an anonymous volume (`- /data` with no source) of one replica.
 * Deterministic so that a recreate killed between "remove old" and "create new" still finds
 * the data on the next run: the volume is named, not anonymous, as far as the engine knows.
 */
export function anonymousVolumeName(projectName: string, serviceName: string, number: number, target: string): string {
  return `${projectName}_${serviceName}-${number}_anon_${shortHash(target)}`;
}

/** Label value identifying an anonymous volume: `<service>/<number>/<target>`. */
export function anonymousVolumeLabel(serviceName: string, number: number, target: string): string {
  return `${serviceName}/${number}/${target}`;
}

/** The image a service runs: `image:`, or Compose's default name for a built image. */
export function imageReference(projectName: string, service: ServiceSpec): string {
  return service.image ?? `${projectName}-${service.name}`;
}
