// The classic builder's progress stream, read by BuildStreamReader after parseJsonLines. The
// recorded streams below are what Docker 20.10 sent (API 1.41), ids shortened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLines } from '../../../src/engine/json-lines.js';
import { BUILD_FAILURE_LINES, BuildStreamReader, type BuildOutcome } from '../../../src/engine/build-stream.js';
import { buildQuery } from '../../../src/engine/docker-gateway.js';
import { queryString } from '../../../src/engine/modem-transport.js';
import { BuildError } from '../../../src/errors.js';
import type { BuildProgressEvent } from '../../../src/api/engine-types.js';

const lines = (messages: readonly object[]): string => messages.map((m) => `${JSON.stringify(m)}\r\n`).join('');

/** A two-stage build whose second stage fails; recorded from the engine. */
const FAILING_MULTI_STAGE = lines([
  { stream: 'Step 1/6 : FROM stack-test/busybox:1 AS base' },
  { stream: '\n' },
  { stream: ' ---> 03c33b6b9195\n' },
  { stream: 'Step 2/6 : ARG GREETING=hello' },
  { stream: '\n' },
  { stream: ' ---> Running in 306cc4a8e7aa\n' },
  { stream: 'Removing intermediate container 306cc4a8e7aa\n' },
  { stream: ' ---> b1e4da7d54f7\n' },
  { stream: 'Step 3/6 : RUN echo "$GREETING" > /greeting && echo line-one && echo line-two >&2' },
  { stream: '\n' },
  { stream: ' ---> Running in ef845c142534\n' },
  { stream: '\u001b[91mline-two\n\u001b[0m' },
  { stream: 'line-one\n' },
  { stream: 'Removing intermediate container ef845c142534\n' },
  { stream: ' ---> 538f9ce7844e\n' },
  { aux: { ID: 'sha256:538f9ce7844e30da5eecff66ccb3ba75bba711d85cac403c88b6bee6a0c3c003' } },
  { stream: 'Step 4/6 : FROM base AS final' },
  { stream: '\n' },
  { stream: ' ---> 538f9ce7844e\n' },
  { stream: 'Step 5/6 : LABEL a=b' },
  { stream: '\n' },
  { stream: ' ---> Running in 3f1e73b1d003\n' },
  { stream: 'Removing intermediate container 3f1e73b1d003\n' },
  { stream: ' ---> 9143eecd1d14\n' },
  { stream: "Step 6/6 : RUN echo partial; printf 'no-newline'; exit 3" },
  { stream: '\n' },
  { stream: ' ---> Running in 26211582033e\n' },
  { stream: 'partial\nno-newline' },
  { stream: 'Removing intermediate container 26211582033e\n' },
  {
    errorDetail: { code: 3, message: "The command '/bin/sh -c echo partial; printf 'no-newline'; exit 3' returned a non-zero code: 3" },
    error: "The command '/bin/sh -c echo partial; printf 'no-newline'; exit 3' returned a non-zero code: 3",
  },
]);

/** A two-stage build that succeeds: an aux ID after each stage. */
const PASSING_MULTI_STAGE = lines([
  { stream: 'Step 1/3 : FROM stack-test/busybox:1 AS base' },
  { stream: '\n' },
  { stream: ' ---> 03c33b6b9195\n' },
  { stream: 'Step 2/3 : RUN echo first > /f' },
  { stream: '\n' },
  { stream: ' ---> Running in 1\n' },
  { aux: { ID: 'sha256:1111111111111111111111111111111111111111111111111111111111111111' } },
  { stream: 'Step 3/3 : LABEL x=y' },
  { stream: '\n' },
  { aux: { ID: 'sha256:2222222222222222222222222222222222222222222222222222222222222222' } },
  { stream: 'Successfully built 222222222222\n' },
  { stream: 'Successfully tagged demo-web:latest\n' },
]);

