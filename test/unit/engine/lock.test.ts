import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { acquireProjectLock, lockPath, type LockHolder } from '../../../src/engine/lock.js';
import { OperationError } from '../../../src/errors.js';

const lockModule = new URL('../../../src/engine/lock.js', import.meta.url).href;
const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'stack-lock-test-'));
  dirs.push(d);
  return d;
}

const engine = '6VRD:4VFL:YOFX:JONK:AFEI:TZJM:ZKX5:2V4I:IFM5:3LPY:IUMG:NUJ7';

/** A child process running `code` (an ES module body) with `lockModule`'s exports in scope. */
function child(code: string, env: Record<string, string> = {}): ChildProcess {
  const c = spawn(process.execPath, ['--input-type=module', '-e', `import * as L from ${JSON.stringify(lockModule)};\n${code}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  children.push(c);
  return c;
}

async function lineFrom(c: ChildProcess, expected: string): Promise<void> {
  let out = '';
  for await (const chunk of c.stdout!) {
    out += chunk;
    if (out.includes(expected)) return;
  }
  throw new Error(`child ended without printing ${expected}: ${out}`);
}

test('a second acquirer fails after its wait, naming the holder pid, command and start time', async () => {
  const dir = freshDir();
  const first = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir, command: 'stack up' });
  const started = Date.now();
  await assert.rejects(
    acquireProjectLock({ projectName: 'p', engine, waitMs: 300, dir, pollMs: 20 }),
    (e: unknown) => {
      assert.ok(e instanceof OperationError);
      assert.match(e.message, new RegExp(`locked by pid ${process.pid} on .*\`stack up\`, since \\d{4}-`));
      return true;
    },
  );
  assert.ok(Date.now() - started >= 280, 'it waited before failing');
  first.release();
});

test('release frees the lock, is idempotent, and a later acquirer gets it', async () => {
  const dir = freshDir();
  const first = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  first.release();
  first.release();
  assert.equal(existsSync(first.path), false);
  const second = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  assert.equal(existsSync(second.path), true);
  second.release();
});

test('a late release of an old lock never removes the current holder\'s lock', async () => {
  const dir = freshDir();
  const first = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  first.release();
  const second = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  first.release();
  assert.equal(existsSync(second.path), true);
  second.release();
});

test('the same project on another engine, or another project, is a different lock', async () => {
  const dir = freshDir();
  const a = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  const b = await acquireProjectLock({ projectName: 'p', engine: 'tcp://other:2375', waitMs: 0, dir });
  const c = await acquireProjectLock({ projectName: 'q', engine, waitMs: 0, dir });
  assert.equal(new Set([a.path, b.path, c.path]).size, 3);
  a.release();
  b.release();
  c.release();
});

test('a waiter is told once who it waits for, and gets the lock when the holder releases', async () => {
  const dir = freshDir();
  const first = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir, command: 'stack down' });
  const waits: (LockHolder | undefined)[] = [];
  const pending = acquireProjectLock({ projectName: 'p', engine, waitMs: 10_000, dir, pollMs: 20, onWait: (h) => waits.push(h) });
  setTimeout(() => first.release(), 150);
  const second = await pending;
  assert.equal(waits.length, 1);
  assert.equal(waits[0]?.command, 'stack down');
  second.release();
});

test('a lock left by a SIGKILLed process is detected as stale and taken over', async () => {
  const dir = freshDir();
  const holder = child(`await L.acquireProjectLock({ projectName: 'p', engine: ${JSON.stringify(engine)}, waitMs: 0, dir: ${JSON.stringify(dir)} }); console.log('locked'); setInterval(() => {}, 1000);`);
  await lineFrom(holder, 'locked');
  const path = lockPath(dir, engine, 'p');
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid, holder.pid);
  holder.kill('SIGKILL');
  await once(holder, 'exit');
  const started = Date.now();
  const lock = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  assert.ok(Date.now() - started < 1000);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as LockHolder).pid, process.pid);
  lock.release();
  assert.deepEqual(readdirSync(dir), [], 'no temp files or break tokens are left behind');
});

test('a lock whose pid now belongs to a later process (pid reuse) is stale', async () => {
  const dir = freshDir();
  const path = lockPath(dir, engine, 'p');
  // Our own pid is alive, but the recorded start time is not ours: that holder is gone.
  const fake: LockHolder = { pid: process.pid, host: hostname(), startedAt: '2020-01-01T00:00:00Z', command: 'stack up', project: 'p', engine, pidStart: '1' };
  writeFileSync(path, JSON.stringify(fake));
  const lock = await acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir });
  lock.release();
});

test('a lock held from another host is never broken, even when that pid is dead here', async () => {
  const dir = freshDir();
  const path = lockPath(dir, engine, 'p');
  const foreign: LockHolder = { pid: 999_999_999, host: `${hostname()}-elsewhere`, startedAt: '2020-01-01T00:00:00Z', command: 'stack up', project: 'p', engine };
  writeFileSync(path, JSON.stringify(foreign));
  await assert.rejects(acquireProjectLock({ projectName: 'p', engine, waitMs: 0, dir }), (e: unknown) => e instanceof OperationError && /another host/.test(e.hint ?? ''));
  assert.equal(JSON.parse(readFileSync(path, 'utf8')).host, foreign.host);
});

test('concurrent acquirers in separate processes never hold the lock at the same time, even while breaking a stale lock', async () => {
  const dir = freshDir();
  const log = join(dir, 'holds.log');
  // Start from a stale lock so that every child races to break it first.
  const stale: LockHolder = { pid: 999_999_999, host: hostname(), startedAt: '2020-01-01T00:00:00Z', command: 'stack up', project: 'p', engine };
  writeFileSync(lockPath(dir, engine, 'p'), JSON.stringify(stale));
  const rounds = 8;
  const workers = Array.from({ length: 3 }, () =>
    child(`
      import { appendFileSync } from 'node:fs';
      for (let i = 0; i < ${rounds}; i++) {
        const lock = await L.acquireProjectLock({ projectName: 'p', engine: ${JSON.stringify(engine)}, waitMs: 60000, pollMs: 5, dir: ${JSON.stringify(dir)} });
        appendFileSync(${JSON.stringify(log)}, 'enter ' + process.pid + '\\n');
        await new Promise((r) => setTimeout(r, 10));
        appendFileSync(${JSON.stringify(log)}, 'leave ' + process.pid + '\\n');
        lock.release();
      }
    `),
  );
  const codes = await Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0] as number));
  assert.deepEqual(codes, [0, 0, 0]);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(lines.length, 3 * rounds * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const [enter, leave] = [lines[i]!.split(' '), lines[i + 1]!.split(' ')];
    assert.equal(enter[0], 'enter', `line ${i}: ${lines[i]}`);
    assert.deepEqual(leave, ['leave', enter[1]], `holder ${enter[1]} was interleaved at line ${i + 1}`);
  }
  assert.deepEqual(readdirSync(dir), ['holds.log'], 'no lock, temp file or break token is left behind');
});
