// FileReceivers (stack/watch-receiver.ts): when a batch goes through a container's receiver and
// when it is handed back to the archive API. The engine is a small stand-in whose exec runs the
// real receiver script under the machine's own `sh`, its output framed as the engine frames it,
// so what is asserted is written to a real temp tree.

import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import type { EngineGateway, ExecOptions } from '../../../src/engine/gateway.js';
import { ConflictError } from '../../../src/errors.js';
import { FileReceivers, RECEIVER_MAX_ENTRIES } from '../../../src/stack/watch-receiver.js';
import type { ReceiverEntry } from '../../../src/watch/receiver-protocol.js';
import { tempTree } from './watch-fs.js';

const owner = { uid: process.getuid!(), gid: process.getgid!() };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

type Behaviour = 'run' | 'not-running' | 'no-shell';

/** exec: 'run' starts the script (as `sh -c` would in the container); the others fail as the engine does. */
class ScriptEngine {
  behaviour: Behaviour = 'run';
  readonly execs: ExecOptions[] = [];
  readonly children: ChildProcessWithoutNullStreams[] = [];
  private readonly exitCodes = new Map<string, number>();

  gateway(): EngineGateway {
    return { exec: (id: string, o: ExecOptions) => this.exec(id, o), execExitCode: async (execId: string) => this.exitCodes.get(execId) } as unknown as EngineGateway;
  }

  private async exec(_container: string, options: ExecOptions): Promise<{ execId: string; stream: { stream: NodeJS.ReadWriteStream; tty: boolean } }> {
    if (this.behaviour === 'not-running') throw new ConflictError('exec in', 'container is not running');
    this.execs.push(options);
    const execId = `exec${this.execs.length}`;
    if (this.behaviour === 'no-shell') {
      this.exitCodes.set(execId, 126);
      const ended = new PassThrough();
      ended.end();
      return { execId, stream: { stream: Duplex.from({ readable: ended, writable: new PassThrough() }), tty: false } };
    }
    const child = spawn(options.cmd[0]!, options.cmd.slice(1));
    this.children.push(child);
    cleanups.push(() => void child.kill());
    const framed = new PassThrough();
    child.stdout.on('data', (chunk: Buffer) => {
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(chunk.length, 4);
      framed.write(Buffer.concat([header, chunk]));
    });
    child.on('close', (code) => {
      this.exitCodes.set(execId, code ?? 137);
      framed.end();
    });
    return { execId, stream: { stream: Duplex.from({ readable: framed, writable: child.stdin }), tty: false } };
  }
}

async function setUp(): Promise<{ root: string; engine: ScriptEngine; receivers: FileReceivers }> {
  const t = await tempTree('receivers');
  const engine = new ScriptEngine();
  const receivers = new FileReceivers(engine.gateway());
  cleanups.push(t.dispose, () => receivers.closeAll());
  return { root: t.root, engine, receivers };
}

function file(path: string, text: string): ReceiverEntry {
  return { containerPath: path, type: 'file', mode: 0o644, mtimeSeconds: 1_700_000_000, content: Buffer.from(text) };
}

describe('file receivers', () => {
  it('delivers batch after batch through one receiver per container', async () => {
    const { root, engine, receivers } = await setUp();
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'one')], owner), true);
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'two'), file(join(root, 'b'), 'b')], owner), true);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'two');
    assert.equal(await readFile(join(root, 'b'), 'utf8'), 'b');
    assert.equal(engine.execs.length, 1);
    assert.deepEqual([engine.execs[0]!.user, engine.execs[0]!.attachStdin], ['0', true]);
  });

  it('hands a batch back while the container is not running, and opens a receiver once it runs', async () => {
    const { root, engine, receivers } = await setUp();
    engine.behaviour = 'not-running';
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'x')], owner), false);
    engine.behaviour = 'run';
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'y')], owner), true);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'y');
  });

  it('hands every batch back, without asking again, for a container whose image has no shell', async () => {
    const { root, engine, receivers } = await setUp();
    engine.behaviour = 'no-shell';
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'x')], owner), false);
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'y')], owner), false);
    assert.equal(engine.execs.length, 1);
  });

  it('opens a new receiver for the batch that finds the old one dead (the container restarted)', async () => {
    const { root, engine, receivers } = await setUp();
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'x')], owner), true);
    const first = engine.children[0]!;
    const gone = new Promise((r) => first.on('close', r));
    first.kill('SIGKILL');
    await gone;
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'y')], owner), true);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'y');
    assert.equal(engine.execs.length, 2);
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'z')], owner), true);
    assert.equal(engine.execs.length, 2, 'the new receiver stays open for later batches');
  });

  it('sends the batch again through a new receiver when the old one dies while taking it', async () => {
    const { root, engine, receivers } = await setUp();
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'x')], owner), true);
    // Its input closes under it, as when the container stops: the death may show only on the write.
    engine.children[0]!.stdin.end();
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'y')], owner), true);
    assert.equal(await readFile(join(root, 'a'), 'utf8'), 'y');
    assert.equal(engine.execs.length, 2);
  });

  it('hands the batch back when the receiver could not write it', async () => {
    const { root, receivers } = await setUp();
    await receivers.deliver('c1', [file(join(root, 'blocker'), 'a file')], owner);
    assert.equal(await receivers.deliver('c1', [file(join(root, 'blocker', 'under', 'x'), 'x')], owner), false);
  });

  it('leaves a batch too large for a receiver to the archive API without starting one', async () => {
    const { root, engine, receivers } = await setUp();
    const many = Array.from({ length: RECEIVER_MAX_ENTRIES + 1 }, (_, i) => file(join(root, `f${i}`), 'x'));
    assert.equal(await receivers.deliver('c1', many, owner), false);
    assert.equal(engine.execs.length, 0);
  });

  it('closes its receivers when asked, and delivers nothing after', async () => {
    const { root, engine, receivers } = await setUp();
    await receivers.deliver('c1', [file(join(root, 'a'), 'x')], owner);
    const exited = new Promise((r) => engine.children[0]!.on('close', r));
    await receivers.closeAll();
    await exited;
    assert.equal(await receivers.deliver('c1', [file(join(root, 'a'), 'y')], owner), false);
  });
});
