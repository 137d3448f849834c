// State checks shared by the issue-3 integration suites (up, change, crash, concurrency, down).
// Like test/helpers/engine.ts they read the engine directly through dockerode, never through
// the code under test, so a bug in observe or the planner cannot hide itself.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, execIn, fixturesDir, projectContainers, projectNetworks, projectVolumes } from './engine.js';

export const MANAGED = 'dev.stack.managed';
export const SERVICE = 'com.docker.compose.service';

/** What an integration test needs to know about one container, from list + inspect. */
export interface ContainerFacts {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly state: string;
  readonly startedAt: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Every container of the project by name, inspected (StartedAt is not in the list). */
export async function containerFacts(project: string): Promise<Map<string, ContainerFacts>> {
  const out = new Map<string, ContainerFacts>();
  for (const c of await projectContainers(project)) {
    const info = await docker.getContainer(c.Id).inspect();
    const name = info.Name.replace(/^\//, '');
    out.set(name, {
      id: info.Id,
      name,
      service: info.Config.Labels?.[SERVICE] ?? '',
      state: info.State.Status,
      startedAt: info.State.StartedAt,
      labels: info.Config.Labels ?? {},
    });
  }
  return out;
}

/** `<project>-<service>-1` for each service. */
export function expectedNames(project: string, services: readonly string[], counts: Readonly<Record<string, number>> = {}): string[] {
  const names: string[] = [];
  for (const s of services) for (let n = 1; n <= (counts[s] ?? 1); n++) names.push(`${project}-${s}-${n}`);
  return names.sort();
}

export interface ConvergedExpectation {
  /** Container names that must exist, all running, all ours; nothing else of the project. */
  readonly containers: readonly string[];
  /** Network keys (engine name `<project>_<key>`): exactly these, each exactly once. */
  readonly networks: readonly string[];
  /** Named volume keys (`<project>_<key>`), each exactly once. */
  readonly namedVolumes: readonly string[];
}

/**
 * The state after a successful run: exactly the expected containers (running, labelled ours),
 * no leftovers under any other name, every network exactly once (also counting unlabelled
 * ones with that name: concurrent creates make duplicates), the named volumes, and no project
 * volume that is neither declared nor mounted by a current container.
 */
export async function assertConverged(project: string, expect: ConvergedExpectation): Promise<void> {
  const containers = await projectContainers(project);
  const names = containers.map((c) => c.Names[0]!.replace(/^\//, '')).sort();
  assert.deepEqual(names, [...expect.containers].sort(), 'exactly the expected containers, no leftovers');
  for (const c of containers) {
    assert.equal(c.State, 'running', `${c.Names[0]} is running`);
    assert.equal(c.Labels[MANAGED], 'true', `${c.Names[0]} carries our ownership label`);
  }

  const wantedNetworks = expect.networks.map((k) => `${project}_${k}`).sort();
  const labelled = (await projectNetworks(project)).map((n) => n.Name).sort();
  assert.deepEqual(labelled, wantedNetworks, 'exactly the expected networks, none twice');
  for (const name of wantedNetworks) {
    // The name filter matches substrings: count exact matches, labelled or not.
    const sameName = (await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);
    assert.equal(sameName.length, 1, `network ${name} exists exactly once`);
  }

  const volumes = await projectVolumes(project);
  const mounted = new Set(containers.flatMap((c) => (c.Mounts ?? []).map((m) => m.Name).filter((n): n is string => !!n)));
  for (const key of expect.namedVolumes) {
    assert.equal(volumes.filter((v) => v.Name === `${project}_${key}`).length, 1, `volume ${project}_${key} exists once`);
  }
  const declared = new Set(expect.namedVolumes.map((k) => `${project}_${k}`));
  const dangling = volumes.filter((v) => !declared.has(v.Name) && !mounted.has(v.Name)).map((v) => v.Name);
  assert.deepEqual(dangling, [], 'no project volume left that nothing declares or mounts');
}

export interface EngineEventRecord {
  readonly action: string;
  readonly name: string;
  readonly timeNano: number;
}

/**
 * Container events of the project between two instants (ms since the epoch), read with
 * `since`/`until` so the stream ends by itself. Exec and health-probe events are left out.
 */
export async function containerEvents(project: string, fromMs: number, toMs: number): Promise<EngineEventRecord[]> {
  // until must not be in the future by much: the engine holds the stream open until then.
  const until = Math.ceil(toMs / 1000);
  const stream = await docker.getEvents({
    since: Math.floor(fromMs / 1000),
    until,
    filters: { type: ['container'], label: [`com.docker.compose.project=${project}`] },
  } as never);
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<Buffer>) text += chunk.toString('utf8');
  const out: EngineEventRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as { Action: string; timeNano: number; Actor?: { Attributes?: Record<string, string> } };
    const ms = e.timeNano / 1e6;
    if (ms < fromMs || ms > toMs) continue;
    if (e.Action.startsWith('exec_') || e.Action.startsWith('health_status')) continue;
    out.push({ action: e.Action, name: e.Actor?.Attributes?.name ?? '', timeNano: e.timeNano });
  }
  return out;
}

/** The lifecycle actions that must not happen during a no-op run. */
export const MUTATING_ACTIONS = new Set(['create', 'start', 'stop', 'die', 'kill', 'destroy', 'restart', 'rename', 'pause', 'unpause']);

/** The host port the engine published for a container port (on 127.0.0.1). */
export async function publishedPort(containerId: string, privatePort: number): Promise<number> {
  const info = await docker.getContainer(containerId).inspect();
  const bindings = info.NetworkSettings.Ports?.[`${privatePort}/tcp`] ?? [];
  const binding = bindings.find((b) => b.HostIp === '127.0.0.1');
  assert.ok(binding, `port ${privatePort} is published on 127.0.0.1 (got ${JSON.stringify(bindings)})`);
  return Number(binding.HostPort);
}

/** Contents of a file inside a running container (trimmed), or throws. */
export async function readIn(containerId: string, path: string): Promise<string> {
  const r = await execIn(containerId, ['cat', path]);
  assert.equal(r.exitCode, 0, `cat ${path}: ${r.output}`);
  return r.output.trim();
}

export async function writeIn(containerId: string, path: string, content: string): Promise<void> {
  const r = await execIn(containerId, ['sh', '-c', `printf '%s' "$1" > "$2"`, 'sh', content, path]);
  assert.equal(r.exitCode, 0, `write ${path}: ${r.output}`);
}

/** A private copy of a fixture directory (tests that edit files, or need a clean cwd). */
export function copyFixture(scenario: string): string {
  const dir = mkdtempSync(join(tmpdir(), `stack-${scenario}-`));
  cpSync(join(fixturesDir, scenario), dir, { recursive: true });
  return dir;
}

/** An empty directory: `down -p NAME` from here has no stack file to find. */
export function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), 'stack-empty-'));
}

/** The stack20 fixture's services, networks and named volumes. */
export const STACK20 = {
  dir: join(fixturesDir, 'stack20'),
  services: ['db', 'cache', 'api', 'web', ...Array.from({ length: 16 }, (_, i) => `w${String(i + 1).padStart(2, '0')}`)],
  networks: ['back', 'front'],
  namedVolumes: ['dbdata', 'shared'],
} as const;

export function stack20Expectation(project: string): ConvergedExpectation {
  return {
    containers: expectedNames(project, STACK20.services),
    networks: STACK20.networks,
    namedVolumes: STACK20.namedVolumes,
  };
}

/** A failed CLI run's output, for assertion messages. */
export function describeRun(r: { code: number | null; signal: string | null; stdout: string; stderr: string }): string {
  return `exit ${r.code} signal ${r.signal}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}
