// `ps` and `logs` of a project on a swarm (`--target swarm`): the project opened as usual
// (project.ts), its tasks and service logs read through src/swarm/.

import type { LogLine } from '../engine/logs.js';
import { Project } from './project.js';
import { psOnSwarm, type SwarmPsOptions, type SwarmTaskRow } from './swarm.js';
import { redactingErrors } from './redaction.js';
import { OperationError } from '../errors.js';
import type { StackModel } from '../model/types.js';

export type { SwarmPsOptions, SwarmTaskRow };

export function swarmPs(project: Project, options: SwarmPsOptions): Promise<SwarmTaskRow[]> {
  return redactingErrors(project.redact, () => psOnSwarm(Project.connectionOf(project), project.projectName, options));
}

export interface SwarmLogsRequest {
  readonly services?: readonly string[];
  readonly follow: boolean;
  readonly tail?: number | 'all';
  readonly since?: number;
  readonly signal?: AbortSignal;
}

/** The stack's service logs, each line tagged `<service>.<slot>`; with `follow`, until `signal` aborts. */
export async function swarmLogs(project: Project, request: SwarmLogsRequest, onLine: (line: LogLine) => void): Promise<void> {
  const { followSwarmLogs } = await import('../swarm/logs.js');
  const { isSwarmGateway } = await import('../engine/swarm-gateway.js');
  const gateway = Project.connectionOf(project).gateway;
  if (!isSwarmGateway(gateway)) throw new OperationError('--target swarm: this engine connection does not speak the Swarm API');
  await redactingErrors(project.redact, () => followSwarmLogs(gateway, { projectName: project.projectName, ...request }, onLine));
}

/**
 * `config --target swarm`: what the file asks that a swarm cannot do, as the planner finds it
 * (no engine needed). Returns the warnings; throws the planner's error when something cannot
 * run on a swarm at all.
 */
export async function checkSwarmConfig(model: StackModel): Promise<string[]> {
  const [{ swarmSupportFindings }, { problemError }] = await Promise.all([import('../swarm/plan/unsupported.js'), import('../planner/phases/context.js')]);
  const findings = swarmSupportFindings(model, Object.keys(model.services).sort());
  const errors = findings.filter((f) => f.error).map((f) => f.text);
  if (errors.length > 0) throw problemError(errors);
  return findings.map((f) => f.text);
}
