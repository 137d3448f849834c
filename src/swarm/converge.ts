// `up --wait` on a swarm: follow each service's rollout until every task the orchestrator
// wants runs the current spec, and say how it goes. `docker stack deploy` returns as soon as
// the specs are sent, and a failed rolling update is only seen by whoever goes and looks.
//
// A task is "of the current spec" when its container labels carry the task hash of the spec
// the service has now (service-body.ts): no clock is compared, so a skewed manager clock
// cannot make an old task count. A service is converged when
//   - its spec is still the one we sent (the config hash label): if the engine rolled it back,
//     that is the failure, reported with the engine's update message;
//   - its update is not paused (failure_action: pause stops there, and so do we);
//   - as many current tasks run as the orchestrator wants (ServiceStatus.DesiredTasks, which
//     for a global service counts the eligible nodes), and no task of an older spec runs;
//   - for a job: as many current tasks completed as it asks for.
// A task that runs with a healthcheck is `running` only once healthy (swarm holds it in
// `starting` until then). Failed tasks of the current spec are reported as they are seen
// (the engine restarts them); they fail the wait only when the engine gives up (rollback or
// pause) or the deadline passes.

import type { SwarmGateway } from '../engine/swarm-gateway.js';
import type { ObservedService, ObservedTask } from '../api/swarm-types.js';
import { STACK, swarmProjectFilter } from '../api/labels.js';
import { OperationError } from '../errors.js';
import { TASK_HASH_LABEL } from './plan/service-body.js';
import { pause as defaultSleep } from '../api/pause.js';

export interface ConvergeTarget {
  /** The service's name in the file. */
  readonly service: string;
  /** Its engine name. */
  readonly engineName: string;
  /** The config hash of the spec this run wants. */
  readonly configHash: string;
  /** The task hash of that spec (what its tasks' labels carry), for their errors after a rollback. */
  readonly taskHash: string;
}

export interface ServiceProgress {
  readonly service: string;
  readonly running: number;
  readonly desired: number;
  /** The engine's update state, when an update has run: updating, completed, paused, rollback_*. */
  readonly updateState?: string;
  readonly converged: boolean;
  /** Errors of failed tasks of the current spec, newest first, each once. */
  readonly taskErrors: readonly string[];
}

export interface ConvergeOptions {
  readonly projectName: string;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /** Called once per poll for every service whose progress changed. */
  readonly onProgress?: (p: ServiceProgress) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const JOB_MODES = new Set(['replicated-job', 'global-job']);

/** Resolves when every target is converged; throws an OperationError naming the service otherwise. */
export async function followConvergence(gateway: SwarmGateway, targets: readonly ConvergeTarget[], options: ConvergeOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = now() + options.timeoutMs;
  const last = new Map<string, string>();
  let pending = [...targets];
  for (;;) {
    const services = new Map((await gateway.listServices({ labels: swarmProjectFilter(options.projectName) }, options.signal)).map((s) => [s.name, s]));
    const ids = pending.map((t) => services.get(t.engineName)?.id).filter((id): id is string => id !== undefined);
    const tasks = ids.length > 0 ? await gateway.listTasks({ services: ids }, options.signal) : [];
    const stillPending: ConvergeTarget[] = [];
    for (const target of pending) {
      const progress = progressOf(target, services.get(target.engineName), tasks);
      const key = JSON.stringify(progress);
      if (last.get(target.service) !== key) {
        last.set(target.service, key);
        options.onProgress?.(progress);
      }
      if (!progress.converged) stillPending.push(target);
    }
    pending = stillPending;
    if (pending.length === 0) return;
    if (now() >= deadline) throw timedOut(pending, last, options.timeoutMs);
    if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
    await sleep(options.pollMs ?? 500, options.signal);
  }
}

/** Where one service stands; throws when the engine gave up on its update. */
export function progressOf(target: ConvergeTarget, live: ObservedService | undefined, allTasks: readonly ObservedTask[]): ServiceProgress {
  if (!live) throw new OperationError(`service ${target.service} (${target.engineName}) is gone from the swarm`);
  const tasks = allTasks.filter((t) => t.serviceId === live.id);
  const currentHash = live.containerLabels[TASK_HASH_LABEL];
  const current = tasks.filter((t) => t.containerLabels[TASK_HASH_LABEL] === currentHash);
  // Errors of the tasks of the spec we sent, even when the engine has rolled back to another.
  const ours = tasks.filter((t) => t.containerLabels[TASK_HASH_LABEL] === target.taskHash);
  const taskErrors = [...new Set(ours.filter((t) => t.state === 'failed' || t.state === 'rejected').sort((a, b) => (a.timestamp > b.timestamp ? -1 : 1)).map((t) => t.error ?? t.message))].slice(0, 3);
  const state = live.updateState;
  if (live.labels[STACK.configHash] !== target.configHash || state?.startsWith('rollback')) {
    throw new OperationError(`service ${target.service}: the update failed and ${state === 'rollback_completed' ? 'was rolled back' : 'is being rolled back'}${detail(live, taskErrors)}`, {
      hint: `\`stack ps --target swarm ${target.service}\` shows its tasks; fix the file and run \`up\` again`,
    });
  }
  if (state === 'paused') {
    throw new OperationError(`service ${target.service}: the update was paused by the engine${detail(live, taskErrors)}`, {
      hint: 'its update_config.failure_action is pause: fix the file and run `up` again (the next update resumes it)',
    });
  }
  const job = JOB_MODES.has(live.mode);
  const desired = live.desiredTasks ?? live.replicas ?? 0;
  const done = job ? current.filter((t) => t.state === 'complete').length : current.filter((t) => t.state === 'running' && t.desiredState === 'running').length;
  const staleRunning = tasks.some((t) => t.containerLabels[TASK_HASH_LABEL] !== currentHash && t.state === 'running' && t.desiredState === 'running');
  const converged = done >= desired && !staleRunning && state !== 'updating';
  return { service: target.service, running: done, desired, ...(state !== undefined ? { updateState: state } : {}), converged, taskErrors };
}

function detail(live: ObservedService, taskErrors: readonly string[]): string {
  const parts = [live.updateMessage, ...taskErrors.map((e) => `task error: ${e}`)].filter((p): p is string => p !== undefined && p !== '');
  return parts.length > 0 ? `: ${parts.join('; ')}` : '';
}

function timedOut(pending: readonly ConvergeTarget[], last: ReadonlyMap<string, string>, timeoutMs: number): OperationError {
  const lines = pending.map((t) => {
    const p = JSON.parse(last.get(t.service) ?? '{}') as Partial<ServiceProgress>;
    const errors = p.taskErrors && p.taskErrors.length > 0 ? `; task errors: ${p.taskErrors.join('; ')}` : '';
    return `${t.service}: ${p.running ?? 0}/${p.desired ?? '?'} tasks of the current spec running${p.updateState ? `, update ${p.updateState}` : ''}${errors}`;
  });
  return new OperationError(`the swarm did not converge within ${Math.round(timeoutMs / 1000)} s: ${lines.join(' | ')}`, {
    hint: 'give it longer with --wait-timeout, or see the tasks with `stack ps --target swarm`',
  });
}

