// The dockerode bundle the build makes (scripts/bundle-dockerode.mjs, dist/vendor/dockerode.cjs):
// loading it must not load ssh2, grpc, protobufjs or tar-fs (start-up cost), and the shims
// must load the real modules the first time dockerode uses them. Each check runs in a fresh
// node process, so the module cache shows exactly what was loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file runs as dist/test/unit/engine/dockerode-bundle.test.js.
const bundle = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'vendor', 'dockerode.cjs');
const heavy = ['/ssh2/', '/@grpc/grpc-js/', '/protobufjs/', '/tar-fs/', '/@balena/dockerignore/', '/readable-stream/'];

/** Runs `script` in a fresh node with `Docker` (the bundle) in scope; returns which heavy packages got loaded. */
function loadedAfter(script: string): string[] {
  const program = `
    const Docker = require(${JSON.stringify(bundle)});
    (async () => { ${script} })().then(() => {
      const loaded = Object.keys(require.cache);
      console.log(JSON.stringify(${JSON.stringify(heavy)}.filter((p) => loaded.some((f) => f.includes('/node_modules' + p)))));
    });`;
  return JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' })) as string[];
}

test('the build produced the dockerode bundle', () => {
  assert.ok(existsSync(bundle), `${bundle} (npm run build makes it)`);
});

test('loading the bundle and making a client loads none of ssh2, grpc, protobufjs, tar-fs, readable-stream', () => {
  assert.deepEqual(loadedAfter(`new Docker({ socketPath: '/nonexistent.sock' });`), []);
});

test('a build context loads tar-fs and dockerignore on first use, from the installed packages', () => {
  const context = mkdtempSync(join(tmpdir(), 'stack-bundle-test-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(context, '.dockerignore'), '*.log\n');
    const loaded = loadedAfter(`
      const docker = new Docker({ socketPath: ${JSON.stringify(join(context, 'no-engine.sock'))} });
      await docker.buildImage({ context: ${JSON.stringify(context)}, src: ['Dockerfile'] }).catch(() => undefined);`);
    assert.deepEqual(loaded, ['/tar-fs/', '/@balena/dockerignore/', '/readable-stream/']);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
});

test("an ssh client through the modem's own ssh path loads ssh2 on first use", () => {
  const loaded = loadedAfter(`
    const docker = new Docker({ protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody' });
    await docker.ping().catch(() => undefined);`);
  assert.deepEqual(loaded, ['/ssh2/']);
});

test("a request left open for stdin gets the modem's HttpDuplex, loaded on first use", () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-bundle-test-'));
  try {
    // An engine that answers an exec start with 200 and raw output instead of upgrading.
    const loaded = loadedAfter(`
      const socketPath = ${JSON.stringify(join(dir, 'engine.sock'))};
      const server = require('node:http').createServer((req, res) => res.end('raw output'));
      server.on('connection', (socket) => server.once('close', () => socket.destroy()));
      await new Promise((r) => server.listen(socketPath, r));
      const docker = new Docker({ socketPath });
      const stream = await new Promise((resolve, reject) => docker.modem.dial(
        { path: '/exec/x/start', method: 'POST', options: { Detach: false }, hijack: true, openStdin: true, isStream: true, statusCodes: { 200: true } },
        (err, s) => (err ? reject(err) : resolve(s))));
      // docker-modem's HttpDuplex: the request to write stdin to, the response to read.
      if (typeof stream.write !== 'function' || typeof stream.read !== 'function' || !stream.req) throw new Error('not an HttpDuplex');
      stream.destroy();
      server.close();`);
    assert.deepEqual(loaded, ['/readable-stream/']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
