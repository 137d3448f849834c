#!/usr/bin/env node
// Two builds of stack side by side on one machine: the no-op `up -d` of an N-service stack,
// alternating A and B run after run, so that load from anything else falls on both alike.
// For a change that must not slow the everyday no-op (a refactor, a new check on its path):
//   bash bench/snapshot.sh /tmp/snap-a <rev-a> && bash bench/snapshot.sh /tmp/snap-b <rev-b>
//   node bench/compare-noop.mjs /tmp/snap-a /tmp/snap-b [--services 30] [--runs 30]
// Prints medians of wall and CPU time for both and the ratio B/A; asserts nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateStack } from './lib/generate.mjs';
import { timedRun } from './lib/spawn.mjs';
import { summary, fmtMs, fmtRatio } from './lib/stats.mjs';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { services: { type: 'string', default: '30' }, runs: { type: 'string', default: '30' } } });
const [rootA, rootB] = positionals;
if (!rootA || !rootB) throw new Error('usage: compare-noop.mjs <stack-root-A> <stack-root-B> [--services N] [--runs N]');
const services = Number(values.services);
const runs = Number(values.runs);
const dir = mkdtempSync(join(tmpdir(), 'stack-compare-noop-'));
const file = join(dir, 'stack.yaml');
writeFileSync(file, generateStack(services).yaml);
const project = `stackcomparenoop${services}`;
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_EXTRA_CA_CERTS; // adds ~50 ms to every Node start here, the same for both
const label = (root) => { try { return readFileSync(join(root, 'COMMIT'), 'utf8').trim(); } catch { return root; } };

async function stack(root, args) {
  const r = await timedRun(process.execPath, [join(root, 'bin', 'stack.js'), '-f', file, '-p', project, ...args], { env });
  if (r.code !== 0) throw new Error(`${root}: stack ${args.join(' ')} exited ${r.code}\n${r.stderr}`);
  return r;
}

try {
  await stack(rootA, ['up', '-d']);
  for (let i = 0; i < 3; i++) for (const root of [rootA, rootB]) await stack(root, ['up', '-d']); // warm code and model caches
  const samples = { A: { wall: [], cpu: [] }, B: { wall: [], cpu: [] } };
  for (let i = 0; i < runs; i++) {
    for (const key of i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
      const r = await stack(key === 'A' ? rootA : rootB, ['up', '-d']);
      if (!/nothing to do|No changes/i.test(r.stdout + r.stderr)) throw new Error(`${key}: the second up was not a no-op:\n${r.stdout}${r.stderr}`);
      samples[key].wall.push(r.ms);
      if (r.cpuMs !== undefined) samples[key].cpu.push(r.cpuMs);
    }
  }
  const a = { wall: summary(samples.A.wall), cpu: summary(samples.A.cpu) };
  const b = { wall: summary(samples.B.wall), cpu: summary(samples.B.cpu) };
  console.log(`no-op up -d, ${services} services, ${runs} runs each, alternating`);
  console.log(`A ${label(rootA)}: wall median ${fmtMs(a.wall.median)} (min ${fmtMs(a.wall.min)}), CPU median ${fmtMs(a.cpu?.median)}`);
  console.log(`B ${label(rootB)}: wall median ${fmtMs(b.wall.median)} (min ${fmtMs(b.wall.min)}), CPU median ${fmtMs(b.cpu?.median)}`);
  console.log(`B/A: wall ${fmtRatio(b.wall.median, a.wall.median)}, CPU ${fmtRatio(b.cpu?.median, a.cpu?.median)}`);
} finally {
  await stack(rootA, ['down', '-v']).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
