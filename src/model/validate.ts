// JSON Schema validation of the interpolated, merged document, with errors a person can act
// on. The schema (schema/stack.schema.json) is precompiled at build time into
// ./generated/stack-validator.ts by scripts/gen-validator.mjs: no ajv compile at start-up.
//
// ajv runs WITHOUT allErrors: on hostile input (10,000 broken services) allErrors took 11 s and
// produced 70,000 errors. Instead each validator stops at its first failure, and when the
// document is invalid we validate the entries of services/networks/volumes/secrets/configs one
// by one to report up to MAX_PROBLEMS problems: linear work, bounded output.

import type { StackFileProblem } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import * as generated from './generated/stack-validator.js';
import type { Locator } from './types.js';

/** At most this many problems are reported for one document. */
export const MAX_PROBLEMS = 10;

/** The shape of an ajv error with `verbose: true`. */
interface AjvError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
  readonly schema?: unknown;
  readonly parentSchema?: SchemaNode;
  readonly data?: unknown;
}
interface SchemaNode {
  readonly type?: string | string[];
  readonly description?: string;
  readonly properties?: Record<string, unknown>;
  readonly patternProperties?: Record<string, unknown>;
  readonly enum?: unknown[];
  readonly pattern?: string;
}
interface ValidateFunction {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}

const validators = generated as unknown as Record<
  'validateStack' | 'validateService' | 'validateNetwork' | 'validateVolume' | 'validateSecret' | 'validateConfig',
  ValidateFunction
>;

/** The top-level sections whose entries are validated one by one to gather several problems. */
const SECTIONS: readonly (readonly [string, ValidateFunction])[] = [
  ['services', validators.validateService],
  ['networks', validators.validateNetwork],
  ['volumes', validators.validateVolume],
  ['secrets', validators.validateSecret],
  ['configs', validators.validateConfig],
];

type Segment = string | number;

/** The names services, networks, volumes, secrets and configs may have (the schema's patternProperties). */
const ENTRY_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Validate the interpolated, merged document against schema/stack.schema.json. Returns a
 * bounded list of problems, most specific first (empty when valid), each with the dotted
 * path, file:line:col from `locate`, a message a person understands and "did you mean".
 */
