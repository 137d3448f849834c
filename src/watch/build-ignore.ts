// Reads a service's build ignore file for the watch rules (the only I/O they need).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findIgnoreFile, parseIgnoreFile } from '../image/ignore.js';
import type { WatchBuildInput } from './rules.js';

/** The build as the rule compiler takes it: context, Dockerfile, and the ignore file's patterns. */
export async function readBuildIgnore(contextDir: string, dockerfile: string): Promise<WatchBuildInput> {
  const context = resolve(contextDir);
  const dockerfilePath = resolve(context, dockerfile);
  const ignoreFile = findIgnoreFile(context, dockerfilePath);
  if (ignoreFile === undefined) return { contextDir: context, dockerfile: dockerfilePath, ignorePatterns: [] };
  const patterns = parseIgnoreFile(await readFile(ignoreFile, 'utf8'));
  return { contextDir: context, dockerfile: dockerfilePath, ignorePatterns: patterns, ignoreFile };
}
