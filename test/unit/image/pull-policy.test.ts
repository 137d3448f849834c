// pull_policy: parsing as compose-go reads it, and the decision for `up` and `stack pull` as
// docker/compose takes it. `now` is injected; no clock is read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parsePullOverride,
  parsePullPolicy,
  pullCommandDecision,
  pullDecision,
  type ImageState,
  type PullPolicy,
} from '../../../src/image/pull-policy.js';
import { UsageError } from '../../../src/errors.js';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

function policy(text: string | undefined): PullPolicy {
  const p = parsePullPolicy(text);
  assert.ok(!(p instanceof Error), p instanceof Error ? p.message : '');
  return p;
}

test('every pull_policy value of the Compose schema has its compose-go meaning', () => {
  const table: [string | undefined, PullPolicy][] = [
    [undefined, { kind: 'missing' }],
    ['missing', { kind: 'missing' }],
    ['if_not_present', { kind: 'missing' }],
    // compose-go's GetPullPolicy has no case for `refresh`: it falls back to missing
    ['refresh', { kind: 'missing' }],
    ['always', { kind: 'always' }],
    ['never', { kind: 'never' }],
    ['build', { kind: 'build' }],
    ['daily', { kind: 'refresh', everyMs: D, text: 'daily' }],
    ['weekly', { kind: 'refresh', everyMs: 7 * D, text: 'weekly' }],
    ['every_12h', { kind: 'refresh', everyMs: 12 * H, text: 'every_12h' }],
    ['every_1h30m', { kind: 'refresh', everyMs: 1.5 * H, text: 'every_1h30m' }],
    ['every_2d', { kind: 'refresh', everyMs: 2 * D, text: 'every_2d' }],
    ['every_1w', { kind: 'refresh', everyMs: 7 * D, text: 'every_1w' }],
    ['every_90s', { kind: 'refresh', everyMs: 90_000, text: 'every_90s' }],
  ];
  for (const [text, expected] of table) assert.deepEqual(policy(text), expected, String(text));
});

