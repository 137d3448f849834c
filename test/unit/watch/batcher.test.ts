// The batcher against a hand-driven clock and an executor whose batches finish when the test
// says: when batches go out, what they hold, and that nothing is lost.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BURST_MAX_SETTLE_MS,
  BURST_SETTLE_MS,
  MAX_SETTLE_MS,
  SETTLE_MS,
  WatchBatcher,
  type BatchOutcome,
  type BatcherReport,
} from '../../../src/watch/batcher.js';
import type { FileChange, WatchAction, WatchBatch, WatchRuleInput } from '../../../src/watch/types.js';
import { FakeClock, settlePromises } from './fake-clock.js';

function rule(action: WatchAction, path = '/src', target = '/app'): WatchRuleInput {
  return { action, path, target, ignore: [], include: [], initialSync: false };
}
const syncRule = rule('sync');
const rebuildRule = rule('rebuild');

function change(hostPath: string, exists = true, r: WatchRuleInput = syncRule, service = 'web', ruleIndex = 0): FileChange {
  const rel = hostPath.slice(r.path.length + 1);
  return {
    hostPath,
    exists,
    isDirectory: false,
    matches: [
      {
        service,
        rule: r,
        ruleIndex,
        action: r.action,
        ...(r.action === 'rebuild' || r.action === 'restart' ? {} : { containerPath: `${r.target}/${rel}` }),
      },
    ],
  };
}

/** A batcher whose executor records each batch and finishes it only when told to. */
function harness() {
  const clock = new FakeClock();
  const batches: WatchBatch[] = [];
  const finishers: ((outcome: BatchOutcome | Error) => void)[] = [];
  const reports: BatcherReport[] = [];
  const batcher = new WatchBatcher({
    clock,
    execute: (batch) =>
      new Promise<BatchOutcome>((resolve, reject) => {
        batches.push(batch);
        finishers.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
      }),
    report: (r) => reports.push(r),
  });
  /** Finish the oldest unfinished batch and let the batcher react. */
  async function finish(outcome: BatchOutcome | Error = undefined): Promise<void> {
    finishers.shift()!(outcome);
    await settlePromises();
  }
  return { clock, batcher, batches, reports, finish };
}

const paths = (batch: WatchBatch | undefined): string[] => (batch?.services ?? []).flatMap((s) => s.files.map((f) => f.hostPath));

