// The command set over ssh (issue 14 item 2), through a private sshd on 127.0.0.1 with its own
// host key, key-only login and known_hosts checked (scripts/remote-lab), counting in sshd's log
// (LogLevel DEBUG1) how many times each command logged in and how many session channels it
// opened. Every command logs in once (one ssh connection, OpenSSH multiplexing); sessions are
// channels on it, one per concurrent stream. Before: one ssh process (a login each) per
// request: 2 for ps, 5 for a no-op up, 7 for logs.
//
// Needs Debian's openssh-server, openssh-client and docker.io (the remote `docker` CLI).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupProject, eventually, fixturesDir, projectContainers, runStack, stackBin, testImage, uniqueProject } from '../helpers/engine.js';
import { labVar, sshActivity, sshEnv, sshLog, startLab, stopLab, type Lab } from '../helpers/remote-lab.js';

const file = join(fixturesDir, 'remote', 'stack.yaml');

/** The ssh processes (clients and backgrounded masters) still running for the lab's sshd port. */
function sshProcessesFor(port: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (/(^|\/)ssh$/.test(argv[0] ?? '') && argv.includes(port) && argv.includes('dial-stdio')) found.push(`${pid}: ${argv.join(' ')}`);
  }
  return found;
}

describe('the command set over ssh, one ssh login per command', () => {
  let lab: Lab | undefined;
  const project = uniqueProject('ssh');
  const stack = (args: string[], input?: string) =>
    runStack(['-f', file, '-p', project, ...args], { env: sshEnv(lab!), ...(input !== undefined ? { input } : {}) });

  /** Runs `act`, then what sshd logged meanwhile: logins and session channels. */
  async function counted<T>(act: () => Promise<T>): Promise<{ result: T; logins: number; sessions: number }> {
    const from = sshLog(lab!).length;
    const result = await act();
    return { result, ...sshActivity(sshLog(lab!).slice(from)) };
  }

  before(async () => {
    lab = await startLab();
  });
  after(async () => {
    await cleanupProject(project);
    await stopLab(lab);
  });

  it('up -d creates and starts both services over one ssh login', async () => {
    const { result: r, logins, sessions } = await counted(() => stack(['up', '-d']));
    assert.equal(r.code, 0, r.stderr);
    const states = (await projectContainers(project)).map((c) => `${c.Labels['com.docker.compose.service']}:${c.State}`).sort();
    assert.deepEqual(states, ['web:running', 'worker:running']);
    assert.equal(logins, 1);
    assert.ok(sessions >= 1 && sessions <= 4, `${sessions} sessions`);
  });

  it('a no-op up logs in once and opens at most two sessions', async () => {
    const { result: r, logins, sessions } = await counted(() => stack(['up', '-d']));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(logins, 1);
    assert.ok(sessions >= 1 && sessions <= 2, `${sessions} sessions`);
  });

  it('ps logs in once and opens one or two sessions', async () => {
    const { result: r, logins, sessions } = await counted(() => stack(['ps', '--format', 'json']));
    assert.equal(r.code, 0, r.stderr);
    const rows = (JSON.parse(r.stdout) as { Service: string; State: string }[]).map((x) => `${x.Service}:${x.State}`).sort();
    assert.deepEqual(rows, ['web:running', 'worker:running']);
    assert.equal(logins, 1);
    assert.ok(sessions >= 1 && sessions <= 2, `${sessions} sessions`);
  });

  // boot.cts starts the ssh before it knows whether the stack file reads (ssh-predial.cts).
  it('a command whose stack file does not parse logs in at most once and leaves no ssh running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-ssh-broken-'));
    try {
      const broken = join(dir, 'stack.yaml');
      writeFileSync(broken, 'services:\n  web: [\n');
      const from = sshLog(lab!).length;
      const r = await runStack(['-f', broken, '-p', project, 'up', '-d'], { env: sshEnv(lab!) });
      assert.equal(r.code, 65, r.stderr);
      assert.match(r.stderr, /invalid stack file/);
      const port = labVar(lab!, 'SSH_PORT');
      await eventually(() => assert.deepEqual(sshProcessesFor(port), []), 15_000);
      const { logins, sessions } = sshActivity(sshLog(lab!).slice(from));
      assert.ok(logins <= 1, `${logins} logins`);
      assert.ok(sessions <= 1, `${sessions} sessions`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plan logs in once and has nothing to do', async () => {
    const { result: r, logins } = await counted(() => stack(['plan', '--detailed-exitcode']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No changes\.$/m);
    assert.equal(logins, 1);
  });

  it('exec pipes stdin through and passes its exit code back, over one login', async () => {
    const { result: r, logins } = await counted(() => stack(['exec', '-T', 'web', 'sh', '-c', 'read line; echo "got $line"; exit 5'], 'over ssh\n'));
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, 'got over ssh\n');
    assert.equal(logins, 1);
  });

  it('logs -f follows both services over one login, a session per stream and at most one more', async () => {
    const from = sshLog(lab!).length;
    const child = spawn(stackBin, ['-f', file, '-p', project, 'logs', '-f'], {
      env: { ...process.env, NO_COLOR: '1', STACK_TEST_IMAGE: testImage, ...sshEnv(lab!) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let activity: { logins: number; sessions: number };
    try {
      await eventually(() => {
        assert.match(out, /web.*web-ready/);
        assert.match(out, /worker.*worker-ready/);
      }, 60_000);
      assert.equal(child.exitCode, null, 'still following');
      activity = sshActivity(sshLog(lab!).slice(from));
    } finally {
      child.kill('SIGINT');
    }
    const code = await closed;
    assert.ok(code === 0 || code === 130, `logs -f ended with ${code}: ${err}`);
    assert.equal(activity.logins, 1);
    assert.ok(activity.sessions >= 2 && activity.sessions <= 3, `${activity.sessions} sessions`);
  });

  it('down removes the containers over one login', async () => {
    const { result: r, logins } = await counted(() => stack(['down']));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await projectContainers(project), []);
    assert.equal(logins, 1);
  });
});
