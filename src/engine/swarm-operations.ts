// The one gateway call each Swarm operation stands for (see operations.ts for the container
// target's). Chosen by the operation's kind alone.
//
// Names → ids: a service refers to its secrets and configs by id as well as name (the engine
// checks the id; it does not look names up), and the planner cannot know the id of one this
// run creates. The creates record the ids the engine returned, and a service's body gets them
// here: references the planner left without an id are filled in by name, from this run's
// creates. Networks the run created are likewise joined by id, never by a name an interleaved
// run could have duplicated (TRAPS).

import type { EngineGateway } from './gateway.js';
import { isSwarmGateway, type SwarmGateway } from './swarm-gateway.js';
import type { ServiceSpecBody } from '../api/swarm-types.js';
import type { ServiceCreateOp, ServiceRemoveOp, ServiceUpdateOp, SwarmFileCreateOp, SwarmFileRemoveOp } from '../planner/types.js';
import { OperationError } from '../errors.js';

export type SwarmOperation = ServiceCreateOp | ServiceUpdateOp | ServiceRemoveOp | SwarmFileCreateOp | SwarmFileRemoveOp;

/** Ids of what this run created, by name: networks (shared with the container target) and configs/secrets (`config:<name>`, `secret:<name>`). */
export interface SwarmRunIds {
  readonly networks: Map<string, string>;
  readonly swarmFiles: Map<string, string>;
}

export async function performSwarmOperation(op: SwarmOperation, engine: EngineGateway, ids: SwarmRunIds): Promise<Record<string, never>> {
  const gateway = swarmOf(engine, op);
  switch (op.kind) {
    case 'config.create':
      ids.swarmFiles.set(`config:${op.fileName}`, await gateway.createConfig({ Name: op.fileName, Labels: op.labels, Data: op.content.base64 }));
      return {};
    case 'secret.create':
      ids.swarmFiles.set(`secret:${op.fileName}`, await gateway.createSecret({ Name: op.fileName, Labels: op.labels, Data: op.content.base64 }));
      return {};
    case 'config.remove':
      await gateway.removeConfig(op.fileId);
      return {};
    case 'secret.remove':
      await gateway.removeSecret(op.fileId);
      return {};
    case 'service.create':
      await gateway.createService(pinSwarmIds(op.body, ids));
      return {};
    case 'service.update':
      await gateway.updateService(op.serviceId, op.version, pinSwarmIds(op.body, ids));
      return {};
    case 'service.remove':
      await gateway.removeService(op.serviceId);
      return {};
  }
}

function swarmOf(engine: EngineGateway, op: SwarmOperation): SwarmGateway {
  if (!isSwarmGateway(engine)) {
    throw new OperationError(`cannot ${op.kind.replace('.', ' ')} ${op.id}: this engine connection does not speak the Swarm API`, {
      hint: 'use --target swarm only with a Docker engine that is a swarm manager',
    });
  }
  return engine;
}

/** The body with the ids of configs, secrets and networks this run created filled in by name. */
export function pinSwarmIds(body: ServiceSpecBody, ids: SwarmRunIds): ServiceSpecBody {
  const spec = body.TaskTemplate.ContainerSpec;
  const secrets = spec.Secrets?.map((s) => (s.SecretID !== '' ? s : { ...s, SecretID: ids.swarmFiles.get(`secret:${s.SecretName}`) ?? '' }));
  const configs = spec.Configs?.map((c) => (c.ConfigID !== '' ? c : { ...c, ConfigID: ids.swarmFiles.get(`config:${c.ConfigName}`) ?? '' }));
  const networks = body.TaskTemplate.Networks?.map((n) => ({ ...n, Target: ids.networks.get(n.Target) ?? n.Target }));
  return {
    ...body,
    TaskTemplate: {
      ...body.TaskTemplate,
      ContainerSpec: { ...spec, ...(secrets ? { Secrets: secrets } : {}), ...(configs ? { Configs: configs } : {}) },
      ...(networks ? { Networks: networks } : {}),
    },
  };
}
