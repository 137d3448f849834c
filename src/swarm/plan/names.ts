// Engine names on the Swarm target. `docker stack deploy`'s naming is kept, so that `docker
// stack ps/services/rm` and `docker service ...` find our objects where they look:
// `<stack>_<service>`, `<stack>_<network>`; configs and secrets get a content hash on top
// (`<stack>_<key>_<hash>`), because the engine cannot change their content: a new content is a
// new object under a new name, and services move to it in their next update.

import type { ServiceSpec, StackModel } from '../../model/types.js';

export function swarmServiceName(projectName: string, serviceName: string): string {
  return `${projectName}_${serviceName}`;
}

/** Hex digits of the content hash in a config's or secret's name (kustomize uses 10 too). */
export const CONTENT_HASH_CHARS = 10;

/**
 * The engine name of one version of a config or secret: its model name (`<stack>_<key>`, or
 * `name:` as written) plus a content hash. A fingerprint of the content, not a secret: 40 bits
 * confirm a guess but do not reveal a value.
 */
export function swarmFileName(baseName: string, sha256: string): string {
  return `${baseName}_${sha256.slice(0, CONTENT_HASH_CHARS)}`;
}

/** The image a service runs: `image:`, or Compose's default name of a built image. */
export function swarmImage(model: StackModel, service: ServiceSpec): string {
  return service.image ?? `${model.projectName}-${service.name}`;
}
