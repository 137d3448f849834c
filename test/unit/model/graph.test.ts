import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StackFileError } from '../../../src/errors.js';
import { assertAcyclic, findCycle, topologicalOrder, withDependencies, withDependents } from '../../../src/model/graph.js';
import type { DependsOnSpec } from '../../../src/model/types.js';

const dep: DependsOnSpec = { condition: 'service_started', restart: false, required: true, implicit: false };
function graph(edges: Record<string, string[]>) {
  const out: Record<string, { dependsOn: Record<string, DependsOnSpec> }> = {};
  for (const [name, deps] of Object.entries(edges)) out[name] = { dependsOn: Object.fromEntries(deps.map((d) => [d, dep])) };
  return out;
}

describe('dependency graph', () => {
  it('orders dependencies first and breaks ties by name', () => {
    assert.deepEqual(topologicalOrder(graph({ web: ['db', 'cache'], worker: ['db'], db: [], cache: [], admin: [] })), ['admin', 'cache', 'db', 'web', 'worker']);
  });

  it('gives the same order whatever the declaration order', () => {
    const a = topologicalOrder(graph({ c: ['a'], b: ['a'], a: [] }));
    const b = topologicalOrder(graph({ a: [], b: ['a'], c: ['a'] }));
    assert.deepEqual(a, b);
  });

  it('finds a cycle starting at its smallest member', () => {
    assert.deepEqual(findCycle(graph({ z: ['y'], y: ['x'], x: ['z'], ok: [] })), ['x', 'z', 'y', 'x']);
    assert.equal(findCycle(graph({ a: ['b'], b: [] })), undefined);
  });

  it('reports a cycle as a stack file error at the first service depends_on', () => {
    assert.throws(
      () => assertAcyclic(graph({ b: ['c'], c: ['b'] })),
      (e: unknown) => e instanceof StackFileError && e.problems[0]!.path === 'services.b.depends_on' && e.problems[0]!.message === 'dependency cycle b → c → b',
    );
  });

  it('ignores dependencies on services outside the graph', () => {
    assert.deepEqual(topologicalOrder(graph({ web: ['gone'] })), ['web']);
  });

  it('collects transitive dependencies in order', () => {
    const g = graph({ web: ['api'], api: ['db'], db: [], other: [] });
    assert.deepEqual(withDependencies(g, ['web']), ['db', 'api', 'web']);
  });

  it('collects transitive dependents in order', () => {
    const g = graph({ web: ['api'], api: ['db'], db: [], other: [] });
    assert.deepEqual(withDependents(g, ['db']), ['db', 'api', 'web']);
  });

  it('handles a long chain without deep recursion trouble', () => {
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < 2000; i++) edges[`s${String(i).padStart(4, '0')}`] = i === 0 ? [] : [`s${String(i - 1).padStart(4, '0')}`];
    const order = topologicalOrder(graph(edges));
    assert.equal(order[0], 's0000');
    assert.equal(order[1999], 's1999');
  });
});