test('an unknown pull_policy or a bad every_ duration is an error that lists the values', () => {
  const unknown = parsePullPolicy('sometimes');
  assert.ok(unknown instanceof Error);
  assert.match(unknown.message, /unknown pull_policy "sometimes" \(use always, never, missing, build, daily, weekly or every_<duration>/);
  for (const bad of ['every_', 'every_12', 'every_soon', 'every_-1h']) {
    const p = parsePullPolicy(bad);
    assert.ok(p instanceof Error, bad);
    assert.match(p.message, new RegExp(`^pull_policy ${bad}: `));
  }
});

test('up --pull replaces every policy; "policy" or no flag keeps the services\' own', () => {
  assert.equal(parsePullOverride(undefined), undefined);
  assert.equal(parsePullOverride('policy'), undefined);
  assert.deepEqual(parsePullOverride('always'), { kind: 'always' });
  assert.deepEqual(parsePullOverride('missing'), { kind: 'missing' });
  assert.deepEqual(parsePullOverride('never'), { kind: 'never' });
  assert.deepEqual(parsePullOverride('if_not_present'), { kind: 'missing' });
  assert.throws(() => parsePullOverride('daily'), (e: unknown) => e instanceof UsageError && /invalid --pull value "daily"/.test(e.message));
});

test('up decides per policy and image state, as docker compose does', () => {
  const present: ImageState = { present: true };
  const absent: ImageState = { present: false };
  const table: [string | undefined, ImageState, string, string][] = [
    // policy, state, action, reason
    [undefined, absent, 'pull', 'image not present'],
    [undefined, present, 'use', 'image present'],
    ['always', present, 'pull', 'pull_policy always'],
    ['always', absent, 'pull', 'pull_policy always'],
    ['never', present, 'use', 'image present (pull_policy never)'],
    ['never', absent, 'missing-error', 'image not present, and pull_policy never forbids a pull'],
    ['never', { present: false, buildable: true }, 'build', 'image not present, and pull_policy never forbids a pull'],
    ['build', { present: true, buildable: true }, 'build', 'pull_policy build'],
    ['build', { present: false, buildable: true }, 'build', 'pull_policy build'],
    ['build', absent, 'missing-error', 'image not present: pull_policy build, but the service has no build section'],
    ['build', present, 'use', 'image present (pull_policy build, but the service has no build section)'],
    ['missing', { present: false, buildable: true }, 'pull', 'image not present'],
    ['missing', { present: true, buildable: true }, 'use', 'image present'],
  ];
  for (const [text, state, action, reason] of table) {
    const decision = pullDecision(policy(text), state, NOW);
    assert.deepEqual([decision.action, decision.reason], [action, reason], `${text} ${JSON.stringify(state)}`);
  }
});

test('a pull for a service that also has build: may fall back to building; one without build: may not', () => {
  assert.equal(pullDecision(policy('missing'), { present: false, buildable: true }, NOW).buildIfPullFails, true);
  assert.equal(pullDecision(policy('always'), { present: true, buildable: true }, NOW).buildIfPullFails, true);
  assert.equal(pullDecision(policy('missing'), { present: false }, NOW).buildIfPullFails, false);
});

test('a service with build: and no image: is never pulled: built when missing, or always with pull_policy build', () => {
  const buildOnly = (present: boolean): ImageState => ({ present, buildable: true, pullable: false });
  assert.deepEqual(pick(pullDecision(policy('always'), buildOnly(false), NOW)), ['build', 'image not present']);
  assert.deepEqual(pick(pullDecision(policy('always'), buildOnly(true), NOW)), ['use', 'image present (built by stack)']);
  assert.deepEqual(pick(pullDecision(policy('daily'), buildOnly(true), NOW)), ['use', 'image present (built by stack)']);
  assert.deepEqual(pick(pullDecision(policy('build'), buildOnly(true), NOW)), ['build', 'pull_policy build']);
  assert.deepEqual(pick(pullDecision(policy('never'), { present: false, pullable: false }, NOW)), [
    'missing-error',
    'the service has neither an image to pull nor a build section',
  ]);
});

test('daily pulls when the last pull is more than 24h ago, or unknown, and uses the image otherwise', () => {
  const daily = policy('daily');
  const at = (ago: number): ImageState => ({ present: true, lastPulledAt: NOW - ago });
  assert.deepEqual(pick(pullDecision(daily, at(3 * H + 12 * 60_000), NOW)), ['use', 'pulled 3h12m ago (pull_policy daily)']);
  assert.deepEqual(pick(pullDecision(daily, at(D), NOW)), ['use', 'pulled 1d ago (pull_policy daily)']);
  assert.deepEqual(pick(pullDecision(daily, at(D + 1), NOW)), ['pull', 'last pulled 1d ago (pull_policy daily)']);
  assert.deepEqual(pick(pullDecision(daily, at(26 * H), NOW)), ['pull', 'last pulled 1d2h ago (pull_policy daily)']);
  assert.deepEqual(pick(pullDecision(daily, { present: true }, NOW)), ['pull', 'no pull of it recorded (pull_policy daily)']);
  assert.deepEqual(pick(pullDecision(daily, { present: false, lastPulledAt: NOW - 60_000 }, NOW)), ['pull', 'image not present']);
});

test('every_<duration> and weekly measure from the recorded pull with the injected now', () => {
  const every = policy('every_1h30m');
  assert.equal(pullDecision(every, { present: true, lastPulledAt: NOW - 89 * 60_000 }, NOW).action, 'use');
  assert.equal(pullDecision(every, { present: true, lastPulledAt: NOW - 91 * 60_000 }, NOW).action, 'pull');
  const weekly = policy('weekly');
  assert.equal(pullDecision(weekly, { present: true, lastPulledAt: NOW - 6 * D }, NOW).action, 'use');
  assert.equal(pullDecision(weekly, { present: true, lastPulledAt: NOW - 8 * D }, NOW).reason, 'last pulled 8d ago (pull_policy weekly)');
  // the same state and policy, a later now: the decision moves only with the injected clock
  assert.equal(pullDecision(weekly, { present: true, lastPulledAt: NOW - 6 * D }, NOW + 2 * D).action, 'pull');
});

test('a pull recorded in the future (a clock set back) counts as recent', () => {
  assert.deepEqual(pick(pullDecision(policy('daily'), { present: true, lastPulledAt: NOW + H }, NOW)), ['use', 'pulled 0s ago (pull_policy daily)']);
});

test('stack pull pulls without a policy, pulls refresh policies now, re-pulls latest, and skips never and build', () => {
  const present: ImageState = { present: true, lastPulledAt: NOW - H };
  const table: [string | undefined, boolean, string, string][] = [
    [undefined, false, 'pull', 'no pull_policy'],
    ['always', false, 'pull', 'pull_policy always'],
    ['daily', false, 'pull', 'an explicit pull (pull_policy daily)'],
    ['missing', true, 'pull', 'a latest tag is pulled again'],
    ['missing', false, 'skip', 'image already present'],
    ['never', false, 'skip', 'pull_policy never'],
    ['build', false, 'skip', 'pull_policy build'],
  ];
  for (const [text, latest, action, reason] of table) {
    const p = text === undefined ? undefined : policy(text);
    assert.deepEqual(pullCommandDecision(p, present, NOW, latest), { action, reason }, `${text} latest=${latest}`);
  }
  assert.deepEqual(pullCommandDecision(policy('never'), { present: false }, NOW, false), { action: 'skip', reason: 'pull_policy never' });
  assert.deepEqual(pullCommandDecision(undefined, { present: false, pullable: false, buildable: true }, NOW, true), {
    action: 'skip',
    reason: 'no image to pull (built by stack)',
  });
});

function pick(d: { action: string; reason: string }): [string, string] {
  return [d.action, d.reason];
}
