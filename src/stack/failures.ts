// What a failed apply leaves, and how its error reads. Two jobs, both after the executor has
// finished (it decides nothing, so these are the façade's):
//
//  - A container this run created and then failed to start (a host port in use, an
//    entrypoint that does not exist) would stay behind in `created`: a container that never
//    ran, shown by `docker ps -a`, which the next run would only try to start again. It is
//    removed (its volumes kept), so the failed run leaves the service as it found it: without
//    that container, and the next run creates it afresh.
//  - A start refused because a host port is taken names the service and the entry of its
//    `ports` list (`services.web.ports[1]`), which the engine's message cannot: it knows only
//    the address (`Bind for 127.0.0.1:8080 failed: port is already allocated`). The entry is
//    found by the host port the message quotes; the error class stays decided by the engine's
//    status code, the message only points at the line to change.

import type { EngineGateway } from '../engine/gateway.js';
import type { ExecutionResult, OperationOutcome } from '../engine/executor.js';
import type { PortSpec, StackModel } from '../model/types.js';
import type { ContainerStartOp, Operation, Plan } from '../planner/types.js';
import { OperationError, type StackError } from '../errors.js';
import type { StackEvent } from './events.js';

/** Removes the containers this run created whose start failed; says so in a warning each. */
export async function removeUnstartedCreations(
  planned: Plan,
  result: ExecutionResult,
  gateway: EngineGateway,
  emit: (event: StackEvent) => void,
): Promise<void> {
  for (const op of failedStarts(planned, result)) {
    // Only a container made by this run: a kept one (it has an id in the plan) is not ours to drop.
    const id = op.container.id === undefined ? result.createdContainers.get(op.container.name) : undefined;
    if (id === undefined) continue;
    try {
      await gateway.removeContainer(id, { force: true, removeAnonymousVolumes: false });
      emit({ type: 'warning', at: Date.now(), message: `removed container ${op.container.name}: it was created by this run but could not be started`, ...(op.service ? { service: op.service } : {}) });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      emit({ type: 'warning', at: Date.now(), message: `container ${op.container.name} was created but could not be started, and could not be removed: ${why}` });
    }
  }
}

function failedStarts(planned: Plan, result: ExecutionResult): ContainerStartOp[] {
  const failed = new Set(result.outcomes.filter((o: OperationOutcome) => o.status === 'failed').map((o) => o.opId));
  return planned.operations.filter((op): op is ContainerStartOp => op.kind === 'container.start' && failed.has(op.id));
}

/** The failed operation whose error decides the run's outcome. */
export function failedOperation(planned: Plan, result: ExecutionResult): Operation | undefined {
  const outcome = result.outcomes.find((o) => o.status === 'failed' && o.error === result.error);
  return outcome ? planned.operations.find((op) => op.id === outcome.opId) : undefined;
}

/**
 * The error of a failed start, with the `ports` entry named when the engine refused a host
 * port the service publishes; any other error as it is.
 */
export function explainFailure(error: StackError, op: Operation | undefined, model: StackModel | undefined): StackError {
  if (!op || op.kind !== 'container.start' || !model || op.service === undefined) return error;
  const service = Object.hasOwn(model.services, op.service) ? model.services[op.service] : undefined;
  if (!service || service.ports.length === 0) return error;
  const index = service.ports.findIndex((p) => mentionsHostPort(error.message, p));
  if (index < 0) return error;
  const path = `services.${op.service}.ports[${index}]`;
  const port = service.ports[index]!;
  return new OperationError(`service ${op.service}: ${path} (${describePort(port)}): the host port is already in use or refused: ${error.message}`, {
    hint: `free that host port (another container or program holds it), or change ${path} in the stack file`,
    cause: error,
  });
}

/** Whether the engine's message quotes a host port of this entry (`:8080 `, `:8080:`, `:8080` at the end). */
function mentionsHostPort(message: string, port: PortSpec): boolean {
  if (port.published === undefined) return false;
  const [from, to = from] = port.published.split('-').map(Number);
  if (from === undefined || !Number.isInteger(from) || !Number.isInteger(to)) return false;
  for (const m of message.matchAll(/:(\d{1,5})(?!\d)/g)) {
    const n = Number(m[1]);
    if (n >= from && n <= to!) return true;
  }
  return false;
}

function describePort(p: PortSpec): string {
  const host = p.hostIp !== undefined ? `${p.hostIp}:` : '';
  return `${host}${p.published ?? ''}:${p.target}/${p.protocol}`;
}
