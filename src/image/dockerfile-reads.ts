// Which context paths a Dockerfile can read, so that hashing a build context (to decide whether
// its image must be rebuilt) can skip every directory that leads to none of them: lstat()ing
// every file of 10 contexts × 5,000 files costs ~300 ms on each no-op `up`, and most
// Dockerfiles COPY a few paths. Pure: the Dockerfile text and the build args in, no fs.
//
// The one rule above all others: an answer that is too small is a bug (a changed file would not
// trigger a rebuild), one that is too big only costs time. So whatever this reader cannot follow
// exactly the way the classic builder (`POST /build`, Docker 20.10, the builder stack uses) would,
// it answers 'all': a `# syntax=` directive (another frontend may read anything), `RUN --mount`,
// a heredoc or `--parents` in COPY/ADD, a flag it does not know, an instruction it does not
// know, a continuation broken by an empty line (the builder joins across it, logicalLines does
// not), a variable it cannot resolve, a source that is the whole context or escapes it, an
// ONBUILD COPY/ADD of a stage that a later stage is built FROM.
//
// How the classic builder reads a source, followed here: flags first (`--from=` reads no
// context); the JSON form or whitespace-split words (quotes do not group words); each word
// through the shell lexer (quotes removed, the escape character escapes, `$X`, `${X}`,
// `${X:-d}`, `${X:+a}` from the stage's ENV, then its ARGs: ENV wins); then a source holding
// an unescaped `*`, `?` or `[` is a filepath.Match pattern over every path of the context, any
// other a literal path (backslashes kept).
//
// What it cannot know alone: the ENV of an external base image also wins over an ARG of the
// same name (the caller passes the names its base images set, `imageEnv`, and such a variable
// counts as unresolved); its ONBUILD triggers may COPY from the context, and a symlink on a
// read path makes the builder read its target as well (both left to the caller).

import { cleanPath, isValidGlob } from './ignore-pattern.js';
import { logicalLines, parserDirectives } from './base-images.js';

export interface DockerfileReads {
  /** Context paths the build can read: cleaned, relative, '/'-separated, may hold Go
   *  filepath.Match wildcards; or 'all' (the whole context, or it cannot be told). */
  readonly sources: 'all' | readonly string[];
  /** An ADD of a URL (http(s)://, or a git URL): its content can change with no file changing. */
  readonly fetchesUrls: boolean;
}

type BuildArgs = Readonly<Record<string, string | undefined>>;
/** A variable's value; undefined when it cannot be told (undeclared, or declared with no value). */
type Lookup = (name: string) => string | undefined;

const INSTRUCTIONS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);
/** COPY/ADD flags that change nothing about which context paths are read (`--exclude` only narrows). */
const HARMLESS_FLAGS = new Set(['chown', 'chmod', 'link', 'exclude', 'checksum', 'keep-git-dir']);

interface Stage {
  readonly name: string;
  /** ENV declared in this stage; undefined: declared with a value we cannot tell. */
  readonly env: Map<string, string | undefined>;
  /** ARG declared in this stage, its value after the build args. */
  readonly args: Map<string, string | undefined>;
  /** It has an ONBUILD COPY/ADD, which runs in a stage built FROM it. */
  onbuildReads: boolean;
}

