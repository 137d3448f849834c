// Operation ids: readable, unique within a plan, and stable, because the plan is sorted by
// them and tests compare plans as text.

import type { DependencyCondition } from '../model/types.js';
import type { ChangeObject, ChangeVerb, Operation, PlanChange } from './types.js';

export const opId = {
  pull: (image: string) => `pull image ${image}`,
  build: (image: string) => `build image ${image}`,
  tag: (image: string) => `tag image ${image}`,
  push: (image: string) => `push image ${image}`,
  removeImage: (image: string) => `remove image ${image}`,
  createNetwork: (name: string) => `create network ${name}`,
  removeNetwork: (name: string, duplicateId?: string) =>
    duplicateId === undefined ? `remove network ${name}` : `remove network ${name} ${duplicateId.slice(0, 12)}`,
  createVolume: (name: string) => `create volume ${name}`,
  removeVolume: (name: string) => `remove volume ${name}`,
  create: (container: string) => `create container ${container}`,
  start: (container: string) => `start container ${container}`,
  stop: (container: string) => `stop container ${container}`,
  remove: (container: string) => `remove container ${container}`,
  restart: (container: string) => `restart container ${container}`,
  copyFiles: (container: string) => `copy files into container ${container}`,
  connect: (container: string, network: string) => `connect container ${container} to network ${network}`,
  disconnect: (container: string, network: string) => `disconnect container ${container} from network ${network}`,
  wait: (container: string, condition: DependencyCondition, required: boolean) =>
    `wait for container ${container} ${conditionWord(condition)}${required ? '' : ' (optional)'}`,
};

export function conditionWord(condition: DependencyCondition): string {
  switch (condition) {
    case 'service_healthy':
      return 'healthy';
    case 'service_completed_successfully':
      return 'completed';
    default:
      return 'running';
  }
}

/** The name of the object an operation is about. */
export function operationTarget(op: Operation): string {
  switch (op.kind) {
    case 'network.create':
    case 'network.remove':
      return op.network;
    case 'network.connect':
    case 'network.disconnect':
      return `${op.container.name} → ${op.network}`;
    case 'volume.create':
    case 'volume.remove':
      return op.volume;
    case 'image.pull':
    case 'image.build':
    case 'image.tag':
    case 'image.push':
    case 'image.remove':
      return op.image;
    case 'service.create':
    case 'service.update':
    case 'service.remove':
      return op.serviceName;
    case 'config.create':
    case 'config.remove':
    case 'secret.create':
    case 'secret.remove':
      return op.fileName;
    default:
      return op.container.name;
  }
}

/**
 * The display name of a change, which operations carry as `group` (progress and events show
 * it): `recreate demo-web-1`, `create network demo_default`, `pull redis:7`.
 */
export function groupName(change: PlanChange): string {
  return change.object === 'network' || change.object === 'volume' || change.object === 'config' || change.object === 'secret'
    ? `${change.verb} ${change.object} ${change.target}`
    : `${change.verb} ${change.target}`;
}

export interface InChange {
  readonly change: PlanChange;
  readonly group: string;
}

/** The `change` and `group` fields of every operation of one change. */
export function inChange(verb: ChangeVerb, object: ChangeObject, target: string): InChange {
  const change: PlanChange = { verb, object, target };
  return { change, group: groupName(change) };
}
