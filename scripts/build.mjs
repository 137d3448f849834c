#!/usr/bin/env node
// Build: generate the precompiled schema validator (when the generator exists), bundle
// dockerode for a cheap start-up (scripts/bundle-dockerode.mjs), compile TypeScript into
// dist/, then bundle the command line into dist/stack.cjs (scripts/bundle-cli.mjs), which
// bin/stack.js runs through V8's code cache (src/boot.cts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bundleCli } from './bundle-cli.mjs';
import { bundleDockerode } from './bundle-dockerode.mjs';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
if (existsSync('scripts/gen-validator.mjs')) run(process.execPath, ['scripts/gen-validator.mjs']);
await bundleDockerode('dist/vendor/dockerode.cjs');
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
await bundleCli();