export function dockerfileReads(dockerfile: string, buildArgs: BuildArgs = {}, imageEnv: ReadonlySet<string> = new Set()): DockerfileReads {
  const directives = parserDirectives(dockerfile);
  const escape = directives.get('escape') === '`' ? '`' : '\\';
  let all = directives.has('syntax') || brokenContinuation(dockerfile, escape);
  let fetchesUrls = false;
  const sources: string[] = [];
  const given = (name: string): string | undefined => (Object.prototype.hasOwnProperty.call(buildArgs, name) ? buildArgs[name] : undefined);
  const metaArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  const lookup: Lookup = (name) => {
    if (stage === undefined) return metaArgs.get(name);
    if (stage.env.has(name)) return stage.env.get(name);
    // A base image's ENV of that name wins over the ARG: its value is not ours to tell.
    return imageEnv.has(name) ? undefined : stage.args.get(name);
  };

  for (const line of logicalLines(dockerfile)) {
    const { keyword, rest } = splitInstruction(line);
    if (!INSTRUCTIONS.has(keyword)) {
      all = true;
      continue;
    }
    if (keyword === 'FROM') {
      all ||= fromReadsOnbuild(rest, stages, (name) => metaArgs.get(name), escape);
      const words = rest.split(/\s+/).filter((w) => w !== '' && !w.startsWith('--'));
      stage = { name: words[1]?.toLowerCase() === 'as' ? (words[2] ?? '').toLowerCase() : '', env: new Map(), args: new Map(), onbuildReads: false };
      stages.push(stage);
    } else if (keyword === 'ARG') {
      for (const word of splitWords(rest, escape)) {
        const eq = word.indexOf('=');
        const name = eq >= 0 ? word.slice(0, eq) : word;
        // A bare ARG in a stage takes the value of the ARG of that name before the first FROM.
        const fallback = eq >= 0 ? processWord(word.slice(eq + 1), lookup, escape) : stage !== undefined ? metaArgs.get(name) : undefined;
        (stage?.args ?? metaArgs).set(name, given(name) ?? fallback);
      }
    } else if (keyword === 'ENV' && stage !== undefined) {
      // Every value of one ENV is expanded with the variables from before it.
      const values = envPairs(rest, escape).map(([name, value]) => [name, processWord(value, lookup, escape)] as const);
      for (const [name, value] of values) stage.env.set(name, value);
    } else if (keyword === 'RUN') {
      if (leadingFlags(rest).flags.some((f) => f === '--mount' || f.startsWith('--mount='))) all = true;
    } else if (keyword === 'ONBUILD') {
      // Not read here: it runs in the stages built FROM this one (see fromReadsOnbuild).
      const inner = splitInstruction(rest).keyword;
      if (stage !== undefined && (inner === 'COPY' || inner === 'ADD')) stage.onbuildReads = true;
    } else if (keyword === 'COPY' || keyword === 'ADD') {
      const read = copySources(rest, keyword === 'ADD', lookup, escape);
      if (read.fetchesUrls) fetchesUrls = true;
      if (read.sources === 'all') all = true;
      else for (const source of read.sources) if (!sources.includes(source)) sources.push(source);
    }
  }
  return { sources: all ? 'all' : sources, fetchesUrls };
}

/** What one COPY or ADD reads (rest: the instruction without its keyword). */
function copySources(rest: string, isAdd: boolean, lookup: Lookup, escape: string): DockerfileReads {
  const { flags, remainder } = leadingFlags(rest);
  let all = false;
  for (const flag of flags) {
    const name = flag.slice(2).split('=')[0]!;
    if (name === 'from') return { sources: [], fetchesUrls: false };
    if (!HARMLESS_FLAGS.has(name)) all = true; // --parents, and whatever we do not know
  }
  const words = jsonArray(remainder) ?? remainder.split(/[\t\v\f\r ]+/).filter((w) => w !== '');
  // Fewer than a source and a destination: the builder refuses it, or we misread the line.
  if (words.length < 2) return { sources: 'all', fetchesUrls: false };
  const sources: string[] = [];
  let fetchesUrls = false;
  for (const word of words.slice(0, -1)) {
    if (word.startsWith('<<')) {
      all = true; // a heredoc: its text is the source, and what follows is no instruction
      continue;
    }
    const value = processWord(word, lookup, escape);
    if (value === undefined) {
      all = true;
      if (isAdd) fetchesUrls = true; // it may well be a URL
      continue;
    }
    if (isAdd && isUrl(value)) {
      fetchesUrls = true;
      continue;
    }
    // `…#ref` names a git ref to BuildKit but a local file to the classic builder: both.
    if (isAdd && value.includes('#')) fetchesUrls = true;
    const source = cleanSource(value);
    if (source === undefined) all = true;
    else sources.push(source);
  }
  return { sources: all ? 'all' : sources, fetchesUrls };
}

function isUrl(source: string): boolean {
  return /^(https?:\/\/|git:\/\/|git@)/.test(source);
}

/**
 * The source as a path relative to the context root, cleaned like Go's path.Clean; undefined for
 * the whole context (`.`, `/`, every top-level entry by `*`), a path that escapes it (`..`), or a
 * pattern filepath.Match would refuse.
 */
function cleanSource(source: string): string | undefined {
  const cleaned = cleanPath(source.replace(/^\/+/, ''));
  if (cleaned === '.' || cleaned === '..' || cleaned.startsWith('../')) return undefined;
  const parts = cleaned.split('/');
  if (hasWildcards(cleaned) && ((parts.length === 1 && /^\*+$/.test(cleaned)) || !parts.every(isValidGlob))) return undefined;
  return cleaned;
}

