// YAML text → a plain document tree with a source position for every node.
//
// We walk yaml's AST ourselves instead of calling `toJS()`: that is where positions are
// recorded (see positions.ts), where user-keyed maps become null-prototype objects, where
// `!reset` / `!override` are kept for the merge, and where aliases and `<<` merge keys are
// expanded under one work budget. The guards come from TRAPS.md: a size cap and a nesting
// check BEFORE parsing (a second very deep parse aborted Node), warnings are errors
// (`!!python/object` is only a warning in yaml), duplicate keys are errors, `0440` is octal.

import { type Document, isAlias, isCollection, visit, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type ScalarTag } from 'yaml';
import { StackFileError, type SourceLocation, type StackFileProblem } from '../errors.js';
import { dict } from './types.js';
import { formatPath, setChildPosition, setSelfPosition } from './positions.js';

export interface ParseLimits {
  /** Largest stack file accepted, in bytes. */
  readonly maxBytes: number;
  /** Deepest nesting of mappings/sequences accepted (checked on the text before parsing). */
  readonly maxDepth: number;
  /** Most alias references (`*name`) in one file. */
  readonly maxAliases: number;
  /** Most nodes the document may expand to, counting every alias and `<<` copy. */
  readonly maxNodes: number;
}

export const defaultParseLimits: ParseLimits = {
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxAliases: 5_000,
  // A 500-service file is about 25,000 nodes; a billion-laughs file wants billions.
  maxNodes: 250_000,
};

/** A value written with `!reset` (remove what earlier files set) or `!override` (replace it whole). */
export class Tagged {
  constructor(
    readonly tag: 'reset' | 'override',
    /** Mutable so interpolation can substitute a tagged scalar in place. */
    public value: unknown,
  ) {}
}

// Compose (go-yaml) reads `0440` as octal; YAML 1.2's core schema reads it as decimal 440.
// File modes are the only place this matters, and getting them wrong is silent.
const legacyOctalInt: ScalarTag = {
  identify: (value) => typeof value === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT',
  test: /^0[0-7]+$/,
  resolve: (str) => parseInt(str, 8),
};

/** Parse one stack file. Throws StackFileError with file:line:col for every problem found. */
export function parseYaml(text: string, file: string, limits: ParseLimits = defaultParseLimits): Record<string, unknown> {
  if (Buffer.byteLength(text, 'utf8') > limits.maxBytes) {
    throw new StackFileError([
      {
        message: `the file is larger than ${Math.round(limits.maxBytes / 1024)} KiB; a stack file this big is refused`,
        location: { file, line: 1, col: 1 },
      },
    ]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  checkNesting(text, file, limits.maxDepth);
  checkAliasCount(text, file, limits.maxAliases);

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    merge: true,
    uniqueKeys: true,
    prettyErrors: true,
    strict: true,
    customTags: (tags) => [legacyOctalInt, ...tags],
  });
  const at = (offset: number | undefined): SourceLocation => {
    const p = lineCounter.linePos(offset ?? 0);
    return { file, line: p.line, col: p.col };
  };

  const problems: StackFileProblem[] = [];
  for (const e of doc.errors) problems.push({ message: firstLine(e.message), location: at(e.pos[0]) });
  for (const w of doc.warnings) {
    // Our own merge tags are resolved by the merge, not by yaml.
    if (w.code === 'TAG_RESOLVE_FAILED' && /Unresolved tag: !(reset|override)\b/.test(w.message)) continue;
    problems.push({ message: firstLine(w.message), location: at(w.pos[0]), hint: 'stack treats YAML warnings as errors' });
  }
  if (problems.length > 0) throw new StackFileError(problems.slice(0, 10));

  const root = doc.contents as YamlNode | null;
  if (root === null || (isScalar(root) && root.value === null)) {
    const empty = dict<unknown>();
    setSelfPosition(empty, { file, line: 1, col: 1 });
    return empty;
  }
  if (!isMap(root)) {
    throw new StackFileError([{ message: 'the top level of a stack file must be a mapping (services:, networks:, ...)', location: at(root.range?.[0]) }]);
  }
  const converter = new Converter(doc, at, limits);
  return converter.convert(root, [], 0) as Record<string, unknown>;
}

