import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

const hc = (lines: string) => `services:\n  a:\n    image: x\n    healthcheck:\n${lines}`;

describe('healthcheck', () => {
  it('a string test runs in the shell', async () => {
    const model = await loadModelText(hc('      test: curl -f http://localhost\n'));
    assert.deepEqual([...model.services['a']!.healthcheck!.test], ['CMD-SHELL', 'curl -f http://localhost']);
  });

  it('a list test is kept and durations become nanoseconds', async () => {
    const model = await loadModelText(hc('      test: ["CMD", "true"]\n      interval: 1m30s\n      timeout: 500ms\n      start_period: 1h\n      start_interval: 2s\n      retries: 5\n'));
    const h = model.services['a']!.healthcheck!;
    assert.deepEqual([...h.test], ['CMD', 'true']);
    assert.equal(h.interval, 90e9);
    assert.equal(h.timeout, 500e6);
    assert.equal(h.startPeriod, 3600e9);
    assert.equal(h.startInterval, 2e9);
    assert.equal(h.retries, 5);
  });

  it('disable: true gives the engine form NONE', async () => {
    const model = await loadModelText(hc('      disable: true\n'));
    assert.deepEqual([...model.services['a']!.healthcheck!.test], ['NONE']);
    assert.equal(model.services['a']!.healthcheckDisabled, true);
  });

  it('a duration without a unit is an error', async () => {
    await expectProblem(hc('      test: ["CMD", "true"]\n      interval: "10"\n'), 'services.a.healthcheck.interval', 'a unit is required');
  });

  it('a list test that does not start with CMD, CMD-SHELL or NONE is an error', async () => {
    await expectProblem(hc('      test: ["curl", "-f", "x"]\n'), 'services.a.healthcheck.test[0]', 'starts with CMD');
  });

  it('a misspelt key gets a suggestion', async () => {
    await expectProblem(hc('      intervall: 5s\n'), 'services.a.healthcheck.intervall', "did you mean 'interval'");
  });
});
