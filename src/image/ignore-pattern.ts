// One .dockerignore pattern, compiled the way Docker compiles it (moby/patternmatcher, which both
// the classic builder's CLI and BuildKit use): cleaned like Go's filepath.Clean, checked for
// syntax like Go's filepath.Match, then turned into one of four matchers. The kind matters, not
// only for speed: patternmatcher answers `**` at the start of a pattern with a plain suffix test,
// so `**.go` matches `a/b.go` although the regexp it would have built (`^(.*/)?\.go$`) would not.
// We keep Docker's answers, quirks included.

import { goRegexpToJs, GoRegexpError } from './go-regexp.js';

export type MatchKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

export class IgnorePatternSyntaxError extends Error {}

/** Go's path.Clean (filepath.Clean on Linux): the shortest equivalent path, "." for empty. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

// Go's strings.TrimSpace (unicode.IsSpace): unlike String.prototype.trim it trims U+0085 and
// keeps U+FEFF.
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'gu');

export function goTrimSpace(text: string): string {
  return text.replace(GO_TRIM, '');
}

/**
 * Whether Go's filepath.Match accepts the pattern (Docker checks every pattern with it first):
 * a `\` must escape something; a class needs at least one member, a member may not start with
 * `-` or `]`, and the class must be closed.
 */
export function isValidGlob(pattern: string): boolean {
  const cps = Array.from(pattern);
  const n = cps.length;
  // One member of a class (Go's getEsc): the index after it, or -1.
  const member = (at: number): number => {
    if (at >= n || cps[at] === '-' || cps[at] === ']') return -1;
    if (cps[at] === '\\' && ++at >= n) return -1;
    return at + 1 < n ? at + 1 : -1;
  };
  let i = 0;
  while (i < n) {
    const c = cps[i];
    if (c === '\\') {
      if (i + 1 >= n) return false;
      i += 2;
    } else if (c === '[') {
      i++;
      if (cps[i] === '^') i++;
      for (let members = 0; ; members++) {
        if (cps[i] === ']' && members > 0) {
          i++;
          break;
        }
        i = member(i);
        if (i < 0) return false;
        if (cps[i] === '-') {
          i = member(i + 1);
          if (i < 0) return false;
        }
      }
    } else {
      i++;
    }
  }
  return true;
}

/** Characters patternmatcher escapes because they mean something in a regexp but not in a glob. */
const ESCAPED = new Set('.+()|{}$');

/** Stops the literal prefix: anything that is not a plain character in the generated regexp. */
const NOT_LITERAL = new Set('*?[]\\^');

export class CompiledPattern {
  /** The cleaned pattern without its `!`. */
  readonly source: string;
  readonly exclusion: boolean;
  readonly kind: MatchKind;
  /** exact: the path; prefix: what a path starts with; suffix: what it ends with. */
  private readonly text: string;
  private readonly regexp: RegExp | undefined;
  /** Every path this pattern matches starts with this (used to prune walks). */
  readonly literalPrefix: string;

  constructor(source: string, exclusion: boolean) {
    this.source = source;
    this.exclusion = exclusion;
    const compiled = compile(source);
    this.kind = compiled.kind;
    this.text = compiled.kind === 'prefix' ? source.slice(0, -2) : compiled.kind === 'suffix' ? source.slice(2) : source;
    if (compiled.kind === 'regexp') {
      try {
        this.regexp = new RegExp(goRegexpToJs(compiled.goRegexp), 'u');
      } catch (e) {
        const detail = e instanceof GoRegexpError || e instanceof SyntaxError ? e.message : String(e);
        throw new IgnorePatternSyntaxError(`syntax error in pattern (${detail})`);
      }
    }
    let end = 0;
    const cps = Array.from(source);
    while (end < cps.length && !NOT_LITERAL.has(cps[end]!)) end++;
    this.literalPrefix = compiled.kind === 'suffix' ? '' : cps.slice(0, end).join('');
  }

  /** patternmatcher's Pattern.match: the path itself, no parent directories. */
  matches(path: string): boolean {
    switch (this.kind) {
      case 'exact':
        return path === this.text;
      case 'prefix':
        return path.startsWith(this.text);
      case 'suffix':
        // `**/foo` also matches "foo" at the root.
        return path.endsWith(this.text) || (this.text.startsWith('/') && path === this.text.slice(1));
      case 'regexp':
        return this.regexp!.test(path);
    }
  }

  /** Could this pattern match some path strictly below `dirSlash` (a directory path ending in '/')? */
  mayMatchUnder(dirSlash: string): boolean {
    if (this.kind === 'exact') return this.source.startsWith(dirSlash);
    return this.literalPrefix.startsWith(dirSlash) || dirSlash.startsWith(this.literalPrefix);
  }
}

/** patternmatcher's Pattern.compile, with '/' as the separator: the kind and the Go regexp. */
function compile(pattern: string): { kind: MatchKind; goRegexp: string } {
  const cps = Array.from(pattern);
  let re = '^';
  let kind: MatchKind = 'exact';
  let k = 0;
  for (let i = 0; k < cps.length; i++) {
    const ch = cps[k++]!;
    if (ch === '*') {
      if (cps[k] === '*') {
        k++;
        if (cps[k] === '/') k++; // `**/` is read as `**`
        if (k >= cps.length) {
          // A trailing `**` matches everything below.
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (i === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (ESCAPED.has(ch)) {
      re += `\\${ch}`;
    } else if (ch === '\\') {
      if (k < cps.length) {
        re += `\\${cps[k++]}`;
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }
  return { kind, goRegexp: `${re}$` };
}
