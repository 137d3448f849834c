// The swarm tests' lab: scripts/swarm-lab brings up three dockerds in their own network
// namespaces as a 3-manager swarm (once per test file), and takes it down again. When this
// machine cannot run it (no root, no network namespaces: the script exits 3 and says why),
// the tests are skipped with that reason — and scripts/run-tests.mjs fails a run that skipped
// anything unless STACK_ALLOW_SKIPPED=1, so a lab that could not start is never a pass.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { repoRoot } from './engine.js';

const script = join(repoRoot, 'scripts', 'swarm-lab');

export interface Lab {
  /** `unix://…/node<i>/docker.sock`, node 1 first (it made the swarm). */
  readonly hosts: readonly string[];
  /** A dockerode client per node, for checking engine state independently of the code under test. */
  readonly nodes: readonly Docker[];
}

export type LabStart = { readonly lab: Lab } | { readonly unavailable: string };

/** Runs `scripts/swarm-lab up` (reusing a lab that is up and whole). */
export function startLab(): LabStart {
  const r = spawnSync('bash', [script, 'up'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status === 3) return { unavailable: (r.stderr.trim().split('\n').pop() ?? 'the lab cannot run here').replace(/^swarm-lab: /, '') };
  if (r.status !== 0) throw new Error(`scripts/swarm-lab up failed (exit ${r.status}):\n${r.stderr}`);
  const hosts = [...r.stdout.matchAll(/^STACK_SWARM_HOST_\d+=(.+)$/gm)].map((m) => m[1]!);
  return { lab: { hosts, nodes: hosts.map((h) => new Docker({ socketPath: h.replace(/^unix:\/\//, '') })) } };
}

export function stopLab(): void {
  const r = spawnSync('bash', [script, 'down'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`scripts/swarm-lab down failed (exit ${r.status}):\n${r.stderr}`);
}

export function labNode(command: 'stop-node' | 'start-node', node: number): void {
  const r = spawnSync('bash', [script, command, String(node)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`scripts/swarm-lab ${command} ${node} failed:\n${r.stderr}`);
}