describe('batcher: when a batch goes out', () => {
  it('dispatches the first change once the settle window has passed, not later', () => {
    const { clock, batcher, batches } = harness();
    batcher.add(change('/src/a.js'));
    assert.equal(batcher.state, 'settling');
    clock.advance(SETTLE_MS - 1);
    assert.equal(batches.length, 0);
    clock.advance(1);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.dispatchedAt, SETTLE_MS);
    assert.equal(batches[0]!.firstEventAt, 0);
    assert.equal(batcher.state, 'running');
  });

  it('restarts the quiet window with every change of a short series', () => {
    const { clock, batcher, batches } = harness();
    batcher.add(change('/src/a.js'));
    clock.advance(20);
    batcher.add(change('/src/b.js'));
    clock.advance(SETTLE_MS - 1);
    assert.equal(batches.length, 0);
    clock.advance(1);
    assert.deepEqual(paths(batches[0]), ['/src/a.js', '/src/b.js']);
  });

  it('sends a continuous stream out at the max bound, counted from its first change', () => {
    const { clock, batcher, batches } = harness();
    // A log file written every 10 ms, next to a lock file.
    for (let t = 0; t < MAX_SETTLE_MS; t += 10) {
      batcher.add(change(t % 20 === 0 ? '/src/app.log' : '/src/app.lock'));
      clock.advance(10);
    }
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.dispatchedAt, MAX_SETTLE_MS);
    assert.deepEqual(paths(batches[0]), ['/src/app.lock', '/src/app.log']);
  });

  it('keeps a burst that trickles in for longer than the max bound in one batch, up to the burst bound', () => {
    const { clock, batcher, batches } = harness();
    // 1,000 files reported over 1,000 ms, a few every 10 ms (a loaded machine).
    for (let i = 0; i < 1000; i++) {
      batcher.add(change(`/src/burst/f${i}.js`));
      if (i % 10 === 9) clock.advance(10);
    }
    clock.advance(BURST_SETTLE_MS);
    assert.equal(batches.length, 1);
    assert.equal(paths(batches[0]).length, 1000);
  });

  it('sends a continuous stream of new files out at the burst bound', () => {
    const { clock, batcher, batches } = harness();
    for (let t = 0; t < BURST_MAX_SETTLE_MS; t += 10) {
      batcher.add(change(`/src/f${t}.js`));
      clock.advance(10);
    }
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.dispatchedAt, BURST_MAX_SETTLE_MS);
    assert.equal(paths(batches[0]).length, BURST_MAX_SETTLE_MS / 10);
  });

  it('puts the changes that arrive while a batch runs into exactly one next batch, sent when it finishes', async () => {
    const { clock, batcher, batches, finish } = harness();
    batcher.add(change('/src/a.js'));
    clock.advance(SETTLE_MS);
    assert.equal(batcher.state, 'running');
    clock.advance(100);
    batcher.add(change('/src/b.js'));
    clock.advance(500);
    batcher.add(change('/src/c.js'));
    batcher.add(change('/src/b.js'));
    assert.equal(batcher.state, 'queued');
    clock.advance(1000);
    assert.equal(batches.length, 1, 'nothing else starts while a batch runs');
    await finish();
    assert.equal(batches.length, 2, 'the next batch starts when the running one finishes');
    assert.deepEqual(paths(batches[1]), ['/src/b.js', '/src/c.js']);
    assert.equal(batches[1]!.eventCount, 3);
    await finish();
    clock.advance(10_000);
    assert.equal(batches.length, 2);
    assert.equal(batcher.state, 'idle');
  });

  it('lets changes that arrived just before the running batch finished settle first', async () => {
    const { clock, batcher, batches, finish } = harness();
    batcher.add(change('/src/a.js'));
    clock.advance(SETTLE_MS);
    clock.advance(200);
    batcher.add(change('/src/b.js'));
    clock.advance(5);
    await finish();
    assert.equal(batcher.state, 'settling');
    clock.advance(SETTLE_MS - 5 - 1);
    assert.equal(batches.length, 1);
    batcher.add(change('/src/c.js'));
    clock.advance(SETTLE_MS);
    assert.deepEqual(paths(batches[1]), ['/src/b.js', '/src/c.js']);
  });

  it('makes one batch of 1,000 files out of a burst of 1,000 events', () => {
    const { clock, batcher, batches } = harness();
    for (let i = 0; i < 1000; i++) {
      batcher.add(change(`/src/d${i % 10}/f${i}.js`));
      // A writer that pauses now and then for longer than SETTLE_MS (as measured on a busy machine).
      if (i % 100 === 99) clock.advance(SETTLE_MS + 5);
    }
    clock.advance(BURST_SETTLE_MS);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.services[0]!.sync.length, 1000);
    assert.equal(batches[0]!.eventCount, 1000);
  });

  it('does not start batches after stop, and hands back what was pending', async () => {
    const { clock, batcher, batches, finish } = harness();
    batcher.add(change('/src/a.js'));
    clock.advance(SETTLE_MS);
    batcher.add(change('/src/b.js'));
    const stopped = batcher.stop();
    await finish();
    const leftover = await stopped;
    assert.equal(batcher.state, 'stopped');
    assert.deepEqual(leftover.map((c) => c.hostPath), ['/src/b.js']);
    clock.advance(10_000);
    assert.equal(batches.length, 1);
  });

  it('resolves whenIdle once the last batch has finished', async () => {
    const { clock, batcher, finish } = harness();
    let idle = false;
    batcher.add(change('/src/a.js'));
    void batcher.whenIdle().then(() => (idle = true));
    clock.advance(SETTLE_MS);
    await settlePromises();
    assert.equal(idle, false);
    await finish();
    assert.equal(idle, true);
  });

  it('ignores a change that matched no rule and is no stack file', () => {
    const { clock, batcher, batches } = harness();
    batcher.add({ hostPath: '/elsewhere/x', exists: true, isDirectory: false, matches: [] });
    assert.equal(batcher.state, 'idle');
    clock.advance(1000);
    assert.equal(batches.length, 0);
    assert.equal(clock.armedTimers, 0);
  });
});

