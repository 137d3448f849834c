// Commands (`command`, `entrypoint`, a watch rule's `exec.command`): a list is kept as written;
// a string is split into words as compose-go does (shell-words.ts), with no shell involved.

import { splitShellWords } from '../shell-words.js';
import { type Env, type Path } from './support.js';

/** The words; undefined when absent or null ("the image's default"); a problem when unsplittable. */
export function commandOf(env: Env, value: unknown, path: Path): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String);
  const words = splitShellWords(String(value));
  if (words instanceof Error) {
    env.problems.add(path, words.message, 'quote with care, or write the command as a list');
    return undefined;
  }
  return words;
}