/** The classic builder's containsWildcards: an unescaped `*`, `?` or `[` makes a source a pattern. */
function hasWildcards(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** FROM a stage that has an ONBUILD COPY/ADD (or FROM an image we cannot name while one exists). */
function fromReadsOnbuild(rest: string, stages: readonly Stage[], metaArg: Lookup, escape: string): boolean {
  if (!stages.some((s) => s.onbuildReads)) return false;
  const image = rest.split(/\s+/).find((w) => w !== '' && !w.startsWith('--')) ?? '';
  const name = processWord(image, metaArg, escape)?.toLowerCase();
  return name === undefined || stages.some((s) => s.onbuildReads && s.name === name);
}

/** A line's instruction keyword (upper case) and the rest of it. */
function splitInstruction(line: string): { keyword: string; rest: string } {
  const match = /^\s*(\S+)\s*(.*)$/s.exec(line);
  return { keyword: (match?.[1] ?? '').toUpperCase(), rest: match?.[2] ?? '' };
}

/** The `--name[=value]` words that start an instruction, and what follows them. */
function leadingFlags(rest: string): { flags: string[]; remainder: string } {
  const flags: string[] = [];
  let remainder = rest.trim();
  for (let flag = /^--\S*/.exec(remainder); flag !== null; flag = /^--\S*/.exec(remainder)) {
    flags.push(flag[0]);
    remainder = remainder.slice(flag[0].length).trimStart();
  }
  return { flags, remainder };
}

/** The JSON form `["a", "b"]`, or undefined for the shell form (as parseMaybeJSONToList). */
function jsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((v) => typeof v === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A continued line, then (past comments) an empty line, then more: the builder skips the empty
 * line and goes on with the same instruction, logicalLines ends the instruction there.
 */
function brokenContinuation(text: string, escape: string): boolean {
  const lines = text.split(/\r?\n/);
  const comment = (line: string): boolean => /^\s*#/.test(line);
  for (let i = 0; i < lines.length; i++) {
    if (comment(lines[i]!) || !lines[i]!.replace(/\s+$/, '').endsWith(escape)) continue;
    let next = i + 1;
    let empty = false;
    for (; next < lines.length && (comment(lines[next]!) || lines[next]!.trim() === ''); next++) empty ||= lines[next]!.trim() === '';
    if (empty && next < lines.length) return true;
  }
  return false;
}

/** ENV's two forms: `A=b C="d e"`, and the old `A b c` (one name, the rest its value). */
function envPairs(rest: string, escape: string): [string, string][] {
  const words = splitWords(rest, escape);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) return [[words[0]!, rest.trim().slice(words[0]!.length).trim()]];
  return words.map((w) => {
    const eq = w.indexOf('=');
    return eq >= 0 ? [w.slice(0, eq), w.slice(eq + 1)] : [w, ''];
  });
}

/** Words split on whitespace outside quotes, quotes and escapes kept (the parser's parseWords). */
function splitWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === undefined && /\s/.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    if (ch === escape && quote !== "'" && i + 1 < text.length) {
      word += ch + text[++i];
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else if (ch === quote) quote = undefined;
    word += ch;
  }
  if (word !== '') words.push(word);
  return words;
}

/**
 * One word through the builder's shell lexer (ProcessWord): quotes removed, escapes applied,
 * variables substituted. Undefined when a variable cannot be told or the word is malformed.
 */
function processWord(word: string, lookup: Lookup, escape: string): string | undefined {
  try {
    return new WordLexer(word, lookup, escape).until(undefined);
  } catch (e) {
    if (e instanceof CannotTell) return undefined;
    throw e;
  }
}

class CannotTell extends Error {}

