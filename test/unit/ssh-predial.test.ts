// The ssh started before the bundle loads (src/ssh-predial.cts, issue 14 item 2): which
// command lines and environments start it (and which never may), and what the transport does
// with it: the same command line is adopted as the first connection, another one is ended,
// and one nobody claims is ended at exit. The ssh here is a stand-in (a node script or a shell
// script named `ssh` on PATH); the real sshd is in test/labs/remote-ssh.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import { ENGINE_COMMANDS, preDialTarget, type PreDialled } from '../../src/ssh-predial.cjs';
import { multiplexOptions, newControlPath, spawnSsh, sshCommand, type SshCommandLine } from '../../src/ssh-command.cjs';
import { SshConnector, SshExitError } from '../../src/engine/ssh-connection.js';
import { resolveEndpoint } from '../../src/engine/endpoint.js';

// This file runs as dist/test/unit/ssh-predial.test.js.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = join(repoRoot, 'bin', 'stack.js');
const predialModule = join(repoRoot, 'dist', 'src', 'ssh-predial.cjs');

const SSH_HOST = 'ssh://deploy@build.example:2222';
const argv = (...words: string[]): string[] => ['node', 'stack', ...words];
const sshEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ DOCKER_HOST: SSH_HOST, ...extra });

async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// ---- which command lines pre-dial ----

test('a command that talks to the engine pre-dials the DOCKER_HOST ssh target', () => {
  assert.deepEqual(preDialTarget(argv('up', '-d'), sshEnv(), 'linux'), { user: 'deploy', host: 'build.example', port: 2222 });
});

test('the pre-dialled target is the one the endpoint resolution finds', () => {
  const endpoint = resolveEndpoint({}, sshEnv(), { homeDir: '/nonexistent', readFile: () => undefined });
  assert.deepEqual(preDialTarget(argv('ps'), sshEnv(), 'linux'), endpoint.ssh);
});

test('every engine command pre-dials, after any global options', () => {
  for (const command of ENGINE_COMMANDS) {
    const words = ['-f', 'a.yaml', '-p', 'demo', '--progress', 'plain', '--target', 'engine', '--debug', command];
    assert.ok(preDialTarget(argv(...words), sshEnv(), 'linux'), command);
  }
});

test("a -c or -h after the command belongs to the command and still pre-dials (exec's own command)", () => {
  assert.ok(preDialTarget(argv('exec', 'web', 'sh', '-c', 'true'), sshEnv(), 'linux'));
  assert.ok(preDialTarget(argv('exec', 'web', '--', 'ls', '-h'), sshEnv(), 'linux'));
});

test('help, version and commands that never reach the engine never pre-dial', () => {
  for (const words of [[], ['--help'], ['-h'], ['up', '--help'], ['up', '-h'], ['up', '-dh'], ['--version'], ['config'], ['help', 'up'], ['upp'], ['--', 'up']]) {
    assert.equal(preDialTarget(argv(...words), sshEnv(), 'linux'), undefined, words.join(' '));
  }
});

test('an engine or context named on the command line never pre-dials', () => {
  for (const words of [['-H', SSH_HOST, 'ps'], ['--host', SSH_HOST, 'ps'], [`--host=${SSH_HOST}`, 'ps'], [`-H${SSH_HOST}`, 'ps'], ['-c', 'remote', 'ps'], ['--context', 'remote', 'ps'], ['--context=remote', 'ps']]) {
    assert.equal(preDialTarget(argv(...words), sshEnv(), 'linux'), undefined, words.join(' '));
  }
});

test('only an ssh DOCKER_HOST without DOCKER_CONTEXT pre-dials, and STACK_SSH_PREDIAL=0 turns it off', () => {
  assert.equal(preDialTarget(argv('ps'), {}, 'linux'), undefined);
  assert.equal(preDialTarget(argv('ps'), { DOCKER_HOST: 'unix:///var/run/docker.sock' }, 'linux'), undefined);
  assert.equal(preDialTarget(argv('ps'), { DOCKER_HOST: 'tcp://h:2376' }, 'linux'), undefined);
  assert.equal(preDialTarget(argv('ps'), sshEnv({ DOCKER_CONTEXT: 'remote' }), 'linux'), undefined);
  assert.equal(preDialTarget(argv('ps'), sshEnv({ STACK_SSH_PREDIAL: '0' }), 'linux'), undefined);
  assert.equal(preDialTarget(argv('ps'), { DOCKER_HOST: 'ssh://h/var/run/docker.sock' }, 'linux'), undefined, 'an address the endpoint refuses');
});

