import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectProblem, loadModelText, loadText } from '../../../helpers/load-text.js';

const cmd = async (line: string, key = 'command') => [...(await loadModelText(`services:\n  a:\n    image: x\n    ${key}: ${line}\n`)).services['a']![key as 'command']!];

describe('command and entrypoint', () => {
  it('a string is split into words', async () => {
    assert.deepEqual(await cmd('echo hello   world'), ['echo', 'hello', 'world']);
  });

  it('quotes group words and backslashes escape', async () => {
    assert.deepEqual(await cmd(`'sh -c "echo \\"hi there\\"" x\\ y'`), ['sh', '-c', 'echo "hi there"', 'x y']);
  });

  it('single quotes are literal', async () => {
    assert.deepEqual(await cmd(`"sh -c 'echo \\\\n $$HOME'"`), ['sh', '-c', 'echo \\n $HOME']);
  });

  it('a list is kept as written', async () => {
    assert.deepEqual(await cmd('["sh", "-c", "a && b"]'), ['sh', '-c', 'a && b']);
  });

  it('entrypoint follows the same rules', async () => {
    assert.deepEqual(await cmd('/bin/sh -c', 'entrypoint'), ['/bin/sh', '-c']);
  });

  it('an empty list is an explicit empty command; absent means the image default', async () => {
    const model = await loadModelText('services:\n  a:\n    image: x\n    command: []\n  b:\n    image: x\n');
    assert.deepEqual([...model.services['a']!.command!], []);
    assert.equal(model.services['b']!.command, undefined);
  });

  it('an unterminated quote is an error', async () => {
    await expectProblem(`services:\n  a:\n    image: x\n    command: echo "oops\n`, 'services.a.command', 'unterminated double quote');
  });
});