class WordLexer {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly lookup: Lookup,
    private readonly escape: string,
  ) {}

  /** Everything up to `stop` (consumed) or the end when stop is undefined. */
  until(stop: string | undefined): string {
    let out = '';
    while (this.at < this.text.length) {
      const ch = this.text[this.at++]!;
      if (ch === stop) return out;
      if (ch === "'") out += this.singleQuoted();
      else if (ch === '"') out += this.doubleQuoted();
      else if (ch === '$') out += this.dollar();
      else if (ch === this.escape) out += this.at < this.text.length ? this.text[this.at++]! : '';
      else out += ch;
    }
    if (stop !== undefined) throw new CannotTell(`missing '${stop}'`);
    return out;
  }

  private singleQuoted(): string {
    const end = this.text.indexOf("'", this.at);
    if (end < 0) throw new CannotTell('missing quote');
    const out = this.text.slice(this.at, end);
    this.at = end + 1;
    return out;
  }

  private doubleQuoted(): string {
    let out = '';
    while (this.at < this.text.length) {
      const ch = this.text[this.at++]!;
      if (ch === '"') return out;
      if (ch === '$') out += this.dollar();
      else if (ch === this.escape && ['"', '$', this.escape].includes(this.text[this.at] ?? '')) out += this.text[this.at++]!;
      else out += ch;
    }
    throw new CannotTell('missing quote');
  }

  private dollar(): string {
    if (this.text[this.at] === '{') {
      this.at++;
      const name = this.name();
      if (name === '') throw new CannotTell('bad substitution');
      const next = this.text[this.at++];
      if (next === '}') return this.value(name);
      if (next !== ':' || (this.text[this.at] !== '-' && this.text[this.at] !== '+')) throw new CannotTell('unsupported modifier');
      const op = this.text[this.at++];
      const operand = this.until('}');
      const value = this.value(name);
      if (op === '-') return value === '' ? operand : value;
      return value === '' ? '' : operand;
    }
    if (/[0-9]/.test(this.text[this.at] ?? '')) throw new CannotTell('positional parameter');
    const name = this.name();
    return name === '' ? '$' : this.value(name);
  }

  private name(): string {
    const match = /^[\p{L}\p{N}_]*/u.exec(this.text.slice(this.at))!;
    this.at += match[0].length;
    return match[0];
  }

  private value(name: string): string {
    const value = this.lookup(name);
    if (value === undefined) throw new CannotTell(`$${name} cannot be told`);
    return value;
  }
}

/** Answers the context walk: which directories to enter, which files count. */
export class ReadScope {
  /** Per source, one matcher per path component. */
  private readonly sources: readonly (readonly ComponentMatcher[])[];

  constructor(sources: readonly string[]) {
    this.sources = sources.map(compileSource);
  }

  /** 'inside': everything under it is read; 'leads-in': enter it, some path below is read;
   *  'outside': nothing under it is read (skip it). relDir '/'-separated, '' is the root. */
  directory(relDir: string): 'inside' | 'leads-in' | 'outside' {
    const parts = components(relDir);
    let leadsIn = false;
    for (const source of this.sources) {
      const n = Math.min(source.length, parts.length);
      if (!matchesFirst(source, parts, n)) continue;
      if (source.length <= parts.length) return 'inside';
      leadsIn = true;
    }
    return leadsIn ? 'leads-in' : 'outside';
  }

  /** True when the file (relative path) is read by some source. */
  includesFile(relPath: string): boolean {
    const parts = components(relPath);
    return this.sources.some((source) => source.length <= parts.length && matchesFirst(source, parts, source.length));
  }
}

type ComponentMatcher = (component: string) => boolean;

function components(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function matchesFirst(source: readonly ComponentMatcher[], parts: readonly string[], n: number): boolean {
  for (let i = 0; i < n; i++) if (!source[i]!(parts[i]!)) return false;
  return true;
}

/** A source without wildcards is a literal path (backslashes and all), as the builder reads it. */
function compileSource(source: string): ComponentMatcher[] {
  const parts = components(source);
  if (!hasWildcards(source)) return parts.map((part) => (component: string) => component === part);
  return parts.map(compileGlob);
}

/**
 * One component of a Go filepath.Match pattern: `*` any run, `?` one character, `[...]` and
 * `[^...]` classes with ranges, `\` escaping the next character. A pattern Go would refuse
 * matches every component here: too big, never too small.
 */
function compileGlob(pattern: string): ComponentMatcher {
  if (!isValidGlob(pattern)) return () => true;
  const cps = Array.from(pattern);
  const literal = (cp: string): string => `\\u{${cp.codePointAt(0)!.toString(16)}}`;
  let re = '^';
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') re += literal(cps[++i]!);
    else if (c === '[') {
      i++;
      let cls = '[';
      if (cps[i] === '^') {
        cls += '^';
        i++;
      }
      for (let first = true; first || cps[i] !== ']'; first = false) {
        const lo = cps[i] === '\\' ? cps[++i]! : cps[i]!;
        i++;
        cls += literal(lo);
        if (cps[i] === '-') {
          const hi = cps[i + 1] === '\\' ? cps[(i += 2)]! : cps[++i]!;
          i++;
          // Go matches nothing by a range whose ends are reversed; a JavaScript class refuses it.
          if (hi.codePointAt(0)! >= lo.codePointAt(0)!) cls += `-${literal(hi)}`;
          else cls = cls.slice(0, -literal(lo).length);
        }
      }
      re += `${cls}]`;
    } else re += literal(c);
  }
  const regexp = new RegExp(`${re}$`, 'u');
  return (component) => regexp.test(component);
}