test('Windows never pre-dials (no ssh control sockets there)', () => {
  assert.equal(preDialTarget(argv('ps'), sshEnv(), 'win32'), undefined);
});

// ---- what the transport does with it ----

/** A stand-in for `ssh … docker system dial-stdio`: answers each line it reads with `<tag> <line>`. */
function echoCommand(tag: string, extra: readonly string[] = []): SshCommandLine {
  const script = `process.stdin.on('data', (c) => process.stdout.write(${JSON.stringify(tag)} + ' ' + c));`;
  return { command: process.execPath, args: ['-e', script, '--', ...extra] };
}

function preDialled(commandLine: (options: readonly string[]) => SshCommandLine): PreDialled {
  const controlPath = newControlPath()!;
  const proc = spawnSsh(commandLine(multiplexOptions(controlPath)));
  proc.setRef(false);
  return { process: proc, controlPath, claimed: true };
}

function firstLine(duplex: Duplex, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    duplex.once('data', (c: Buffer) => resolve(c.toString()));
    duplex.once('error', reject);
    duplex.write(line);
  });
}

test('the connector adopts a pre-dialled ssh of the same command line as its first connection', async () => {
  const builder = (options: readonly string[]): SshCommandLine => echoCommand('adopted', options);
  const early = preDialled(builder);
  const connector = new SshConnector(builder, { multiplex: true }, early);
  try {
    const duplex = await connector.connect();
    assert.equal(await firstLine(duplex, 'hello\n'), 'adopted hello\n');
    assert.equal(connector.openConnections, 1, 'no ssh of its own');
    assert.ok(early.process.running());
    duplex.destroy();
  } finally {
    connector.close();
  }
  await eventually(() => assert.equal(early.process.running(), false));
  assert.equal(existsSync(dirname(early.controlPath)), false, 'the control directory goes with the connector');
});

test('a pre-dialled ssh of another command line is ended, and the connector starts its own', async () => {
  const early = preDialled((options) => echoCommand('other endpoint', options));
  const connector = new SshConnector((options) => echoCommand('own', options), { multiplex: true }, early);
  try {
    await eventually(() => assert.equal(early.process.running(), false));
    assert.equal(early.process.end()?.code, null, 'killed, not exited');
    assert.equal(existsSync(dirname(early.controlPath)), false);
    const duplex = await connector.connect();
    assert.equal(await firstLine(duplex, 'hello\n'), 'own hello\n');
    duplex.destroy();
  } finally {
    connector.close();
  }
});

test('a pre-dialled ssh is never adopted without multiplexing (a replacement command)', async () => {
  const builder = (options: readonly string[]): SshCommandLine => echoCommand('same', options);
  const early = preDialled(builder);
  const connector = new SshConnector(builder, { multiplex: false }, early);
  try {
    await eventually(() => assert.equal(early.process.running(), false));
  } finally {
    connector.close();
  }
});

/** What connecting through `connector` fails with. */
function connectionError(connector: SshConnector): Promise<unknown> {
  return connector.connect().then(
    (duplex) =>
      new Promise((resolve) => {
        duplex.on('error', resolve);
        duplex.resume();
      }),
  );
}

test('an adopted ssh that failed before it was adopted fails like one the connector started', async () => {
  const refused = (options: readonly string[]): SshCommandLine => ({
    command: 'sh',
    args: ['-c', 'echo "Host key verification failed." >&2; exit 255', 'ssh', ...options],
  });
  const early = preDialled(refused);
  await eventually(() => assert.notEqual(early.process.end(), undefined));
  const adopting = new SshConnector(refused, { multiplex: true }, early);
  const starting = new SshConnector(refused, { multiplex: true });
  try {
    const [adopted, own] = await Promise.all([connectionError(adopting), connectionError(starting)]);
    assert.ok(adopted instanceof SshExitError && own instanceof SshExitError);
    assert.deepEqual([adopted.exitCode, adopted.stderr], [own.exitCode, own.stderr]);
    assert.deepEqual([adopted.exitCode, adopted.stderr], [255, 'Host key verification failed.']);
  } finally {
    adopting.close();
    starting.close();
  }
});

