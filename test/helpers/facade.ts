// The façade on an in-memory engine: a project directory with a stack file, an environment
// whose lock directory is that project's own, and memory gateways cleaned up after each test.

import { after, afterEach } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryGateway } from './memory-gateway.js';
import type { ProjectRequest, UpOptions } from '../../src/stack/index.js';

export const IMAGE = 'stack-test/busybox:1';

export interface TestProject {
  readonly dir: string;
  readonly env: Record<string, string>;
}

const dirs: string[] = [];
let gateways: MemoryGateway[] = [];
afterEach(() => {
  for (const g of gateways) g.dispose();
  gateways = [];
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A directory holding `stack.yaml`; the environment's XDG_RUNTIME_DIR (the lock directory) is that directory. */
export function stackProject(text: string, env: Record<string, string> = {}): TestProject {
  const dir = mkdtempSync(join(tmpdir(), 'stack-facade-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'stack.yaml'), text);
  return { dir, env: { ...env, XDG_RUNTIME_DIR: dir, PATH: process.env.PATH ?? '' } };
}

/** An in-memory engine with the test image, disposed after the test. */
export function memoryGateway(options: ConstructorParameters<typeof MemoryGateway>[0] = {}): MemoryGateway {
  const g = new MemoryGateway({ ncpu: 2, ...options }).addImage(IMAGE);
  gateways.push(g);
  return g;
}

/** Options for up/plan/down on the project `demo`. */
export function upOptions(p: TestProject, gateway: MemoryGateway, extra: Partial<UpOptions> = {}): UpOptions {
  return { load: { cwd: p.dir, env: p.env, projectName: 'demo' }, connect: { env: p.env }, gateway, parallel: 2, ...extra };
}

/** A request to open the project `demo` (from its stack file unless `labelsOnly`). */
export function projectRequest(p: TestProject, gateway: MemoryGateway, options: { labelsOnly?: boolean; needModel?: boolean } = {}): ProjectRequest {
  return {
    load: { cwd: p.dir, env: p.env, projectName: 'demo' },
    connect: { env: p.env },
    gateway,
    ...(options.labelsOnly ? { projectName: 'demo' } : {}),
    ...(options.needModel ? { needModel: true } : {}),
  };
}
