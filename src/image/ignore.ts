// .dockerignore: which files of a build context stay home. Docker's rules exactly, as
// moby/patternmatcher and its ignorefile reader implement them (the CLI's classic builder and
// BuildKit share that code):
//   - the file: a UTF-8 BOM is dropped; a line starting with '#' is a comment (before trimming,
//     so " #x" is a pattern); lines are trimmed; "!" marks an exception; patterns are cleaned
//     like Go's filepath.Clean and a leading '/' is dropped (patterns are relative to the root);
//   - matching: the last pattern that matches decides; a pattern that matches a directory
//     matches everything below it (patternmatcher's MatchesUsingParentResults, which carries
//     each pattern's result from a directory down to its entries).
//
// Why not @balena/dockerignore (the matcher dockerode uses): checked against patternmatcher's
// own test table it gets `a(b)c/def`, `a+b` and `**.go` wrong and throws on `a.|)$(}+{bc` (it
// leaves regexp characters unescaped), ignores case unless told not to, and caches answers in a
// plain object, so with the pattern `*` it says "constructor" is not ignored.

import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OperationError } from '../errors.js';
import { CompiledPattern, cleanPath, goTrimSpace, IgnorePatternSyntaxError, isValidGlob } from './ignore-pattern.js';

export interface IgnoreMatcher {
  /** relPath uses '/' separators, relative to the root the patterns apply to, no leading './'. */
  ignores(relPath: string, isDirectory: boolean): boolean;
  /** False when no `!` exception could re-include anything below this ignored directory, so a walk may skip it entirely. */
  mayReincludeUnder(relDir: string): boolean;
}

/** The patterns of an ignore file, as Docker reads them (moby/patternmatcher/ignorefile.ReadAll). */
export function parseIgnoreFile(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.endsWith('\r')) line = line.slice(0, -1); // bufio.ScanLines drops one trailing CR
    if (line.startsWith('#')) continue;
    let pattern = goTrimSpace(line);
    if (pattern === '') continue;
    const exception = pattern.startsWith('!');
    if (exception) pattern = goTrimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(exception ? `!${pattern}` : pattern);
  }
  return patterns;
}

/**
 * Compiles patterns (as parseIgnoreFile returns them, or as a user wrote them) into a matcher.
 * Throws an OperationError naming `source` for a pattern Docker would refuse.
 */
export function compileIgnore(patterns: readonly string[], source = '.dockerignore'): DockerIgnoreMatcher {
  const compiled: CompiledPattern[] = [];
  for (const raw of patterns) {
    // patternmatcher.New: trimmed and cleaned again, the '!' still attached.
    let pattern = goTrimSpace(raw);
    if (pattern === '') continue;
    pattern = cleanPath(pattern);
    let exclusion = false;
    if (pattern.startsWith('!')) {
      if (pattern.length === 1) throw badPattern(source, raw, 'illegal exclusion pattern: "!"');
      exclusion = true;
      pattern = pattern.slice(1);
    }
    if (!isValidGlob(pattern)) throw badPattern(source, raw, 'syntax error in pattern');
    try {
      compiled.push(new CompiledPattern(pattern, exclusion));
    } catch (e) {
      if (e instanceof IgnorePatternSyntaxError) throw badPattern(source, raw, e.message);
      throw e;
    }
  }
  return new DockerIgnoreMatcher(compiled);
}

function badPattern(source: string, raw: string, detail: string): OperationError {
  return new OperationError(`${source}: invalid pattern ${JSON.stringify(raw)}: ${detail}`, {
    hint: 'patterns use * ? [a-z] and ** (any number of directories); a leading ! makes an exception; a \\ escapes the next character',
  });
}

/** Directory results kept for `ignores` calls outside a walk; cleared when it grows past this. */
const MAX_CACHED_DIRECTORIES = 4096;

/**
 * The compiled patterns. A walk uses matchDirectory/isIgnored with the parent's result (one pass
 * over the patterns per entry); `ignores` recomputes (and caches) the chain of parent directories.
 *
 * A directory's result is a Uint8Array of one flag per pattern (did it match this directory, or a
 * directory above it) followed by one flag: is the directory itself ignored.
 */
