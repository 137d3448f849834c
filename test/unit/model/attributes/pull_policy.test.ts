import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText } from '../../../helpers/load-text.js';
import { printedService, reloadPrinted, yaml } from '../compose-output.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

const policyOf = async (policy: string, extra: string[] = [], env: Record<string, string> = {}) => {
  const model = await loadModelText(yaml('services:', '  a:', '    image: x', '    build: .', `    pull_policy: ${policy}`, ...extra.map((l) => `    ${l}`)), { env });
  const s = model.services['a']!;
  return { policy: s.pullPolicy, after: s.pullRefreshAfterMs, warnings: model.warnings };
};

describe('pull_policy', () => {
  it('always, never, missing and build are kept', async () => {
    for (const word of ['always', 'never', 'missing', 'build'] as const) {
      assert.deepEqual(await policyOf(word), { policy: word, after: undefined, warnings: [] }, word);
    }
  });

  it('if_not_present is missing', async () => {
    assert.equal((await policyOf('if_not_present')).policy, 'missing');
  });

  it('left out, there is no policy', async () => {
    const model = await loadModelText(yaml('services:', '  a:', '    image: x'));
    assert.deepEqual([model.services['a']!.pullPolicy, model.services['a']!.pullRefreshAfterMs], [undefined, undefined]);
  });

  it('daily and weekly refresh after one day and seven days', async () => {
    assert.deepEqual([(await policyOf('daily')).policy, (await policyOf('daily')).after], ['refresh', DAY]);
    assert.deepEqual([(await policyOf('weekly')).policy, (await policyOf('weekly')).after], ['refresh', 7 * DAY]);
  });

  it('every_<duration> refreshes after that duration, units combined', async () => {
    const cases: [string, number][] = [['every_12h', 12 * HOUR], ['every_1d12h', 36 * HOUR], ['every_2w', 14 * DAY], ['every_90m', 90 * 60 * 1000], ['every_30s', 30 * 1000]];
    for (const [word, ms] of cases) assert.deepEqual([(await policyOf(word)).policy, (await policyOf(word)).after], ['refresh', ms], word);
  });

  it('refresh with pull_refresh_after refreshes after that duration', async () => {
    const r = await policyOf('refresh', ['pull_refresh_after: 6h']);
    assert.deepEqual([r.policy, r.after], ['refresh', 6 * HOUR]);
  });

  it('refresh alone pulls only a missing image, as in Compose, with a warning at the policy', async () => {
    const r = await policyOf('refresh');
    assert.deepEqual([r.policy, r.after], ['missing', undefined]);
    assert.equal(r.warnings.length, 1);
    assert.equal(r.warnings[0]!.path, 'services.a.pull_policy');
    assert.equal(r.warnings[0]!.location?.line, 5);
  });

  it('pull_refresh_after without refresh is ignored with a warning', async () => {
    const r = await policyOf('daily', ['pull_refresh_after: 1h']);
    assert.deepEqual([r.after, r.warnings.map((w) => w.path)], [DAY, ['services.a.pull_refresh_after']]);
  });

  it('the policy is interpolated before it is read', async () => {
    const r = await policyOf('${POLICY:-never}', [], {});
    assert.equal(r.policy, 'never');
    assert.equal((await policyOf('${POLICY}', [], { POLICY: 'every_1h' })).after, HOUR);
  });

  it('a misspelt policy is an error with a suggestion and its place', async () => {
    const p = await expectProblem(yaml('services:', '  a:', '    image: x', '    pull_policy: alwyas'), 'services.a.pull_policy', "did you mean 'always'");
    assert.deepEqual([p.location?.line, p.location?.col], [4, 5]);
  });

  it('every_ needs a duration with units w, d, h, m or s', async () => {
    for (const word of ['every_12', 'every_', 'every_1y']) {
      await expectProblem(yaml('services:', '  a:', '    image: x', `    pull_policy: ${word}`), 'services.a.pull_policy', 'is not valid');
    }
  });

  it('a pull_refresh_after that is not a duration is an error at it', async () => {
    await expectProblem(yaml('services:', '  a:', '    image: x', '    pull_policy: refresh', '    pull_refresh_after: soon'), 'services.a.pull_refresh_after', 'is not a duration');
  });

  it('pull_policy build needs a build section', async () => {
    const p = await expectProblem(yaml('services:', '  a:', '    image: x', '    pull_policy: build'), 'services.a.pull_policy', 'pull_policy is build but the service has no build section');
    assert.equal(p.location?.line, 4);
  });

});

describe('pull_policy: stack config', () => {
  it('stack config prints the words Compose reads', async () => {
    const model = await loadModelText(
      yaml(
        'services:',
        '  a: {image: x, pull_policy: if_not_present}',
        '  b: {image: x, pull_policy: daily}',
        '  c: {image: x, pull_policy: every_90m}',
        '  d: {image: x, pull_policy: refresh, pull_refresh_after: 1500ms}',
        '  e: {image: x, pull_policy: every_1w2d}',
      ),
    );
    const printed = (name: string) => {
      const s = printedService(model, name);
      return [s['pull_policy'], s['pull_refresh_after']];
    };
    assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map(printed), [['missing', undefined], ['daily', undefined], ['every_1h30m', undefined], ['refresh', '1.5s'], ['every_1w2d', undefined]]);
    const again = await reloadPrinted(model);
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      assert.deepEqual([again.services[name]!.pullPolicy, again.services[name]!.pullRefreshAfterMs], [model.services[name]!.pullPolicy, model.services[name]!.pullRefreshAfterMs], name);
    }
  });
});