export function validateDocument(doc: unknown, locate: Locator): StackFileProblem[] {
  if (validators.validateStack(doc)) return [];
  const found: Finding[] = [];
  const seen = new Set<string>();
  const add = (findings: Finding[]) => {
    for (const f of findings) {
      const key = `${formatPath(f.path)}\u0000${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push(f);
    }
  };

  // Entries of the sections first, one validator run each: one (the most specific) problem
  // per broken entry, in document order, until the bound is reached. A name that breaks the
  // naming rule is a problem of its own: the whole-document run stops at the first one.
  if (isMapping(doc)) {
    outer: for (const [section, validate] of SECTIONS) {
      const entries = doc[section];
      if (!isMapping(entries)) continue;
      for (const name of Object.keys(entries)) {
        if (found.length >= MAX_PROBLEMS) break outer;
        if (!ENTRY_NAME.test(name)) add([{ path: [section, name], message: `invalid name '${name}': ${describeNamePattern(ENTRY_NAME.source)}` }]);
        if (found.length >= MAX_PROBLEMS) break outer;
        if (validate(entries[name])) continue;
        add(explain(validate.errors ?? [], entries[name], [section, name]).slice(0, 1));
      }
    }
  }
  // Then the problem the whole-document run stopped at, when the entries did not already
  // explain it (a bad top-level key, a service name that breaks the naming rule...).
  if (found.length < MAX_PROBLEMS) {
    add(explain(validators.validateStack.errors ?? [], doc, []).slice(0, 1));
  }
  found.sort((a, b) => b.path.length - a.path.length);
  return found.slice(0, MAX_PROBLEMS).map((f) => toProblem(f, locate));
}

interface Finding {
  /** Full path from the document root (including an offending key for unknown keys). */
  readonly path: readonly Segment[];
  readonly message: string;
  readonly hint?: string;
}

function toProblem(f: Finding, locate: Locator): StackFileProblem {
  const location = locateNearest(f.path, locate);
  return {
    message: f.message,
    path: formatPath(f.path),
    ...(location ? { location } : {}),
    ...(f.hint ? { hint: f.hint } : {}),
  };
}

/** The position of the node at `path`, or of its nearest ancestor that has one. */
export function locateNearest(path: readonly Segment[], locate: Locator) {
  for (let n = path.length; n >= 0; n--) {
    const at = locate(path.slice(0, n));
    if (at) return at;
  }
  return undefined;
}

/** `["services","web","ports",0]` → `services.web.ports[0]`; odd keys are quoted: `labels["a b"]`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Turning ajv's errors into one explanation.

/**
 * The errors of one failed run, most specific first. `oneOf` failures come with one error per
 * branch; a branch that failed only because the value has another type ("must be array" for a
 * mapping) is noise when another branch says what is really wrong, and when every branch is a
 * type mismatch they merge into one "must be a string or a list".
 */
function explain(errors: readonly AjvError[], data: unknown, base: readonly Segment[]): Finding[] {
  const withPaths = errors.map((e) => ({ e, path: toSegments(e.instancePath, data) }));
  const alternatives = withPaths.filter((x) => x.e.keyword === 'oneOf' || x.e.keyword === 'anyOf');
  let rest = withPaths.filter((x) => x.e.keyword !== 'oneOf' && x.e.keyword !== 'anyOf');
  const merged: Finding[] = [];

  for (const alt of alternatives) {
    const at = alt.e.instancePath;
    const isBranchTypeMiss = (x: (typeof rest)[number]) => x.e.keyword === 'type' && x.e.instancePath === at;
    const within = rest.filter((x) => x.e.instancePath === at || x.e.instancePath.startsWith(`${at}/`));
    const informative = within.filter((x) => !isBranchTypeMiss(x));
    const misses = within.filter(isBranchTypeMiss);
    if (alt.e.keyword === 'oneOf' && alt.e.params['passingSchemas']) {
      merged.push({ path: [...base, ...alt.path], message: 'matches more than one allowed form; make it unambiguous' });
      continue;
    }
    if (informative.length > 0) {
      rest = rest.filter((x) => !isBranchTypeMiss(x));
    } else if (misses.length > 0) {
      const types = misses.flatMap((x) => typesOf(x.e.params['type']));
      const value = valueAt(data, alt.path);
      rest = rest.filter((x) => !isBranchTypeMiss(x));
      merged.push({ path: [...base, ...alt.path], message: `${mustBeTypes(types)} (got ${describeValue(value)})` });
    }
  }

  const findings = [...rest.map((x) => describe(x.e, x.path, data, base)), ...merged];
  findings.sort((a, b) => b.path.length - a.path.length);
  if (findings.length === 0 && withPaths.length > 0) {
    const first = withPaths[0]!;
    findings.push({ path: [...base, ...first.path], message: first.e.message ?? 'is invalid' });
  }
  return findings;
}

function describe(e: AjvError, rel: Segment[], data: unknown, base: readonly Segment[]): Finding {
  const path = [...base, ...rel];
  const value = valueAt(data, rel);
  const parent = e.parentSchema ?? {};
  switch (e.keyword) {
    case 'type':
      return { path, message: `${mustBeTypes(typesOf(e.params['type']))} (got ${describeValue(value)})` };
    case 'additionalProperties': {
      const key = String(e.params['additionalProperty']);
      const known = Object.keys(parent.properties ?? {});
      const namePatterns = Object.keys(parent.patternProperties ?? {}).filter((p) => p !== '^x-');
      if (known.length === 0 && namePatterns.length > 0) {
        return {
          path: [...path, key],
          message: `invalid name '${key}': ${describeNamePattern(namePatterns[0]!)}`,
        };
      }
      const guess = didYouMean(key, known);
      return {
        path: [...path, key],
        message: guess ? `unknown key '${key}' — did you mean '${guess}'?` : `unknown key '${key}'`,
        hint: guess
          ? undefined
          : `allowed keys here: ${known.sort().join(', ')}${parent.patternProperties?.['^x-'] ? ', and extensions starting with x-' : ''}`,
      } as Finding;
    }
    case 'required':
      return { path, message: `missing required key '${String(e.params['missingProperty'])}'` };
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[]) ?? [];
      const guess = typeof value === 'string' ? didYouMean(value, allowed.map(String)) : undefined;
      const list = allowed.map((v) => `'${String(v)}'`).join(', ');
      return {
        path,
        message: `${quoteValue(value)} is not allowed: must be one of ${list}${guess ? ` — did you mean '${guess}'?` : ''}`,
      };
    }
    case 'pattern': {
      const what = parent.description ? `: ${parent.description.replace(/\.$/, '')}` : `: must match ${String(e.params['pattern'])}`;
      const choices = enumFromPattern(String(e.params['pattern']));
      const guess = typeof value === 'string' && choices ? didYouMean(value, choices) : undefined;
      return { path, message: `${quoteValue(value)} is not valid${what}${guess ? ` — did you mean '${guess}'?` : ''}` };
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const op = { minimum: '>=', exclusiveMinimum: '>', maximum: '<=', exclusiveMaximum: '<' }[e.keyword];
      return { path, message: `must be ${op} ${String(e.params['limit'])} (got ${String(value)})` };
    }
    case 'uniqueItems': {
      // ajv scans from the end: `j` is the later of the two equal entries, `i` the earlier.
      const earlier = Math.min(Number(e.params['i']), Number(e.params['j']));
      const later = Math.max(Number(e.params['i']), Number(e.params['j']));
      return { path: [...path, later], message: `duplicate entry: the same as entry ${earlier} (${quoteValue(valueAt(value, [later]))})` };
    }
    case 'const':
      return { path, message: `must be ${JSON.stringify(e.params['allowedValue'])}` };
    case 'false schema':
      return { path, message: 'is not allowed here' };
    default:
      return { path, message: e.message ?? 'is invalid' };
  }
}

function describeNamePattern(pattern: string): string {
  if (pattern === '^[a-zA-Z0-9._-]+$') return "only letters, digits, '.', '_' and '-' are allowed";
  if (pattern === '^[a-z]+$') return 'only lowercase letters are allowed';
  return `must match ${pattern}`;
}

/** `^(always|never|build)$`-style patterns list their words, which makes did-you-mean possible. */
function enumFromPattern(pattern: string): string[] | undefined {
  const m = /^\^\(([a-z_|-]+)(\|[^)]*)?\)/.exec(pattern);
  if (!m) return undefined;
  return m[1]!.split('|').filter(Boolean);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty (null)',
};

function typesOf(t: unknown): string[] {
  if (Array.isArray(t)) return t.map(String);
  if (typeof t === 'string') return t.split(',');
  return [];
}

function mustBeTypes(types: readonly string[]): string {
  let unique = [...new Set(types)];
  if (unique.includes('number')) unique = unique.filter((t) => t !== 'integer');
  const words = unique.map((t) => TYPE_WORDS[t] ?? t);
  if (words.length <= 1) return `must be ${words[0] ?? 'something else'}`;
  return `must be ${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${quoteValue(v)}`;
  if (typeof v === 'boolean') return String(v);
  return `the number ${String(v)}`;
}

function quoteValue(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
  if (v !== null && typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return String(v);
}

/** JSON pointer → segments, with array indices as numbers (checked against the data). */
function toSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      out.push(Number(key));
      node = node[Number(key)];
    } else {
      out.push(key);
      node = isMapping(node) ? node[key] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (Array.isArray(node) && typeof seg === 'number') node = node[seg];
    else if (isMapping(node)) node = node[String(seg)];
    else return undefined;
  }
  return node;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