function firstLine(message: string): string {
  // prettyErrors appends " at line N, column M:" and a source excerpt; we report the place ourselves.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').trim();
}

class Converter {
  private nodes = 0;
  private aliases = 0;
  /**
   * Anchor definitions by name, in document order. yaml's own `Alias.resolve()` walks the
   * whole document for every alias: 10,000 aliases took 20 s. An alias refers to the
   * closest anchor of its name that precedes it.
   */
  private readonly anchors = new Map<string, { offset: number; node: YamlNode }[]>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly at: (offset: number | undefined) => SourceLocation,
    private readonly limits: ParseLimits,
  ) {
    visit(doc, (_key, node) => {
      if ((isScalar(node) || isCollection(node)) && node.anchor) {
        const list = this.anchors.get(node.anchor) ?? [];
        list.push({ offset: node.range?.[0] ?? 0, node: node as YamlNode });
        this.anchors.set(node.anchor, list);
      }
    });
  }

  private anchorFor(name: string, offset: number): YamlNode | undefined {
    const list = this.anchors.get(name);
    if (!list) return undefined;
    let found: YamlNode | undefined;
    for (const def of list) {
      if (def.offset < offset) found = def.node;
      else break;
    }
    return found;
  }

  private fail(message: string, offset: number | undefined, path: readonly (string | number)[], hint?: string): never {
    throw new StackFileError([{ message, location: this.at(offset), path: formatPath(path), ...(hint ? { hint } : {}) }]);
  }

  private count(offset: number | undefined, path: readonly (string | number)[]): void {
    if (++this.nodes > this.limits.maxNodes) {
      this.fail(
        `the document expands to more than ${this.limits.maxNodes} nodes through aliases and << merge keys`,
        offset,
        path,
        'this looks like an alias bomb; write the values out or use fewer nested aliases',
      );
    }
  }

  convert(node: YamlNode | null | undefined, path: (string | number)[], depth: number): unknown {
    if (node === null || node === undefined) return null;
    const offset = node.range?.[0];
    if (depth > this.limits.maxDepth) this.fail(`nesting deeper than ${this.limits.maxDepth} levels`, offset, path);
    this.count(offset, path);
    if (isAlias(node)) {
      if (++this.aliases > this.limits.maxAliases) {
        this.fail(`more than ${this.limits.maxAliases} alias references`, offset, path, 'this looks like an alias bomb');
      }
      // A fresh copy per reference, so later stages may change one without the others.
      const target = this.anchorFor(node.source, offset ?? 0);
      if (!target) this.fail(`unknown alias *${node.source}`, offset, path);
      return this.convert(target as YamlNode, path, depth + 1);
    }
    const value = this.convertPlain(node, path, depth);
    const tag = node.tag;
    if (tag === '!reset') return new Tagged('reset', value);
    if (tag === '!override') return new Tagged('override', value);
    return value;
  }

  private convertPlain(node: YamlNode, path: (string | number)[], depth: number): unknown {
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'bigint') return Number(v);
      return v as unknown;
    }
    if (isSeq(node)) {
      const out: unknown[] = [];
      setSelfPosition(out, this.at(node.range?.[0]));
      node.items.forEach((item, i) => {
        const child = this.convert(item as YamlNode, [...path, i], depth + 1);
        out.push(child);
        setChildPosition(out, i, this.at((item as YamlNode | null)?.range?.[0] ?? node.range?.[0]));
      });
      return out;
    }
    if (isMap(node)) {
      const out = dict<unknown>();
      setSelfPosition(out, this.at(node.range?.[0]));
      const mergeSources: YamlNode[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as YamlNode | null;
        if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
          // `<<: *base` or `<<: [*a, *b]`: explicit keys win, then earlier sources.
          const v = pair.value as YamlNode | null;
          if (isSeq(v)) for (const s of v.items) mergeSources.push(s as YamlNode);
          else if (v) mergeSources.push(v);
          continue;
        }
        const key = this.keyOf(keyNode, path);
        const childPath = [...path, key];
        out[key] = this.convert(pair.value as YamlNode | null, childPath, depth + 1);
        setChildPosition(out, key, this.at(keyNode?.range?.[0]));
      }
      for (const source of mergeSources) {
        const merged = this.convert(source, path, depth + 1);
        if (merged === null || typeof merged !== 'object' || Array.isArray(merged) || merged instanceof Tagged) {
          this.fail('a << merge key needs a mapping (or a list of mappings) to merge', source.range?.[0], path);
        }
        for (const [k, v] of Object.entries(merged as Record<string, unknown>)) {
          if (Object.prototype.hasOwnProperty.call(out, k)) continue;
          this.count(source.range?.[0], path);
          out[k] = v;
          setChildPosition(out, k, this.at(source.range?.[0]));
        }
      }
      return out;
    }
    return this.fail('unsupported YAML node', node.range?.[0], path);
  }

  private keyOf(keyNode: YamlNode | null, path: readonly (string | number)[]): string {
    if (isScalar(keyNode)) {
      const v = keyNode.value;
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      if (v === null) this.fail('a mapping key is empty', keyNode.range?.[0], path);
    }
    return this.fail('mapping keys must be plain strings', keyNode?.range?.[0], path);
  }
}