// ---- the whole command line, with a stand-in `ssh` on PATH ----

/** A directory with an `ssh` that logs its arguments (one line per run) and its pid, then does `body`. */
function fakeSsh(body: string): { dir: string; log: string; pids: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'stack-predial-test-'));
  const log = join(dir, 'ssh.log');
  const pids = join(dir, 'ssh.pids');
  writeFileSync(join(dir, 'ssh'), `#!/bin/sh\necho "$*" >> ${log}\necho $$ >> ${pids}\n${body}\n`, { mode: 0o755 });
  const env = { PATH: `${dir}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '/root', NO_COLOR: '1', DOCKER_HOST: SSH_HOST, XDG_RUNTIME_DIR: dir, STACK_CACHE: '0' };
  return { dir, log, pids, env };
}

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
const controlDirs = (dir: string): string[] => spawnSync('sh', ['-c', `ls -d ${dir}/stack-ssh-* 2>/dev/null`], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);

test('the pre-dialled ssh is the only ssh of a command, run with the command line the transport builds', () => {
  const fake = fakeSsh('echo "Host key verification failed." >&2; exit 255');
  try {
    const r = spawnSync(bin, ['-f', join(repoRoot, 'examples', 'quickstart', 'stack.yaml'), 'ps'], { env: fake.env, encoding: 'utf8' });
    assert.equal(r.status, 69, r.stderr);
    assert.match(r.stderr, /host key/i);
    const runs = lines(fake.log);
    assert.equal(runs.length, 1, runs.join('\n'));
    const controlPath = /ControlPath=(\S+)/.exec(runs[0]!)?.[1];
    assert.ok(controlPath);
    assert.equal(runs[0], sshCommand({ user: 'deploy', host: 'build.example', port: 2222 }, multiplexOptions(controlPath)).args.join(' '));
    assert.deepEqual(controlDirs(fake.dir), [], 'no control directory left');
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('help and commands that never reach the engine start no ssh', () => {
  const fake = fakeSsh('exit 255');
  try {
    for (const words of [['--help'], ['up', '--help'], ['--version'], ['config']]) {
      spawnSync(bin, ['-f', join(repoRoot, 'examples', 'quickstart', 'stack.yaml'), ...words], { env: fake.env, encoding: 'utf8' });
    }
    assert.deepEqual(lines(fake.log), []);
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a pre-dialled ssh nobody adopts is ended at exit and leaves no control directory', async () => {
  const fake = fakeSsh('exec sleep 60');
  try {
    // A process that pre-dials, waits until the ssh runs, and exits without opening the engine.
    const script = `
      require(${JSON.stringify(predialModule)}).preDial(['node', 'stack', 'ps'], process.env);
      const fs = require('node:fs');
      const wait = () => (fs.existsSync(${JSON.stringify(fake.pids)}) ? undefined : setTimeout(wait, 20));
      wait();`;
    const r = spawnSync(process.execPath, ['-e', script], { env: fake.env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const [pid] = lines(fake.pids).map(Number);
    assert.ok(pid);
    await eventually(() => assert.equal(alive(pid), false, `ssh ${pid} still runs`));
    assert.deepEqual(controlDirs(fake.dir), []);
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});

test('a command that fails to read its stack file ends its pre-dialled ssh', async () => {
  const fake = fakeSsh('exec sleep 60');
  try {
    const r = spawnSync(bin, ['-f', join(fake.dir, 'missing.yaml'), 'up', '-d'], { env: fake.env, encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /not found/);
    await eventually(() => {
      for (const pid of lines(fake.pids).map(Number)) assert.equal(alive(pid), false, `ssh ${pid} still runs`);
    });
    assert.ok(lines(fake.log).length <= 1);
    assert.deepEqual(controlDirs(fake.dir), []);
  } finally {
    rmSync(fake.dir, { recursive: true, force: true });
  }
});