async function read(chunks: Iterable<Buffer>): Promise<{ events: BuildProgressEvent[]; outcome: BuildOutcome }> {
  const events: BuildProgressEvent[] = [];
  const reader = new BuildStreamReader((e) => events.push(e));
  async function* source(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  for await (const message of parseJsonLines(source())) reader.accept(message);
  return { events, outcome: reader.finish() };
}

function* splitAt(text: string, at: number): Generator<Buffer> {
  const bytes = Buffer.from(text);
  yield bytes.subarray(0, at);
  yield bytes.subarray(at);
}

test('a failure inside the 200 stream names the step, the exit code and the step\'s last lines', async () => {
  const { outcome } = await read([Buffer.from(FAILING_MULTI_STAGE)]);
  assert.deepEqual(outcome, {
    ok: false,
    failure: {
      detail: "The command '/bin/sh -c echo partial; printf 'no-newline'; exit 3' returned a non-zero code: 3",
      step: "Step 6/6 : RUN echo partial; printf 'no-newline'; exit 3",
      commandExitCode: 3,
      // The line without a newline ends where the builder's own line starts.
      output: ['partial', 'no-newline'],
    },
  });
});

test('the stream split at every byte boundary reads the same', async () => {
  const whole = await read([Buffer.from(FAILING_MULTI_STAGE)]);
  for (let at = 1; at < Buffer.byteLength(FAILING_MULTI_STAGE); at++) {
    assert.deepEqual(await read(splitAt(FAILING_MULTI_STAGE, at)), whole, `split at byte ${at}`);
  }
});

test('the image id is the last aux ID: every stage of a multi-stage build reports one', async () => {
  const { outcome } = await read([Buffer.from(PASSING_MULTI_STAGE)]);
  assert.deepEqual(outcome, { ok: true, imageId: 'sha256:2222222222222222222222222222222222222222222222222222222222222222' });
});

test('an aux ID before a failure does not make the build a success', async () => {
  const { outcome } = await read([Buffer.from(FAILING_MULTI_STAGE)]);
  assert.equal(outcome.ok, false);
});

test('a stream that ends with neither an image id nor an error is a failure', async () => {
  const { outcome } = await read([Buffer.from(lines([{ stream: 'Step 1/2 : FROM x' }, { stream: '\n' }]))]);
  assert.deepEqual(outcome, { ok: false, failure: { detail: 'the build ended without an image id', step: 'Step 1/2 : FROM x', output: [] } });
});

test('progress: steps with their numbers, builder lines, and output lines without colours', async () => {
  const { events } = await read([Buffer.from(FAILING_MULTI_STAGE)]);
  assert.deepEqual(events.slice(0, 9), [
    { type: 'step', step: 1, totalSteps: 6, instruction: 'FROM stack-test/busybox:1 AS base' },
    { type: 'builder', line: ' ---> 03c33b6b9195' },
    { type: 'step', step: 2, totalSteps: 6, instruction: 'ARG GREETING=hello' },
    { type: 'builder', line: ' ---> Running in 306cc4a8e7aa' },
    { type: 'builder', line: 'Removing intermediate container 306cc4a8e7aa' },
    { type: 'builder', line: ' ---> b1e4da7d54f7' },
    { type: 'step', step: 3, totalSteps: 6, instruction: 'RUN echo "$GREETING" > /greeting && echo line-one && echo line-two >&2' },
    { type: 'builder', line: ' ---> Running in ef845c142534' },
    { type: 'output', line: 'line-two' },
  ]);
  assert.deepEqual(
    events.filter((e) => e.type === 'step').map((e) => (e.type === 'step' ? e.step : 0)),
    [1, 2, 3, 4, 5, 6],
  );
});

test('an output line split across messages is one line; a carriage return keeps what was drawn last', async () => {
  const stream = lines([
    { stream: 'Step 1/2 : FROM x' },
    { stream: '\n' },
    { stream: 'Step 2/2 : RUN make' },
    { stream: '\n' },
    { stream: 'compil' },
    { stream: 'ing done\n' },
    { stream: ' 10%\r 50%\r100%\n' },
    { stream: 'crlf line\r\n' },
    { errorDetail: { message: 'failed' }, error: 'failed' },
  ]);
  const { events, outcome } = await read([Buffer.from(stream)]);
  assert.deepEqual(
    events.filter((e) => e.type === 'output'),
    [
      { type: 'output', line: 'compiling done' },
      { type: 'output', line: '100%' },
      { type: 'output', line: 'crlf line' },
    ],
  );
  assert.equal(outcome.ok, false);
});

test('stdout and stderr keep separate partial lines: a stdout line without its newline does not swallow stderr', async () => {
  // Recorded: `echo first-line; echo second-line >&2; printf no-newline; exit 3`, the two streams
  // arriving in the other order than the commands ran.
  const stream = lines([
    { stream: 'Step 2/2 : RUN echo first-line; echo second-line >&2; printf no-newline; exit 3' },
    { stream: '\n' },
    { stream: ' ---> Running in 5d3c1b0a9e8f\n' },
    { stream: 'first-line\n' },
    { stream: 'no-newline' },
    { stream: '\u001b[91msecond-line\n\u001b[0m' },
    { stream: 'Removing intermediate container 5d3c1b0a9e8f\n' },
    { errorDetail: { code: 3, message: 'returned a non-zero code: 3' }, error: 'returned a non-zero code: 3' },
  ]);
  const { outcome } = await read([Buffer.from(stream)]);
  assert.ok(!outcome.ok);
  assert.deepEqual(outcome.failure.output, ['first-line', 'second-line', 'no-newline']);
});

test('a failure keeps only the failing step\'s output, at most the last few lines', async () => {
  const many = Array.from({ length: BUILD_FAILURE_LINES + 5 }, (_, i) => ({ stream: `line ${i}\n` }));
  const stream = lines([
    { stream: 'Step 1/2 : RUN echo earlier-step' },
    { stream: '\n' },
    { stream: 'earlier-step\n' },
    { stream: 'Step 2/2 : RUN noisy' },
    { stream: '\n' },
    ...many,
    { errorDetail: { code: 1, message: 'failed' }, error: 'failed' },
  ]);
  const { outcome } = await read([Buffer.from(stream)]);
  assert.ok(!outcome.ok);
  assert.equal(outcome.failure.output.length, BUILD_FAILURE_LINES);
  assert.equal(outcome.failure.output.at(-1), `line ${BUILD_FAILURE_LINES + 4}`);
  assert.ok(!outcome.failure.output.includes('earlier-step'));
});

test('base image pulls during a build come as status events', async () => {
  const stream = lines([
    { status: 'Pulling from library/alpine', id: '3' },
    { status: 'Downloading', progressDetail: { current: 10, total: 20 }, progress: '[=====>   ]', id: 'abc' },
    { aux: { ID: 'sha256:3333333333333333333333333333333333333333333333333333333333333333' } },
  ]);
  const { events, outcome } = await read([Buffer.from(stream)]);
  assert.deepEqual(events, [
    { type: 'status', status: 'Pulling from library/alpine', id: '3' },
    { type: 'status', status: 'Downloading', id: 'abc', current: 10, total: 20 },
  ]);
  assert.equal(outcome.ok, true);
});

test('a BuildError names the image and the step, and shows the last output lines', () => {
  const e = new BuildError('demo-web', { detail: 'returned a non-zero code: 2', step: 'Step 3/5 : RUN make', commandExitCode: 2, output: ['cc: error', 'make: *** [all] Error 1'] });
  assert.equal(e.message, 'build image demo-web failed at Step 3/5 : RUN make: returned a non-zero code: 2\nlast output:\n  cc: error\n  make: *** [all] Error 1');
  assert.equal(e.exitCode, 1);
  assert.equal(e.transient, false);
  assert.equal(e.commandExitCode, 2);
});

test('build options map to the Engine API\'s query: repeated tags and hosts, JSON maps and lists', () => {
  const query = buildQuery({
    dockerfile: 'docker/Dockerfile.dev',
    tags: ['demo-web:latest', 'registry.example:5000/demo/web:1'],
    buildArgs: { VERSION: '1.2', UNSET: null },
    target: 'dev',
    labels: { 'com.example.team': 'web' },
    networkMode: 'host',
    extraHosts: ['db:10.0.0.2', 'cache:10.0.0.3'],
    shmSizeBytes: 67108864,
    pull: true,
    noCache: true,
    cacheFrom: ['demo-web:cache'],
    ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }],
    isolation: 'default',
    platform: 'linux/amd64',
  });
  const params = new URLSearchParams(queryString(query).slice(1));
  assert.deepEqual(params.getAll('t'), ['demo-web:latest', 'registry.example:5000/demo/web:1']);
  assert.deepEqual(params.getAll('extrahosts'), ['db:10.0.0.2', 'cache:10.0.0.3']);
  assert.deepEqual(JSON.parse(params.get('buildargs')!), { VERSION: '1.2', UNSET: null });
  assert.deepEqual(JSON.parse(params.get('labels')!), { 'com.example.team': 'web' });
  assert.deepEqual(JSON.parse(params.get('cachefrom')!), ['demo-web:cache']);
  assert.deepEqual(JSON.parse(params.get('ulimits')!), [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.equal(params.get('dockerfile'), 'docker/Dockerfile.dev');
  assert.equal(params.get('target'), 'dev');
  assert.equal(params.get('networkmode'), 'host');
  assert.equal(params.get('shmsize'), '67108864');
  assert.equal(params.get('pull'), '1');
  assert.equal(params.get('nocache'), '1');
  assert.equal(params.get('isolation'), 'default');
  assert.equal(params.get('platform'), 'linux/amd64');
  assert.equal(params.get('rm'), '1');
  assert.equal(params.get('forcerm'), '1');
  assert.equal(params.get('remote'), null);
});

test('a minimal build sends no empty parameters', () => {
  assert.equal(queryString(buildQuery({})), '?rm=1&forcerm=1');
  assert.equal(queryString(buildQuery({ remote: 'https://git.example/app.git#main', forceRemoveIntermediate: false })), '?remote=https%3A%2F%2Fgit.example%2Fapp.git%23main&rm=1&forcerm=0');
});
