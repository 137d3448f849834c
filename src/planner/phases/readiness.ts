// Phase 5, readiness: the ordering between services once every container operation is
// planned.
//   - A container start comes after its dependencies are ready: started (service_started),
//     or a `container.wait` for healthy / completed, unless the dependency is untouched and
//     already in that state.
//   - A running dependent with `depends_on.restart: true` restarts after its dependency was
//     recreated.
//   - `--wait`: a wait for every container that should be up, unless it is untouched and
//     already in the state waited for.

import type { ObservedContainer } from '../../api/engine-types.js';
import { isOneOff, parseRestartDependents } from '../../api/labels.js';
import type { DependencyCondition, ServiceSpec } from '../../model/types.js';
import { conditionWord, inChange, opId } from '../ids.js';
import { isUp, observedRef } from '../refs.js';
import type { Cause, ContainerRef } from '../types.js';
import type { ReconcileContext } from './context.js';
import type { ObservedPartition } from './scope.js';
import { refOf, restartingDependents, type Slot, type SlotTable } from './slots.js';

export function planReadiness(ctx: ReconcileContext, table: SlotTable, partition: ObservedPartition): void {
  const readiness = new Readiness(ctx, table, partition);
  for (const serviceName of table.order) {
    const service = ctx.model.services[serviceName]!;
    for (const slot of table.slotsByService.get(serviceName)!) {
      if (slot.ops.start === undefined) continue;
      ctx.builder.after(slot.ops.start, readiness.of(service));
    }
  }
  if (ctx.options.noStart) return;
  planDependencyRestarts(ctx, table, readiness);
  if (ctx.options.wait) planWaitFlag(ctx, table, readiness);
}

/** A dependency's container as the ordering sees it: the ops after which it is ready, and its live state when untouched. */
interface DependencyTarget {
  readonly ref: ContainerRef;
  readonly touched: boolean;
  readonly existing?: ObservedContainer;
  readonly ready: readonly string[];
}

class Readiness {
  constructor(
    private readonly ctx: ReconcileContext,
    private readonly table: SlotTable,
    private readonly partition: ObservedPartition,
  ) {}

  /** A `container.wait`, after `after`. Returns its id. */
  wait(ref: ContainerRef, after: readonly string[], condition: DependencyCondition, required: boolean, service: string, cause: Cause): string {
    const id = opId.wait(ref.name, condition, required);
    const grouping = inChange('wait', 'container', `${ref.name} ${conditionWord(condition)}${required ? '' : ' (optional)'}`);
    this.ctx.builder.add({ id, kind: 'container.wait', container: ref, condition, required, timeoutMs: this.ctx.waitTimeoutMs, after: [], cause, service, ...grouping });
    this.ctx.builder.after(id, after);
    return id;
  }

  /** Dependency targets of a service: its slots when in the plan, else its live containers. */
  private targets(dep: string): DependencyTarget[] {
    const slots = this.table.slotsByService.get(dep);
    if (slots) {
      return slots.map((s) => ({
        ref: refOf(s, s.fate === 'keep'),
        touched: s.ops.ready.length > 0,
        ...(s.fate === 'keep' && s.existing ? { existing: s.existing } : {}),
        ready: s.ops.ready,
      }));
    }
    return (this.partition.byService.get(dep) ?? [])
      .filter((c) => !isOneOff(c.labels))
      .sort((x, y) => x.name.localeCompare(y.name))
      .map((c) => ({ ref: observedRef(c), touched: false, existing: c, ready: [] }));
  }

  /** The operations a container start of `service` must come after, for its dependencies (or only `onlyDep`). */
  of(service: ServiceSpec, onlyDep?: string): string[] {
    const { model, options } = this.ctx;
    const out: string[] = [];
    for (const dep of Object.keys(service.dependsOn).sort()) {
      if (onlyDep !== undefined && dep !== onlyDep) continue;
      const d = service.dependsOn[dep]!;
      if (!model.services[dep]) continue;
      const targets = this.targets(dep);
      if (targets.length === 0) {
        const wanted = options.scale?.[dep] ?? model.services[dep]!.scale;
        if (wanted > 0 && d.required) this.ctx.warnings.push({ service: service.name, message: `${service.name} depends on ${dep}, which has no container` });
        continue;
      }
      const cause: Cause = { kind: 'dependency', text: `${service.name} depends on ${dep} (${d.condition})` };
      for (const t of targets) {
        if (d.condition === 'service_started') {
          out.push(...t.ready);
          continue;
        }
        if (!t.touched && t.existing !== undefined && meets(t.existing, d.condition)) continue;
        out.push(this.wait(t.ref, t.ready, d.condition, d.required, dep, cause));
      }
    }
    return out;
  }
}