describe('batcher: what a batch holds', () => {
  it('keeps the last state of a path: changed then deleted is deleted', () => {
    const { clock, batcher, batches } = harness();
    batcher.add(change('/src/a.js', true));
    batcher.add(change('/src/a.js', false));
    clock.advance(SETTLE_MS);
    const sync = batches[0]!.services[0]!.sync;
    assert.deepEqual(sync.map((f) => [f.hostPath, f.exists]), [['/src/a.js', false]]);
  });

  it('keeps the last state of a path: deleted then re-created is changed', () => {
    const { clock, batcher, batches } = harness();
    batcher.add(change('/src/a.js', false));
    batcher.add(change('/src/a.js', true));
    clock.advance(SETTLE_MS);
    const sync = batches[0]!.services[0]!.sync;
    assert.deepEqual(sync.map((f) => [f.hostPath, f.exists, f.containerPath]), [['/src/a.js', true, '/app/a.js']]);
  });

  it('lets a pending rebuild supersede the syncs of that service only, listing what it superseded', () => {
    const { clock, batcher, batches } = harness();
    batcher.add(change('/src/a.js'));
    batcher.add(change('/src/package.json', true, rebuildRule, 'web', 1));
    batcher.add(change('/src/b.js', true, syncRule, 'worker'));
    clock.advance(SETTLE_MS);
    const [web, worker] = [batches[0]!.services[0]!, batches[0]!.services[1]!];
    assert.equal(web.service, 'web');
    assert.equal(web.action, 'rebuild');
    assert.deepEqual(web.sync, []);
    assert.deepEqual(web.superseded.map((f) => f.containerPath), ['/app/a.js']);
    assert.deepEqual(web.files.map((f) => [f.hostPath, f.action]), [['/src/a.js', 'sync'], ['/src/package.json', 'rebuild']]);
    assert.equal(worker.action, 'sync');
    assert.deepEqual(worker.sync.map((f) => f.containerPath), ['/app/b.js']);
  });

  it('carries the stack files that changed, for a reload before anything else', () => {
    const { clock, batcher, batches } = harness();
    batcher.add({ hostPath: '/proj/stack.yaml', exists: true, isDirectory: false, matches: [], stackFile: true });
    batcher.add(change('/src/a.js'));
    clock.advance(SETTLE_MS);
    assert.deepEqual(batches[0]!.stackFiles, [{ hostPath: '/proj/stack.yaml', exists: true, isDirectory: false }]);
    assert.equal(batches[0]!.services.length, 1);
  });
});

describe('batcher: nothing is lost', () => {
  it('reports every file of a batch whose executor threw, then carries on with the next batch', async () => {
    const { clock, batcher, batches, reports, finish } = harness();
    batcher.add(change('/src/a.js'));
    batcher.add(change('/src/b.js', true, syncRule, 'worker'));
    clock.advance(SETTLE_MS);
    batcher.add(change('/src/c.js'));
    await finish(new Error('engine went away'));
    const finished = reports.find((r) => r.kind === 'batch-finished');
    assert.ok(finished && finished.kind === 'batch-finished');
    assert.deepEqual(
      finished.failures.map((f) => [f.service, (f.error as Error).message, f.files.map((x) => x.hostPath)]),
      [
        ['web', 'engine went away', ['/src/a.js']],
        ['worker', 'engine went away', ['/src/b.js']],
      ],
    );
    clock.advance(SETTLE_MS);
    assert.deepEqual(paths(batches[1]), ['/src/c.js']);
  });

  it('reports the files of the one service the executor says failed', async () => {
    const { clock, batcher, reports, finish } = harness();
    batcher.add(change('/src/a.js'));
    batcher.add(change('/src/b.js', true, syncRule, 'worker'));
    clock.advance(SETTLE_MS);
    await finish([{ service: 'worker', error: new Error('container exited') }]);
    const finished = reports.at(-1)!;
    assert.ok(finished.kind === 'batch-finished');
    assert.deepEqual(finished.failures.map((f) => [f.service, f.files.map((x) => x.hostPath)]), [['worker', ['/src/b.js']]]);
  });

  it('reports start and finish with the time from the first event to done', async () => {
    const { clock, batcher, reports, finish } = harness();
    batcher.add(change('/src/a.js'));
    clock.advance(SETTLE_MS);
    clock.advance(40);
    await finish();
    assert.deepEqual(reports.map((r) => r.kind), ['batch-started', 'batch-finished']);
    const finished = reports[1]!;
    assert.ok(finished.kind === 'batch-finished');
    assert.equal(finished.elapsedMs, SETTLE_MS + 40);
    assert.deepEqual(finished.failures, []);
  });
});
