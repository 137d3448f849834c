#!/usr/bin/env node
// Build: generate the precompiled schema validator (when the generator exists), bundle
// dockerode for a cheap start-up (scripts/bundle-dockerode.mjs), then compile TypeScript
// into dist/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bundleDockerode } from './bundle-dockerode.mjs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (existsSync('scripts/gen-validator.mjs')) run(process.execPath, ['scripts/gen-validator.mjs']);
await bundleDockerode('dist/vendor/dockerode.cjs');
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
