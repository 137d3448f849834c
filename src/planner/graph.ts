// Building the plan's DAG: operations are added once by id (adding the same id again merges
// its prerequisites), edges may point at ids that are not in the plan (they are dropped: a
// prerequisite that needs no work is already satisfied), and the result is sorted
// topologically with ties broken by id, so the same input always gives the same plan.

import { InternalError } from '../errors.js';
import type { Operation } from './types.js';

type Draft = Omit<Operation, 'after'> & { after: Set<string> };

export class PlanBuilder {
  private readonly ops = new Map<string, Draft>();

  has(id: string): boolean {
    return this.ops.has(id);
  }

  get(id: string): Operation | undefined {
    const d = this.ops.get(id);
    return d ? ({ ...d, after: [...d.after] } as unknown as Operation) : undefined;
  }

  /** Adds an operation (or merges prerequisites into the existing one with that id). Returns the id. */
  add(op: Operation): string {
    const existing = this.ops.get(op.id);
    if (existing) {
      for (const a of op.after) existing.after.add(a);
      return op.id;
    }
    this.ops.set(op.id, { ...op, after: new Set(op.after) } as unknown as Draft);
    return op.id;
  }

  /** `id` runs after every id of `prerequisites` that is (or will be) in the plan. */
  after(id: string | undefined, prerequisites: Iterable<string | undefined>): void {
    if (id === undefined) return;
    const d = this.ops.get(id);
    if (!d) throw new InternalError(`planner: no operation ${id}`);
    for (const p of prerequisites) if (p !== undefined && p !== id) d.after.add(p);
  }

  /**
   * Topological order, ties by id. `breakCycles` (for plans built from labels, which we do
   * not control) drops the edges that close a cycle instead of failing.
   */
  build(options: { breakCycles?: boolean } = {}): Operation[] {
    const ids = [...this.ops.keys()].sort();
    const deps = new Map<string, Set<string>>();
    for (const id of ids) {
      const d = this.ops.get(id)!;
      deps.set(id, new Set([...d.after].filter((a) => this.ops.has(a))));
    }
    const done = new Set<string>();
    const order: string[] = [];
    while (order.length < ids.length) {
      let next = ids.find((id) => !done.has(id) && [...deps.get(id)!].every((a) => done.has(a)));
      if (next === undefined) {
        if (!options.breakCycles) {
          const stuck = ids.filter((id) => !done.has(id));
          throw new InternalError(`planner: dependency cycle among ${stuck.slice(0, 5).join(', ')}`);
        }
        next = ids.find((id) => !done.has(id))!;
        deps.set(next, new Set([...deps.get(next)!].filter((a) => done.has(a))));
      }
      done.add(next);
      order.push(next);
    }
    return order.map((id) => {
      const d = this.ops.get(id)!;
      const after = [...deps.get(id)!].sort();
      return Object.freeze({ ...d, after }) as unknown as Operation;
    });
  }
}
