// The long issue-3 scenarios, written once and run two ways: a CI sample under
// test/integration/ (a few spread-out steps / rounds) and every step under test/exhaustive/.
//
// Crash: `STACK_CRASH_AFTER_OPS=N` makes the executor SIGKILL its own process right after the
// N-th mutating operation (the executor's test hook). A rerun must then converge: exactly the
// expected containers, no leftovers, no duplicate networks, volume data intact, empty plan.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cleanupProject, docker, fixturesDir, runStack } from './engine.js';
import { assertConverged, containerFacts, describeRun, expectedNames, readIn, STACK20, stack20Expectation, writeIn } from './stack-state.js';

const stack20File = join(STACK20.dir, 'stack.yaml');
const changeDbFile = join(STACK20.dir, 'change-db.yaml');

/** Mutating operations of a plan (waits change nothing and are not counted by the crash hook). */
export async function mutatingSteps(args: readonly string[]): Promise<number> {
  const r = await runStack([...args, 'plan', '--json']);
  assert.equal(r.code, 0, describeRun(r));
  const data = JSON.parse(r.stdout) as { operations?: { kind: string }[] };
  assert.ok(Array.isArray(data.operations), 'plan --json has operations');
  return data.operations.filter((o) => o.kind !== 'container.wait').length;
}

/** N spread over 1..total: the first, the last and evenly between (at most `count`). */
export function spreadSteps(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, i) => i + 1);
  const steps = new Set<number>();
  for (let i = 0; i < count; i++) steps.add(1 + Math.round((i * (total - 1)) / (count - 1)));
  return [...steps].sort((a, b) => a - b);
}

async function crashRun(args: readonly string[], step: number): Promise<void> {
  const r = await runStack([...args, '--progress', 'plain', 'up', '-d'], { env: { STACK_CRASH_AFTER_OPS: String(step) } });
  // The hook kills the process with SIGKILL; a plan with fewer steps simply finishes.
  assert.ok(r.signal === 'SIGKILL' || r.code === 0, `crash run at step ${step}: ${describeRun(r)}`);
}

async function rerunConverges(args: readonly string[], project: string): Promise<void> {
  const r = await runStack([...args, '--progress', 'plain', 'up', '-d']);
  assert.equal(r.code, 0, `rerun: ${describeRun(r)}`);
  await assertConverged(project, stack20Expectation(project));
  const plan = await runStack([...args, 'plan', '--detailed-exitcode']);
  assert.equal(plan.code, 0, `plan after the rerun is empty: ${describeRun(plan)}`);
}

/** Cold `up` of stack20 killed after `step` mutating operations, then a rerun. */
export async function crashColdUpAt(project: string, step: number): Promise<void> {
  await cleanupProject(project);
  const args = ['-f', stack20File, '-p', project];
  await crashRun(args, step);
  await rerunConverges(args, project);
}

/**
 * Recreate crash: from a converged stack20 with sentinel files in db's named and anonymous
 * volumes, switch db's LOG_LEVEL (to the override, or back) with a run killed after `step`
 * operations, rerun, and check the data survived and the value is the new one. Alternating
 * direction means every step starts from a converged, different state without a reset.
 */
export async function prepareRecreateCrash(project: string): Promise<void> {
  await cleanupProject(project);
  const r = await runStack(['-f', stack20File, '-p', project, 'up', '-d']);
  assert.equal(r.code, 0, describeRun(r));
  const db = (await containerFacts(project)).get(`${project}-db-1`)!;
  await writeIn(db.id, '/data/sentinel', 'named');
  await writeIn(db.id, '/anon/sentinel', 'anonymous');
}

export function recreateArgs(project: string, towardsChange: boolean): string[] {
  return towardsChange ? ['-f', stack20File, '-f', changeDbFile, '-p', project] : ['-f', stack20File, '-p', project];
}

export async function crashRecreateAt(project: string, step: number, towardsChange: boolean): Promise<void> {
  const args = recreateArgs(project, towardsChange);
  await crashRun(args, step);
  await rerunConverges(args, project);
  const db = (await containerFacts(project)).get(`${project}-db-1`)!;
  const env = (await docker.getContainer(db.id).inspect()).Config.Env;
  assert.ok(env.includes(`LOG_LEVEL=${towardsChange ? 'debug' : 'info'}`), `db runs the new config: ${env.join(' ')}`);
  assert.equal(await readIn(db.id, '/data/sentinel'), 'named', 'named volume data intact');
  assert.equal(await readIn(db.id, '/anon/sentinel'), 'anonymous', 'anonymous volume inherited with its data');
}

/** One round of two concurrent `up -d` on an empty project: both succeed, nothing is made twice. */
export async function concurrentUpRound(project: string): Promise<void> {
  await cleanupProject(project);
  const args = ['-f', join(fixturesDir, 'concurrency', 'stack.yaml'), '-p', project, '--progress', 'plain', 'up', '-d'];
  const [a, b] = await Promise.all([runStack(args), runStack(args)]);
  assert.equal(a.code, 0, `first: ${describeRun(a)}`);
  assert.equal(b.code, 0, `second: ${describeRun(b)}`);
  await assertConverged(project, {
    containers: expectedNames(project, ['a', 'b', 'c']),
    networks: ['one', 'two'],
    namedVolumes: ['data'],
  });
}