/**
 * Reject files with too many aliases from the text alone: yaml's parser itself slows down
 * quadratically with aliases (10,000 took 1.7 s before any of our checks could run).
 * Counts `*name` tokens that start a node; a `*` inside a plain scalar after a space may
 * be counted too, which only matters beyond thousands of them.
 */
export function checkAliasCount(text: string, file: string, maxAliases: number): void {
  const alias = /(?:^|[\s,[{:-])\*[^\s,[\]{}]+/g;
  let count = 0;
  for (let m = alias.exec(text); m; m = alias.exec(text)) {
    if (++count > maxAliases) {
      const before = text.slice(0, m.index + m[0].indexOf('*'));
      const line = before.split('\n').length;
      const col = before.length - before.lastIndexOf('\n');
      throw new StackFileError([
        { message: `more than ${maxAliases} alias references`, location: { file, line, col }, hint: 'this looks like an alias bomb' },
      ]);
    }
  }
}

/**
 * Reject excessive nesting from the text alone, before yaml builds anything. Counts block
 * indentation levels (with `- ` chains on one line) plus open flow brackets. Conservative:
 * quoted brackets count too, which only matters for files that are pathological anyway.
 */
export function checkNesting(text: string, file: string, maxDepth: number): void {
  const indents: number[] = [];
  let flow = 0;
  let line = 0;
  let pos = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    line++;
    const raw = text.slice(pos, end);
    pos = end + 1;
    let i = 0;
    while (i < raw.length && raw[i] === ' ') i++;
    if (i < raw.length && raw[i] !== '#' && raw.trim() !== '') {
      if (flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1]! >= i) indents.pop();
        indents.push(i);
      }
      let dashes = 0;
      let j = i;
      while (j < raw.length && (raw[j] === '-' || raw[j] === '?') && (raw[j + 1] === ' ' || raw[j + 1] === undefined)) {
        dashes++;
        j += 2;
        while (raw[j] === ' ') j++;
      }
      for (let k = i; k < raw.length; k++) {
        const c = raw[k];
        if (c === '[' || c === '{') flow++;
        else if ((c === ']' || c === '}') && flow > 0) flow--;
        else if (c === '#' && (k === 0 || raw[k - 1] === ' ')) break;
        if (indents.length + dashes + flow > maxDepth) {
          throw new StackFileError([
            {
              message: `nesting deeper than ${maxDepth} levels`,
              location: { file, line, col: k + 1 },
              hint: 'stack files are never this deep; this looks like a resource-exhaustion attempt',
            },
          ]);
        }
      }
      if (indents.length + dashes > maxDepth) {
        throw new StackFileError([{ message: `nesting deeper than ${maxDepth} levels`, location: { file, line, col: i + 1 } }]);
      }
    }
    if (end === text.length) break;
  }
}