/** Whether a live container is already in the state a wait for `condition` waits for. */
function meets(c: ObservedContainer, condition: DependencyCondition): boolean {
  if (condition === 'service_completed_successfully') return c.state === 'exited' && c.exitCode === 0;
  if (condition === 'service_healthy') return c.state === 'running' && c.health === 'healthy';
  return c.state === 'running';
}

/**
 * Dependents with `depends_on.restart: true` restart after their dependency is replaced: by
 * this plan, or by an earlier run that died before restarting them. The latter shows in the
 * engine: the dependency's container lists the dependent (dev.stack.restart-dependents) and
 * was created after the dependent last started (observe reads both times for exactly these).
 */
function planDependencyRestarts(ctx: ReconcileContext, table: SlotTable, readiness: Readiness): void {
  for (const serviceName of table.order) {
    const service = ctx.model.services[serviceName]!;
    for (const dep of Object.keys(service.dependsOn).sort()) {
      if (!service.dependsOn[dep]!.restart) continue;
      const depSlots = table.slotsByService.get(dep) ?? [];
      const renewed = depSlots.find((s) => s.fate !== 'keep' && s.renewsDependents);
      for (const slot of restartingDependents(ctx, table, dep)) {
        if (slot.service.name !== serviceName) continue;
        const cause = renewed ? renewedCause(dep, renewed.fate) : pendingRestartCause(dep, slot.existing!, depSlots);
        if (!cause) continue;
        const id = ctx.builder.add({
          id: opId.restart(slot.existing!.name),
          kind: 'container.restart',
          container: refOf(slot, true),
          after: [],
          cause,
          service: serviceName,
          ...inChange('restart', 'container', slot.existing!.name),
          ...ctx.stopTimeout,
          // A restart binds its ports again: same rule as starts.
          ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
        });
        ctx.builder.after(id, readiness.of(service, dep));
        if (!slot.ops.ready.includes(id)) slot.ops.ready.push(id);
      }
    }
  }
}

function renewedCause(dep: string, fate: 'create' | 'recreate' | 'keep'): Cause {
  return { kind: 'dependency-recreated', text: `${dep} is ${fate === 'create' ? 'created again' : 'recreated'} (depends_on restart: true)` };
}

/** A restart an earlier run planned and did not make: a kept container of `dep` that lists this dependent was created after it last started. */
function pendingRestartCause(dep: string, dependent: ObservedContainer, depSlots: readonly Slot[]): Cause | undefined {
  const started = dependent.times?.startedUs;
  if (started === undefined) return undefined;
  const pending = depSlots.some((s) => {
    const created = s.fate === 'keep' ? s.existing?.times?.createdUs : undefined;
    return created !== undefined && created > started && parseRestartDependents(s.existing!.labels).includes(dependent.id);
  });
  if (!pending) return undefined;
  return { kind: 'dependency-recreated', text: `${dep} was recreated after this container started (depends_on restart: true; an earlier run stopped before restarting it)` };
}

/** --wait: every container that should be up, unless it is untouched and already there. */
function planWaitFlag(ctx: ReconcileContext, table: SlotTable, readiness: Readiness): void {
  for (const serviceName of table.order) {
    const service = ctx.model.services[serviceName]!;
    for (const slot of table.slotsByService.get(serviceName)!) {
      const touched = slot.ops.ready.length > 0;
      const live = slot.fate === 'keep' ? slot.existing : undefined;
      const condition: DependencyCondition = table.oneShots.has(serviceName)
        ? 'service_completed_successfully'
        : hasHealthcheck(service) || (!touched && live?.health !== undefined)
          ? 'service_healthy'
          : 'service_started';
      if (!touched && live && meets(live, condition)) continue;
      readiness.wait(refOf(slot, slot.fate === 'keep'), slot.ops.ready, condition, true, serviceName, { kind: 'dependency', text: '--wait' });
    }
  }
}

function hasHealthcheck(service: ServiceSpec): boolean {
  return !service.healthcheckDisabled && service.healthcheck !== undefined && service.healthcheck.test[0] !== 'NONE';
}
