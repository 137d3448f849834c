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
import { isOneOff } from '../../api/labels.js';
import type { DependencyCondition, ServiceSpec } from '../../model/types.js';
import { conditionWord, inChange, opId } from '../ids.js';
import { isUp, observedRef } from '../refs.js';
import type { Cause, ContainerRef } from '../types.js';
import type { ReconcileContext } from './context.js';
import type { ObservedPartition } from './scope.js';
import { refOf, type SlotTable } from './slots.js';

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

/** Dependents with `depends_on.restart: true` restart after their dependency was replaced. */
function planDependencyRestarts(ctx: ReconcileContext, table: SlotTable, readiness: Readiness): void {
  for (const serviceName of table.order) {
    const service = ctx.model.services[serviceName]!;
    for (const dep of Object.keys(service.dependsOn).sort()) {
      if (!service.dependsOn[dep]!.restart) continue;
      const replaced = (table.slotsByService.get(dep) ?? []).some((s) => s.fate === 'recreate');
      if (!replaced) continue;
      for (const slot of table.slotsByService.get(serviceName)!) {
        if (slot.fate !== 'keep' || slot.ops.start !== undefined || !slot.existing || !isUp(slot.existing)) continue;
        const id = ctx.builder.add({
          id: opId.restart(slot.existing.name),
          kind: 'container.restart',
          container: refOf(slot, true),
          after: [],
          cause: { kind: 'dependency-recreated', text: `${dep} is recreated (depends_on restart: true)` },
          service: serviceName,
          ...inChange('restart', 'container', slot.existing.name),
          ...ctx.stopTimeout,
          // A restart binds its ports again: same rule as starts.
          ...(service.ports.length > 0 ? { serialKey: 'ports' } : {}),
        });
        ctx.builder.after(id, readiness.of(service, dep));
        slot.ops.ready.push(id);
      }
    }
  }
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
