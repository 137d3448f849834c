// Starts the command line, as cheaply as Node allows (issue 5: a no-op `up` should cost little
// more than Node's own start-up). CommonJS (.cts), like bin/stack.js: an ES module entry
// costs ~15 ms more, for Node's ES module loader.
//
// The build bundles the whole CLI into dist/stack.cjs (scripts/bundle-cli.mjs): one script
// instead of ~250 modules to resolve, read and compile. This module compiles it with V8's code
// cache: the first successful run of a command saves the compiled code of what it ran, later
// runs of that command load it instead of compiling (Node 20 has no compile cache of its own;
// module.enableCompileCache() arrived in 22.1).
//
// Without a bundle (a bare `tsc` build), or with STACK_BUNDLE=0 (stack traces then name the
// files under dist/src instead of the bundle), dist/src/main.js is imported as it is: same
// code, slower start, and nothing cached (no build id to key a cache by). --debug keeps the
// bundle: what is debugged is what runs.
//
// The cache lives in $XDG_CACHE_HOME/stack/v8 (see cache-dir.cts), one file per bundle build,
// bundle path, Node version and command. A cache is code we run, so a directory another user
// could write to is never read.
//
// Why the path: V8 keeps the script name it compiled with in the cached code, and a script
// loaded from that cache reports it in stack traces. Keyed by build id alone, two checkouts of
// one build shared a cache, and `--debug` in one named the other's bundle (issue 14 item 6).

import { existsSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { cacheDir, ensurePrivateDir, isPrivateDir } from './cache-dir.cjs';
import { splitCommandLine } from './command-line.cjs';

type Main = (argv: readonly string[], context?: { buildId?: string }) => Promise<number>;

/** The command a command line runs (`up`, `ps`...), or `stack` for none: the cache key. */
export function commandOf(argv: readonly string[]): string {
  const { command } = splitCommandLine(argv);
  if (command === undefined) return 'stack';
  return /^[a-z][a-z-]{0,19}$/.test(command) ? command : 'other';
}

export async function boot(argv: readonly string[]): Promise<number> {
  // An engine over ssh: its login starts now and overlaps the loading below (ssh-predial.cts).
  // Only then is that module loaded at all.
  if (/^\s*ssh:\/\//i.test(process.env.DOCKER_HOST ?? '')) (require('./ssh-predial.cjs') as typeof import('./ssh-predial.cjs')).preDial(argv);
  const bundle = join(__dirname, '..', 'stack.cjs');
  let id: string | undefined;
  try {
    id = readFileSync(`${bundle}.id`, 'utf8').trim();
  } catch {
    // No bundle: a bare `tsc` build.
  }
  if (!id || process.env.STACK_BUNDLE === '0') {
    const { main } = (await import('./main.js')) as { main: Main };
    return main(argv);
  }
  return runBundle(bundle, id, commandOf(argv)).main(argv, { buildId: id });
}

/**
 * A short, stable key of the bundle's path: 64 bits of two FNV-1a hashes, in hex. Not for
 * secrecy, only to tell checkouts apart; node:crypto would cost start-up to load.
 */
export function pathKey(path: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ path.length;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

function runBundle(bundle: string, id: string, command: string): { main: Main } {
  const dir = cacheDir('v8');
  const cacheFile = dir ? join(dir, `${id}-${pathKey(bundle)}-${process.version}-${process.arch}-${command}.v8`) : undefined;
  let cachedData: Buffer | undefined;
  if (cacheFile && isPrivateDir(dir!) && existsSync(cacheFile)) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  // The build keeps the bundle pure ASCII, so Latin-1 reads the same text, without UTF-8
  // validation: 12 ms instead of 17 ms for 1.2 MB on this machine.
  const source = readFileSync(bundle, 'latin1');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
  });
  if (process.env.STACK_BOOT_TRACE === '1') {
    process.stderr.write(`boot: compile cache ${cacheFile ? `${!cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit'} ${cacheFile}` : 'off'}\n`);
  }
  if (cacheFile && (!cachedData || script.cachedDataRejected)) saveOnCleanExit(script, dir!, cacheFile, id);
  const module = { exports: {} as { main: Main }, filename: bundle, id: bundle, loaded: false };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  module.loaded = true;
  return module.exports;
}

/**
 * After a successful run V8 can serialise everything it compiled for it, the functions the
 * command really ran included. A failed run (a typo in the stack file, say) exercised little,
 * so it leaves no cache and the next good run makes one.
 */
function saveOnCleanExit(script: vm.Script, dir: string, cacheFile: string, id: string): void {
  process.once('exit', (code) => {
    if (code !== 0) return;
    try {
      if (!ensurePrivateDir(dir)) return;
      const temp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
      renameSync(temp, cacheFile);
      // Caches of other builds are dead weight once that build is gone. Another checkout may
      // still be in use, so only those left alone for a day go.
      const dayAgo = Date.now() - 24 * 3600_000;
      for (const name of readdirSync(dir)) {
        if (name.startsWith(`${id}-`) || !(name.endsWith('.v8') || name.endsWith('.tmp'))) continue;
        const file = join(dir, name);
        if (statSync(file).mtimeMs < dayAgo) unlinkSync(file);
      }
    } catch {
      // A cache is an optimisation: a read-only home or a full disk costs speed, not the run.
    }
  });
}
