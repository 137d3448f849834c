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
    const dependents = new Map<string, string[]>();
    const pending = new Map<string, number>();
    for (const id of ids) {
      const d = new Set([...this.ops.get(id)!.after].filter((a) => this.ops.has(a)));
      deps.set(id, d);
      pending.set(id, d.size);
      for (const a of d) (dependents.get(a) ?? dependents.set(a, []).get(a)!).push(id);
    }
    // Kahn's algorithm, always taking the smallest ready id: O(E + V log V).
    const ready = new MinHeap(ids.filter((id) => pending.get(id) === 0));
    const done = new Set<string>();
    const order: string[] = [];
    const finish = (id: string) => {
      done.add(id);
      order.push(id);
      for (const dep of dependents.get(id) ?? []) {
        const left = pending.get(dep)! - 1;
        pending.set(dep, left);
        if (left === 0 && !done.has(dep)) ready.push(dep);
      }
    };
    while (order.length < ids.length) {
      const next = ready.pop();
      if (next !== undefined) {
        if (!done.has(next)) finish(next);
        continue;
      }
      const stuck = ids.filter((id) => !done.has(id));
      if (!options.breakCycles) {
        throw new InternalError(`planner: dependency cycle among ${stuck.slice(0, 5).join(', ')}`);
      }
      // Cut the cycle at the smallest id: forget its prerequisites that are not done.
      const cut = stuck[0]!;
      deps.set(cut, new Set([...deps.get(cut)!].filter((a) => done.has(a))));
      finish(cut);
    }
    return order.map((id) => {
      const d = this.ops.get(id)!;
      const after = [...deps.get(id)!].sort();
      return Object.freeze({ ...d, after }) as unknown as Operation;
    });
  }
}

/** A binary min-heap of strings (ids), for the deterministic topological order. */
class MinHeap {
  private readonly items: string[] = [];
  constructor(initial: readonly string[]) {
    for (const i of initial) this.push(i);
  }
  push(value: string): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= a[i]!) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): string | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
