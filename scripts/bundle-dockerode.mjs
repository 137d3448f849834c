#!/usr/bin/env node
// Bundles dockerode (with docker-modem) into one CommonJS file, dist/vendor/dockerode.cjs,
// that src/engine/docker-gateway.ts loads instead of the package.
//
// Why: `require('dockerode')` costs ~0.2 s of start-up on this machine (TRAPS.md), and most
// of it is code `up`, `down` or `ps` never runs: docker-modem requires ssh2 at the top of
// lib/modem.js (for ssh:// endpoints, which we reach through the system ssh instead), and
// dockerode requires grpc and protobufjs at the top of lib/docker.js (for BuildKit sessions).
// In the bundle those modules are tiny shims that load the real file from the installed
// package the first time they are called, so dockerode keeps its whole API. So are tar-fs
// and @balena/dockerignore (build contexts only) and the modem's HttpDuplex (readable-stream). One file also spares the module resolution
// of ~100 small files.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';

/**
 * Modules loaded on first use: where they are required (the importer's file and the
 * specifier), the real module, resolved from the installed dockerode at run time (so a nested
 * docker-modem is found as well as a hoisted one), and what it exports. The bundle uses each
 * only through calls: a function, or an object of functions.
 */
const LAZY = [
  { importer: /docker-modem[\\/]lib[\\/]modem\.js$/, specifier: './ssh', real: 'docker-modem/lib/ssh.js', exports: 'function' },
  // Only for requests left open for stdin (`openStdin`), which the gateway never makes; it pulls in readable-stream.
  { importer: /docker-modem[\\/]lib[\\/]modem\.js$/, specifier: './http_duplex', real: 'docker-modem/lib/http_duplex.js', exports: 'function' },
  { importer: /dockerode[\\/]lib[\\/]docker\.js$/, specifier: './session', real: 'dockerode/lib/session.js', exports: 'function' },
  { importer: /dockerode[\\/]lib[\\/]docker\.js$/, specifier: './buildkit', real: 'dockerode/lib/buildkit.js', exports: 'object' },
  { importer: /dockerode[\\/]lib[\\/]util\.js$/, specifier: 'tar-fs', real: 'tar-fs', exports: 'object' },
  { importer: /dockerode[\\/]lib[\\/]util\.js$/, specifier: '@balena/dockerignore', real: '@balena/dockerignore', exports: 'function' },
  // Built-ins that cost start-up for work a local `up` never does (~8 ms together, issue 5):
  // https (with tls) for TLS endpoints only, zlib for build contexts, and child_process for
  // commander's executable subcommands, which the CLI does not have.
  { importer: /docker-modem[\\/]lib[\\/]http\.js$/, specifier: 'https', real: 'https', exports: 'object', builtin: true },
  { importer: /dockerode[\\/]lib[\\/]util\.js$/, specifier: 'zlib', real: 'zlib', exports: 'object', builtin: true },
  { importer: /commander[\\/]lib[\\/]command\.js$/, specifier: 'node:child_process', real: 'node:child_process', exports: 'object', builtin: true },
];

function shimSource({ real, exports, builtin }) {
  const from = builtin ? `require(${JSON.stringify(real)})` : `require('node:module').createRequire(require.resolve('dockerode/package.json'))(${JSON.stringify(real)})`;
  const load = `function load() {
  if (!real) real = ${from};
  return real;
}`;
  const body = exports === 'function'
    ? 'module.exports = function () { return load().apply(this, arguments); };'
    : 'module.exports = new Proxy({}, { get: (_, key) => load()[key] });';
  return `'use strict';\nlet real;\n${load}\n${body}\n`;
}

export const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    b.onResolve({ filter: /^(\.\/(ssh|http_duplex|session|buildkit)|tar-fs|@balena\/dockerignore|https|zlib|node:child_process)$/ }, (args) => {
      const index = LAZY.findIndex((l) => l.specifier === args.path && l.importer.test(args.importer));
      return index >= 0 ? { path: String(index), namespace: 'lazy' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: shimSource(LAZY[Number(args.path)]),
      loader: 'js',
      // `require.resolve('dockerode/package.json')` must stay a runtime call.
      resolveDir: process.cwd(),
    }));
  },
};

/**
 * docker-modem formats every request with `util.inspect(options, { showHidden: true, depth: null })`
 * for its `debug` logger, whether that logger is enabled or not: 8-15 ms of a no-op `up`
 * (CPU profile, issue 5). The patch makes the call conditional on the logger being on
 * (`DEBUG=modem` still prints it). The build fails if the line is gone, so an upgrade of
 * docker-modem is noticed rather than silently unpatched.
 */
const MODEM_INSPECT = /debug\('Sending: %s', util\.inspect\(/;
export const modemPatches = {
  name: 'modem-patches',
  setup(b) {
    b.onLoad({ filter: /docker-modem[\\/]lib[\\/]modem\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!MODEM_INSPECT.test(text)) throw new Error(`bundle: docker-modem changed: "debug('Sending: %s', util.inspect(" not found in ${args.path}`);
      return { contents: text.replace(MODEM_INSPECT, "if (debug.enabled) debug('Sending: %s', util.inspect("), loader: 'js' };
    });
  },
};

export async function bundleDockerode(outfile = 'dist/vendor/dockerode.cjs') {
  await build({
    entryPoints: ['dockerode'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    plugins: [lazyModules, modemPatches],
    external: ['dockerode/package.json'],
    logLevel: 'warning',
    legalComments: 'inline',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await bundleDockerode(process.argv[2]);
