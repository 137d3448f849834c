import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText } from '../../../helpers/load-text.js';
import { printedService } from '../compose-output.js';

describe('extra_hosts', () => {
  it('list entries with : or = become host:ip', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    extra_hosts: ["db:10.0.0.2", "cache=10.0.0.3"]\n');
    assert.deepEqual([...model.services['a']!.extraHosts], ['db:10.0.0.2', 'cache:10.0.0.3']);
  });

  it('the map form allows several addresses per host', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    extra_hosts:\n      db: 10.0.0.2\n      multi: ["10.0.0.4", "::1"]\n');
    assert.deepEqual([...model.services['a']!.extraHosts], ['db:10.0.0.2', 'multi:10.0.0.4', 'multi:::1']);
  });

  it('an address may be bracketed, and one entry may give several addresses separated by commas', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    extra_hosts: ["v6=[::1]", "multi=10.0.0.4,10.0.0.5"]\n');
    assert.deepEqual([...model.services['a']!.extraHosts], ['v6:::1', 'multi:10.0.0.4', 'multi:10.0.0.5']);
  });

  it('an entry without an address is an error at the entry', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    extra_hosts: ["db=10.0.0.2", "cache"]\n', 'services.a.extra_hosts[1]', "extra host 'cache' has no address");
    await expectProblem('services:\n  a:\n    image: x\n    extra_hosts: {db: ""}\n', 'services.a.extra_hosts.db', "extra host 'db' has no address");
  });

  it('an empty host name is an error', async () => {
    await expectProblem('services:\n  a:\n    image: x\n    extra_hosts: ["=10.0.0.2"]\n', 'services.a.extra_hosts[0]', "'' is not a host name");
  });

  it('stack config prints sorted host=ip entries, as Compose does', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    extra_hosts: ["z:10.0.0.9", "a=::1"]\n');
    assert.deepEqual(printedService(model, 'a')['extra_hosts'], ['a=::1', 'z=10.0.0.9']);
  });
});
