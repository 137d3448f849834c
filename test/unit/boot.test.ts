// How the installed command starts (src/boot.cts, bin/stack.js): the one-file bundle run
// through V8's code cache, and the cache's rules. Each run is a fresh node process running
// the bin exactly as a user's shell would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandOf, pathKey } from '../../src/boot.cjs';

// This file runs as dist/test/unit/boot.test.js.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repoRoot, 'bin', 'stack.js');
const example = join(repoRoot, 'examples', 'quickstart');

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, {
    cwd: example,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NO_COLOR: '1', DOCKER_HOST: 'unix:///nonexistent.sock', STACK_BOOT_TRACE: '1', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What boot said about the compile cache: hit, miss, rejected or off. */
function cacheState(stderr: string): string | undefined {
  return /^boot: compile cache (\w+)/m.exec(stderr)?.[1];
}

function withCacheDir(body: (cache: string) => void): void {
  const cache = mkdtempSync(join(tmpdir(), 'stack-boot-test-'));
  try {
    body(cache);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

test('the command of a command line is the first word that is not an option or an option value', () => {
  assert.equal(commandOf(['node', 'stack', '-f', 'a.yaml', '-p', 'demo', 'up', '-d']), 'up');
  assert.equal(commandOf(['node', 'stack', '-f', 'up', 'ps']), 'ps');
  assert.equal(commandOf(['node', 'stack', '--no-color', '--progress', 'plain', 'down', '-v']), 'down');
  assert.equal(commandOf(['node', 'stack', '--target', 'swarm', 'up']), 'up');
  assert.equal(commandOf(['node', 'stack', '--version']), 'stack');
  assert.equal(commandOf(['node', 'stack', 'Not/A/Command']), 'other');
});

test('the build made the bundle and its id', () => {
  assert.ok(existsSync(join(repoRoot, 'dist', 'stack.cjs')));
  assert.match(readFileSync(join(repoRoot, 'dist', 'stack.cjs.id'), 'utf8').trim(), /^[0-9a-f]{20}$/);
});

test('the first successful run of a command saves its compiled code and the next run loads it', () => {
  withCacheDir((cache) => {
    const first = run(['config', '-q'], { STACK_CACHE: cache });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(cacheState(first.stderr), 'miss');
    const saved = readdirSync(join(cache, 'v8'));
    assert.equal(saved.length, 1);
    assert.match(saved[0]!, new RegExp(`-${process.version}-${process.arch}-config\\.v8$`));
    const second = run(['config', '-q'], { STACK_CACHE: cache });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(cacheState(second.stderr), 'hit');
  });
});

test('each command has its own compiled code', () => {
  withCacheDir((cache) => {
    assert.equal(run(['config', '-q'], { STACK_CACHE: cache }).code, 0);
    assert.equal(run(['config', '--services'], { STACK_CACHE: cache }).code, 0);
    assert.equal(run(['--version'], { STACK_CACHE: cache }).code, 0);
    assert.deepEqual(readdirSync(join(cache, 'v8')).map((f) => f.replace(/^.*-/, '')).sort(), ['config.v8', 'stack.v8']);
  });
});

test('a failed run saves no compiled code', () => {
  withCacheDir((cache) => {
    const r = run(['-f', 'missing.yaml', 'config'], { STACK_CACHE: cache });
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(join(cache, 'v8')) ? readdirSync(join(cache, 'v8')).length : 0, 0);
  });
});

test('a corrupt cache is rejected, the command still works, and the cache is rewritten', () => {
  withCacheDir((cache) => {
    assert.equal(run(['config', '-q'], { STACK_CACHE: cache }).code, 0);
    const file = join(cache, 'v8', readdirSync(join(cache, 'v8'))[0]!);
    writeFileSync(file, Buffer.alloc(4096, 0xab));
    const r = run(['config', '--services'], { STACK_CACHE: cache });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cacheState(r.stderr), 'rejected');
    assert.match(r.stdout, /\S/);
    assert.notDeepEqual(readFileSync(file), Buffer.alloc(4096, 0xab));
    assert.equal(cacheState(run(['config', '-q'], { STACK_CACHE: cache }).stderr), 'hit');
  });
});

test('a cache directory that other users can write to is neither read nor written', () => {
  withCacheDir((cache) => {
    assert.equal(run(['config', '-q'], { STACK_CACHE: cache }).code, 0);
    const dir = join(cache, 'v8');
    const file = join(dir, readdirSync(dir)[0]!);
    const before = readFileSync(file);
    chmodSync(dir, 0o777);
    const r = run(['config', '-q'], { STACK_CACHE: cache });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cacheState(r.stderr), 'miss');
    assert.deepEqual(readFileSync(file), before);
    assert.deepEqual(readdirSync(dir), [file.slice(dir.length + 1)]);
  });
});