export class DockerIgnoreMatcher implements IgnoreMatcher {
  readonly patterns: readonly CompiledPattern[];
  readonly hasExclusions: boolean;
  private readonly exclusions: readonly CompiledPattern[];
  private readonly directories = new Map<string, Uint8Array>();

  constructor(patterns: readonly CompiledPattern[]) {
    this.patterns = patterns;
    this.exclusions = patterns.filter((p) => p.exclusion);
    this.hasExclusions = this.exclusions.length > 0;
  }

  get isEmpty(): boolean {
    return this.patterns.length === 0;
  }

  ignores(relPath: string, _isDirectory: boolean): boolean {
    // Docker's patterns cannot tell a directory from a file (a trailing '/' is cleaned away):
    // the flag is accepted so that callers need not know that.
    if (this.patterns.length === 0) return false;
    const path = cleanPath(relPath);
    if (path === '.' || path.startsWith('../') || path === '..') return false; // the root is never ignored
    const slash = path.lastIndexOf('/');
    return this.isIgnored(path, slash < 0 ? undefined : this.directoryResult(path.slice(0, slash)));
  }

  mayReincludeUnder(relDir: string): boolean {
    if (!this.hasExclusions) return false;
    const dir = cleanPath(relDir);
    const dirSlash = dir === '.' ? '' : `${dir}/`;
    for (const p of this.exclusions) if (p.mayMatchUnder(dirSlash)) return true;
    return false;
  }

  /** Is the entry at `path` ignored, given its directory's result (undefined at the root)? */
  isIgnored(path: string, parent: Uint8Array | undefined): boolean {
    let matched = false;
    const patterns = this.patterns;
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      // A pattern that matched the directory matches everything in it. Otherwise, as
      // patternmatcher does, only a pattern that could change the answer is tried.
      if ((parent !== undefined && parent[i] === 1) || (p.exclusion === matched && p.matches(path))) {
        matched = !p.exclusion;
      }
    }
    return matched;
  }

  /** The result of the directory at `path`, for its entries. */
  matchDirectory(path: string, parent: Uint8Array | undefined): Uint8Array {
    const patterns = this.patterns;
    const result = new Uint8Array(patterns.length + 1);
    let matched = false;
    for (let i = 0; i < patterns.length; i++) {
      const p = patterns[i]!;
      let match = parent !== undefined && parent[i] === 1;
      if (!match) {
        if (p.exclusion !== matched) continue; // patternmatcher records "no match" for a skipped pattern
        match = p.matches(path);
      }
      if (match) {
        result[i] = 1;
        matched = !p.exclusion;
      }
    }
    result[patterns.length] = matched ? 1 : 0;
    return result;
  }

  private directoryResult(dir: string): Uint8Array {
    const known = this.directories.get(dir);
    if (known) return known;
    const slash = dir.lastIndexOf('/');
    const result = this.matchDirectory(dir, slash < 0 ? undefined : this.directoryResult(dir.slice(0, slash)));
    if (this.directories.size >= MAX_CACHED_DIRECTORIES) this.directories.clear();
    this.directories.set(dir, result);
    return result;
  }
}

/** Whether a directory result says the directory itself is ignored. */
export function directoryIgnored(result: Uint8Array): boolean {
  return result[result.length - 1] === 1;
}

/** Which ignore file applies: `<Dockerfile>.dockerignore` beside the Dockerfile first, else `<context>/.dockerignore`; undefined when neither exists. */
export function findIgnoreFile(contextDir: string, dockerfilePath: string | undefined): string | undefined {
  if (dockerfilePath !== undefined) {
    const specific = `${resolve(contextDir, dockerfilePath)}.dockerignore`;
    if (exists(specific)) return specific;
  }
  const plain = join(contextDir, '.dockerignore');
  return exists(plain) ? plain : undefined;
}

function exists(path: string): boolean {
  // Followed like Docker's os.Open: a dangling link is no ignore file.
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}
