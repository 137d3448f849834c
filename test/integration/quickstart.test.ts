// The quickstart comes up with the README's command and answers on its published port.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cleanupProject, projectContainers, repoRoot, uniqueProject } from '../helpers/engine.js';

/** A port nothing listens on right now (the quickstart's default 8080 may be taken here). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [command], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the quickstart', () => {
  const project = uniqueProject('quick');
  after(() => cleanupProject(project));

  it('comes up with run.sh and serves its page on the published port', async () => {
    const port = await freePort();
    const r = await run(join(repoRoot, 'examples', 'quickstart', 'run.sh'), { QUICKSTART_PORT: String(port), STACK_PROJECT_NAME: project });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`http://127\\.0\\.0\\.1:${port}/`));
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    assert.match(page, /Hello from the stack quickstart/);
    const build = await (await fetch(`http://127.0.0.1:${port}/build.txt`)).text();
    assert.match(build, /^built at /, 'init ran before web and filled the site volume');
    const services = (await projectContainers(project)).map((c) => `${c.Labels['com.docker.compose.service']}:${c.State}`).sort();
    assert.deepEqual(services, ['api:running', 'init:exited', 'web:running', 'worker:running', 'worker:running']);
  });
});