test('STACK_CACHE=0 turns the compile cache off', () => {
  withCacheDir((cache) => {
    const r = run(['config', '-q'], { STACK_CACHE: '0', HOME: cache, XDG_CACHE_HOME: join(cache, 'xdg') });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(cacheState(r.stderr), 'off');
    assert.deepEqual(readdirSync(cache), []);
  });
});

test('the cache goes to $XDG_CACHE_HOME/stack/v8 by default', () => {
  withCacheDir((cache) => {
    mkdirSync(join(cache, 'xdg'));
    assert.equal(run(['config', '-q'], { XDG_CACHE_HOME: join(cache, 'xdg') }).code, 0);
    assert.equal(readdirSync(join(cache, 'xdg', 'stack', 'v8')).length, 1);
  });
});

test('the bundled command line prints what the unbundled modules print', () => {
  withCacheDir((cache) => {
    const bundled = run(['config'], { STACK_CACHE: cache });
    const unbundled = run(['config'], { STACK_CACHE: cache, STACK_BUNDLE: '0' });
    assert.equal(bundled.code, 0, bundled.stderr);
    assert.equal(unbundled.code, 0, unbundled.stderr);
    assert.equal(bundled.stdout, unbundled.stdout);
    assert.equal(cacheState(unbundled.stderr), undefined);
  });
});

/** A second checkout of this very build: the bin, the bundle and its id, the boot files; the rest linked. */
function secondCheckout(root: string): string {
  mkdirSync(join(root, 'dist', 'src'), { recursive: true });
  cpSync(join(repoRoot, 'bin'), join(root, 'bin'), { recursive: true });
  for (const f of ['stack.cjs', 'stack.cjs.id']) cpSync(join(repoRoot, 'dist', f), join(root, 'dist', f));
  // What boot.cjs loads before the bundle (ssh-predial and ssh-command only for an ssh engine).
  for (const f of ['boot.cjs', 'cache-dir.cjs', 'command-line.cjs', 'ssh-predial.cjs', 'ssh-command.cjs']) cpSync(join(repoRoot, 'dist', 'src', f), join(root, 'dist', 'src', f));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(repoRoot, 'package.json'), join(root, 'package.json'));
  return join(root, 'bin', 'stack.js');
}

test('two checkouts of one build keep their own compiled code, and --debug traces name their own bundle', () => {
  withCacheDir((cache) => {
    const otherBin = secondCheckout(join(cache, 'checkout'));
    const otherBundle = join(cache, 'checkout', 'dist', 'stack.cjs');
    assert.equal(run(['config', '-q'], { STACK_CACHE: cache }).code, 0);
    const other = spawnSync(otherBin, ['--debug', '-f', 'missing.yaml', 'config'], {
      cwd: example,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NO_COLOR: '1', STACK_CACHE: cache, STACK_BOOT_TRACE: '1' },
    });
    assert.equal(other.status, 65, other.stderr);
    assert.equal(cacheState(other.stderr), 'miss', 'the first checkout\'s compiled code is not the second\'s');
    assert.match(other.stderr, new RegExp(`at .*${otherBundle.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+`));
    assert.doesNotMatch(other.stderr, new RegExp(join(repoRoot, 'dist', 'stack.cjs').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
  });
});

test('the cache key of a path is stable and tells paths apart', () => {
  assert.equal(pathKey('/a/dist/stack.cjs'), pathKey('/a/dist/stack.cjs'));
  assert.notEqual(pathKey('/a/dist/stack.cjs'), pathKey('/b/dist/stack.cjs'));
  assert.match(pathKey('/a/dist/stack.cjs'), /^[0-9a-f]{16}$/);
});
