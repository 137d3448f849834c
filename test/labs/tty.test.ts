// exec and run at a real terminal (issue 14 item 3), through a pseudo-terminal made by
// util-linux `script -qec` (Debian's bsdutils): stdin is a TTY inside (`test -t 0`), the
// process's terminal has our size and follows a resize (the kernel's SIGWINCH on a size change
// of our pty, `stty size` inside), the detach keys leave the process running, our terminal's
// settings are the same after as before (raw mode undone), and the exit code comes through.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, eventually, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject } from '../helpers/engine.js';

const file = join(fixturesDir, 'tty', 'stack.yaml');
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

interface Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything the terminal showed so far. */
  output(): string;
  type(text: string): void;
  /** The pty's device, once the shell inside wrote it. */
  device(): string;
  exit: Promise<number | null>;
}

/**
 * `stack ARGS` at a pseudo-terminal of ROWS x COLS, in a shell that notes the pty's device and
 * its settings before and after, then exits with stack's code.
 */
function atTerminal(dir: string, args: string[], rows = 20, cols = 70): Terminal {
  const ttyFile = join(dir, 'tty');
  const stackLine = [stackBin, ...args].map(quote).join(' ');
  const shell = [
    `stty rows ${rows} cols ${cols}`,
    `tty > ${quote(ttyFile)}`,
    'before=$(stty -g)',
    `${stackLine}`,
    'code=$?',
    '[ "$(stty -g)" = "$before" ] && echo TERMINAL-RESTORED || echo TERMINAL-CHANGED',
    'exit $code',
  ].join('; ');
  const child = spawn('script', ['-qec', shell, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    type: (text) => void child.stdin.write(text),
    device: () => readFileSync(ttyFile, 'utf8').trim(),
    exit,
  };
}

describe('exec and run at a terminal', () => {
  const project = uniqueProject('tty');
  const dir = mkdtempSync(join(tmpdir(), 'stack-tty-'));
  const base = ['-f', file, '-p', project];
  let open: Terminal | undefined;

  before(async () => {
    const r = await runStack([...base, 'up', '-d']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    if (open && open.child.exitCode === null) open.child.kill('SIGKILL');
    await cleanupProject(project);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exec gets a TTY of our size, and its exit code comes back with the terminal restored', async () => {
    // On engine 20.10 the size is set just after the process started (as for `docker exec -it`):
    // lines are typed, once it runs, until its size shows ours.
    const t = (open = atTerminal(
      dir,
      [...base, 'exec', 'shell', 'sh', '-c', 'test -t 0 && test -t 1 && echo STDIN-IS-A-TTY; echo STARTED; while echo "size $(stty size)"; read l; do [ "$l" = bye ] && exit 3; done'],
      21,
      73,
    ));
    await eventually(() => assert.match(t.output(), /STARTED/), 60_000);
    await eventually(() => {
      t.type('hello\r');
      assert.match(t.output(), /size 21 73/);
    }, 30_000, 500);
    t.type('bye\r');
    assert.equal(await t.exit, 3, t.output());
    assert.match(t.output(), /STDIN-IS-A-TTY/);
    assert.match(t.output(), /TERMINAL-RESTORED/);
  });

  it('exec -T gets no TTY even at a terminal', async () => {
    const t = (open = atTerminal(dir, [...base, 'exec', '-T', 'shell', 'sh', '-c', 'test -t 0 && echo STDIN-IS-A-TTY || echo NO-TTY']));
    t.child.stdin.end();
    assert.equal(await t.exit, 0, t.output());
    assert.match(t.output(), /NO-TTY/);
  });

  it("exec's terminal follows a resize of ours", async () => {
    // Each line typed prints the size again; the pty is resized from outside (the kernel sends
    // SIGWINCH to stack), and lines are typed until the new size shows.
    const t = (open = atTerminal(dir, [...base, 'exec', 'shell', 'sh', '-c', 'echo STARTED; while echo "size $(stty size)"; read line; do :; done; exit 4'], 20, 70));
    await eventually(() => assert.match(t.output(), /STARTED/), 60_000);
    await eventually(() => {
      t.type('first\r');
      assert.match(t.output(), /size 20 70/);
    }, 30_000, 500);
    execFileSync('stty', ['-F', t.device(), 'rows', '41', 'cols', '123']);
    await eventually(() => {
      t.type('again\r');
      assert.match(t.output(), /size 41 123/);
    }, 30_000, 500);
    t.type('\x04'); // ctrl-d: `read` sees the end of input
    assert.equal(await t.exit, 4, t.output());
    assert.match(t.output(), /TERMINAL-RESTORED/);
  });

  it('run gets a TTY of our size, keys typed reach it, and --rm removes it after', async () => {
    // The size is set once the container runs (engine 20.10 ignores a size given at create,
    // as for `docker run -it`): the first line may still show none, so lines are typed until
    // it shows ours.
    const t = (open = atTerminal(
      dir,
      [...base, 'run', '--rm', 'shell', 'sh', '-c', 'test -t 0 && echo STDIN-IS-A-TTY; echo STARTED; while echo "size $(stty size)"; read answer; do echo "typed $answer"; [ "$answer" = bye ] && exit 6; done'],
      22,
      75,
    ));
    await eventually(() => assert.match(t.output(), /STARTED/), 60_000);
    await eventually(() => {
      t.type('hello\r');
      assert.match(t.output(), /size 22 75/);
    }, 60_000, 500);
    t.type('bye\r');
    assert.equal(await t.exit, 6, t.output());
    assert.match(t.output(), /STDIN-IS-A-TTY/);
    assert.match(t.output(), /typed bye/);
    assert.match(t.output(), /TERMINAL-RESTORED/);
    const oneoffs = (await projectContainers(project)).filter((c) => c.Labels['com.docker.compose.oneoff'] === 'True');
    assert.deepEqual(oneoffs, []);
  });

  it("run's terminal follows a resize of ours", async () => {
    const t = (open = atTerminal(dir, [...base, 'run', '--rm', 'shell', 'sh', '-c', 'echo STARTED; while echo "size $(stty size)"; read line; do :; done'], 20, 70));
    await eventually(() => assert.match(t.output(), /STARTED/), 60_000);
    await eventually(() => {
      t.type('first\r');
      assert.match(t.output(), /size 20 70/);
    }, 60_000, 500);
    execFileSync('stty', ['-F', t.device(), 'rows', '33', 'cols', '99']);
    await eventually(() => {
      t.type('again\r');
      assert.match(t.output(), /size 33 99/);
    }, 30_000, 500);
    t.type('\x04');
    assert.equal(await t.exit, 0, t.output());
  });

  it('the detach keys (ctrl-p ctrl-q) leave a run container running and give the terminal back, exit 0', async () => {
    const t = (open = atTerminal(dir, [...base, 'run', '--rm', '--name', `${project}-detached`, 'shell', 'sh', '-c', 'echo STARTED; exec sleep 600']));
    await eventually(() => assert.match(t.output(), /STARTED/), 60_000);
    t.type('\x10\x11');
    assert.equal(await t.exit, 0, t.output());
    assert.match(t.output(), /TERMINAL-RESTORED/);
    const detached = (await projectContainers(project)).filter((c) => c.Names.includes(`/${project}-detached`));
    assert.equal(detached.length, 1);
    assert.equal(detached[0]!.State, 'running');
  });

  it('--detach-keys chooses other keys for exec', async () => {
    const t = (open = atTerminal(dir, [...base, 'exec', '--detach-keys', 'ctrl-a,x', 'shell', 'sh', '-c', 'echo STARTED; exec sleep 600']));
    await eventually(() => assert.match(t.output(), /STARTED/), 60_000);
    t.type('\x01x');
    assert.equal(await t.exit, 0, t.output());
    assert.match(t.output(), /TERMINAL-RESTORED/);
  });
});
