#!/usr/bin/env node
// Bundles the whole command line (dist/src/main.js, after tsc, with yaml, commander, listr2,
// the generated validator and dockerode) into one CommonJS file, dist/stack.cjs, that
// src/boot.cts runs through V8's code cache.
//
// Why (issue 5, CPU profiles of a no-op `up`): a third of the run was Node's ES module loader
// compiling ~100 of our modules and ~150 of our dependencies' files, every time. One script
// can be compiled once and its compiled code cached (vm.Script cachedData); a module graph
// cannot on Node 20 (module.enableCompileCache() arrived in 22.1).
//
// What the bundle keeps as it was unbundled:
//   - `import.meta.url` in each of our modules is the URL of that module's file under
//     dist/src, so relative lookups (package.json) find the same files;
//   - dockerode is bundled with the same lazy shims and modem patch as dist/vendor/dockerode.cjs
//     (scripts/bundle-dockerode.mjs), in place of the gateway's require of that file.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyModules, modemPatches } from './bundle-dockerode.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/**
 * The gateway's dockerode: the copy in this bundle, not dist/vendor/dockerode.cjs loaded beside
 * it through Node's loader (uncached: ~35 ms to compile). The gateway's one vendored require
 * becomes a static import of the package, which esbuild bundles with the lazy shims. The build
 * fails if that require is not found exactly once.
 */
const GATEWAY = /[\\/]engine[\\/]docker-gateway\.js$/;
const VENDORED = "require('../../vendor/dockerode.cjs')";

/**
 * Our modules as they go into the bundle: `import.meta.url` of dist/src/x/y.js becomes the URL
 * of that file, computed from the bundle's own place; the gateway gets the bundled dockerode.
 */
const ourModules = {
  name: 'our-modules',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, async (args) => {
      let text = await readFile(args.path, 'utf8');
      if (GATEWAY.test(args.path)) {
        if (text.split(VENDORED).length !== 2) throw new Error(`bundle-cli: expected one ${VENDORED} in ${args.path}`);
        text = `import __bundledDockerode from 'dockerode';\n${text.replace(VENDORED, '__bundledDockerode')}`;
      }
      const rel = relative(dist, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `__stackModuleUrl(${JSON.stringify(rel)})`), loader: 'js' };
    });
  },
};

export async function bundleCli(outfile = join(dist, 'stack.cjs')) {
  await build({
    entryPoints: [join(dist, 'src', 'main.js')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    plugins: [ourModules, lazyModules, modemPatches],
    // The lazy shims resolve the real modules from the installed dockerode at run time.
    external: ['dockerode/package.json'],
    banner: {
      js: "'use strict';\nconst __stackModuleUrl = (rel) => require('node:url').pathToFileURL(require('node:path').join(__dirname, rel)).href;",
    },
    // Whitespace only: names stay, so stack traces still name functions. Halves the source
    // V8 must read and hash before it can use the cache (tsc pretty-prints the generated
    // validator to four times its size).
    minifyWhitespace: true,
    logLevel: 'warning',
    legalComments: 'inline',
  });
  // boot.cts compiles the bundle with vm.Script, which has no loader for a dynamic import():
  // every module must be bundled or required. A dynamic import of a built-in or an external
  // package left in the output would only fail at run time, so the build fails instead.
  const output = await readFile(outfile, 'utf8');
  const dynamic = output.match(/[^\w$.]import\((?!\s*\))[^)]{0,80}\)/);
  if (dynamic) throw new Error(`bundle-cli: a dynamic import survived bundling: ${dynamic[0].trim()} (import it statically, or from a bundled module)`);
  // Pure ASCII lets V8 keep the source as a one-byte string: one non-ASCII character (a µ in
  // a regular expression literal, which esbuild leaves as written) cost ~10 ms a start.
  const nonAscii = output.match(/.{0,40}[^\x00-\x7f].{0,10}/);
  if (nonAscii) throw new Error(`bundle-cli: non-ASCII text in the bundle: ${JSON.stringify(nonAscii[0])} (write it as a \\u escape)`);
  // The code cache is keyed by this: V8 checks a cache only against the source's length.
  const hash = createHash('sha256').update(await readFile(outfile)).digest('hex').slice(0, 20);
  await writeFile(`${outfile}.id`, `${hash}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await bundleCli(process.argv[2]);
