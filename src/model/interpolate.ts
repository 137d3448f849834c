// Variable interpolation with Compose's exact semantics (compose-go `template`, v2.13):
//
//   $$            a literal `$`
//   $VAR ${VAR}   the value, or "" with a warning when unset
//   ${VAR:-d}     d when VAR is unset or empty      ${VAR-d}  d when VAR is unset
//   ${VAR:?m}     error m when VAR is unset or empty ${VAR?m}  error m when VAR is unset
//   ${VAR:+r}     r when VAR is set and non-empty   ${VAR+r}  r when VAR is set
//
// Defaults, replacements and messages are themselves interpolated, only when used. A `$`
// that starts none of these stays a literal `$` ("a $ string", "$}", "$1"); `${` that
// does not form a valid reference ("${", "${}", "${ x}", "${x!}") is an error. Names are
// [_A-Za-z][_A-Za-z0-9]*. Only values are interpolated, never keys.

import { StackFileError, type StackFileProblem } from '../errors.js';
import { childPosition, formatPath, selfPosition } from './positions.js';
import type { ModelWarning } from './types.js';
import { Tagged } from './parse.js';
import { looksSecret } from './sensitive.js';

/** Why a template could not be substituted. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'required',
    readonly variable?: string,
  ) {
    super(message);
  }
}

export interface SubstituteHooks {
  /** A variable used without default or required-operator was unset. */
  onMissing?(name: string): void;
  /** A variable's value was substituted (collected as sensitive). */
  onValue?(name: string, value: string): void;
}

export type Lookup = (name: string) => string | undefined;

const isNameStart = (c: string | undefined): boolean => c !== undefined && /[_A-Za-z]/.test(c);
const isNameChar = (c: string | undefined): boolean => c !== undefined && /[_A-Za-z0-9]/.test(c);

/** Substitute every reference in `template`. Throws TemplateError. */
export function substitute(template: string, lookup: Lookup, hooks: SubstituteHooks = {}): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = template[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (isNameStart(next)) {
      let j = i + 2;
      while (isNameChar(template[j])) j++;
      out += resolvePlain(template.slice(i + 1, j), lookup, hooks);
      i = j;
      continue;
    }
    if (next === '{') {
      const { value, end } = substituteBraced(template, i, lookup, hooks);
      out += value;
      i = end;
      continue;
    }
    // `$` followed by anything else is literal text.
    out += '$';
    i++;
  }
  return out;
}

function resolvePlain(name: string, lookup: Lookup, hooks: SubstituteHooks): string {
  const v = lookup(name);
  if (v === undefined) {
    hooks.onMissing?.(name);
    return '';
  }
  if (v !== '') hooks.onValue?.(name, v);
  return v;
}

function lookupTracked(name: string, lookup: Lookup, hooks: SubstituteHooks): string | undefined {
  const v = lookup(name);
  if (v !== undefined && v !== '') hooks.onValue?.(name, v);
  return v;
}

type Operator = ':-' | '-' | ':?' | '?' | ':+' | '+';

/**
 * `${...}` starting at `start` (the `$`). compose-go matches `${name}` or
 * `${name<op>(.*)}` greedily up to the LAST `}` of the string, then cuts the match at the
 * first balanced `}` and substitutes what follows it separately; we do the same cut
 * directly: the reference ends at the first balanced `}`.
 */
function substituteBraced(template: string, start: number, lookup: Lookup, hooks: SubstituteHooks): { value: string; end: number } {
  const invalid = (): never => {
    throw new TemplateError(`invalid interpolation format in "${template}"`, 'invalid');
  };
  let j = start + 2;
  if (!isNameStart(template[j])) invalid();
  while (isNameChar(template[j])) j++;
  const name = template.slice(start + 2, j);
  if (template[j] === '}') return { value: resolvePlain(name, lookup, hooks), end: j + 1 };

  let op: Operator | undefined;
  const two = template.slice(j, j + 2);
  if (two === ':-' || two === ':?' || two === ':+') op = two;
  else if (template[j] === '-' || template[j] === '?' || template[j] === '+') op = template[j] as Operator;
  if (!op) invalid();
  // The greedy regex needs some `}` after the operator, anywhere in the rest of the string.
  if (template.indexOf('}', j) === -1) invalid();

  const close = balancedClose(template, start);
  // Without a balanced close, compose-go keeps the whole greedy match (up to the last `}`).
  const end = close === -1 ? template.lastIndexOf('}') : close;
  const argument = template.slice(j + op!.length, end);

  const value = lookupTracked(name, lookup, hooks);
  const isSet = value !== undefined;
  const nonEmpty = isSet && value !== '';
  let result: string;
  switch (op!) {
    case ':-':
      result = nonEmpty ? value! : substitute(argument, lookup, hooks);
      break;
    case '-':
      result = isSet ? value! : substitute(argument, lookup, hooks);
      break;
    case ':+':
      result = nonEmpty ? substitute(argument, lookup, hooks) : (value ?? '');
      break;
    case '+':
      result = isSet ? substitute(argument, lookup, hooks) : '';
      break;
    case ':?':
    case '?': {
      const ok = op === ':?' ? nonEmpty : isSet;
      if (!ok) {
        const reason = substitute(argument, lookup, hooks);
        throw new TemplateError(
          reason ? `required variable ${name} is missing a value: ${reason}` : `required variable ${name} is missing a value`,
          'required',
          name,
        );
      }
      result = value!;
      break;
    }
  }
  return { value: result, end: end + 1 };
}

/**
 * Index of the `}` closing the reference that starts at `start`, counting braces as
 * compose-go's getFirstBraceClosingIndex does (an opening `{` also skips the character
 * after it).
 */
function balancedClose(s: string, start: number): number {
  let open = 0;
  for (let i = start; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------
// Whole documents

/**
 * Paths whose string values Compose converts after interpolation (compose-go
 * loader/interpolate.go), so that `replicas: ${N:-2}` validates as a number.
 *
 * No cast for secrets/configs `mode`: compose-go has none either, and reads a string mode as
 * octal (its FileMode), which is how its own `config` prints it (`mode: "0440"`). A decimal
 * cast made that printed "0440" mean 440 (0670) here.
 */
type Cast = 'int' | 'float' | 'bool';
const castRules: ReadonlyArray<readonly [readonly string[], Cast]> = [
  [['services', '*', 'cpu_count'], 'int'],
  [['services', '*', 'cpu_percent'], 'float'],
  [['services', '*', 'cpu_period'], 'int'],
  [['services', '*', 'cpu_quota'], 'int'],
  [['services', '*', 'cpu_rt_period'], 'int'],
  [['services', '*', 'cpu_rt_runtime'], 'int'],
  [['services', '*', 'cpus'], 'float'],
  [['services', '*', 'cpu_shares'], 'int'],
  [['services', '*', 'init'], 'bool'],
  [['services', '*', 'deploy', 'replicas'], 'int'],
  [['services', '*', 'deploy', 'update_config', 'parallelism'], 'int'],
  [['services', '*', 'deploy', 'update_config', 'max_failure_ratio'], 'float'],
  [['services', '*', 'deploy', 'rollback_config', 'parallelism'], 'int'],
  [['services', '*', 'deploy', 'rollback_config', 'max_failure_ratio'], 'float'],
  [['services', '*', 'deploy', 'restart_policy', 'max_attempts'], 'int'],
  [['services', '*', 'deploy', 'placement', 'max_replicas_per_node'], 'int'],
  [['services', '*', 'healthcheck', 'retries'], 'int'],
  [['services', '*', 'healthcheck', 'disable'], 'bool'],
  [['services', '*', 'oom_kill_disable'], 'bool'],
  [['services', '*', 'oom_score_adj'], 'int'],
  [['services', '*', 'pids_limit'], 'int'],
  [['services', '*', 'ports', '[]', 'target'], 'int'],
  [['services', '*', 'privileged'], 'bool'],
  [['services', '*', 'read_only'], 'bool'],
  [['services', '*', 'scale'], 'int'],
  [['services', '*', 'stdin_open'], 'bool'],
  [['services', '*', 'tty'], 'bool'],
  [['services', '*', 'ulimits', '*'], 'int'],
  [['services', '*', 'ulimits', '*', 'hard'], 'int'],
  [['services', '*', 'ulimits', '*', 'soft'], 'int'],
  [['services', '*', 'volumes', '[]', 'read_only'], 'bool'],
  [['services', '*', 'volumes', '[]', 'volume', 'nocopy'], 'bool'],
  [['networks', '*', 'external'], 'bool'],
  [['networks', '*', 'internal'], 'bool'],
  [['networks', '*', 'attachable'], 'bool'],
  [['networks', '*', 'enable_ipv6'], 'bool'],
  [['volumes', '*', 'external'], 'bool'],
  [['secrets', '*', 'external'], 'bool'],
  [['configs', '*', 'external'], 'bool'],
];

function castFor(path: readonly (string | number)[]): Cast | undefined {
  outer: for (const [pattern, cast] of castRules) {
    if (pattern.length !== path.length) continue;
    for (let i = 0; i < pattern.length; i++) {
      const p = pattern[i]!;
      const k = path[i]!;
      if (p === '*') {
        if (typeof k !== 'string') continue outer;
      } else if (p === '[]') {
        if (typeof k !== 'number') continue outer;
      } else if (p !== k) continue outer;
    }
    return cast;
  }
  return undefined;
}

function applyCast(value: string, cast: Cast): number | boolean | undefined {
  switch (cast) {
    case 'int':
      return /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
    case 'float': {
      const n = Number(value);
      return value.trim() !== '' && Number.isFinite(n) ? n : undefined;
    }
    case 'bool': {
      const v = value.toLowerCase();
      if (v === 'true' || v === 'y' || v === 'yes' || v === 'on') return true;
      if (v === 'false' || v === 'n' || v === 'no' || v === 'off') return false;
      return undefined;
    }
  }
}

export interface InterpolateOptions {
  readonly lookup: Lookup;
  /** File name used in messages when a node has no recorded position. */
  readonly file: string;
  /** Collects unset-variable warnings; each variable is warned about once per `seen` set. */
  readonly warnings: ModelWarning[];
  readonly warnedVariables: Set<string>;
  /** Collects every substituted value (a model holding one is never cached). */
  readonly sensitiveValues: Set<string>;
  /** Collects the values of variables whose names look secret (TOKEN, PASSWORD...): see sensitive.ts. */
  readonly secretValues: Set<string>;
}

/**
 * Interpolate every string value of a parsed document in place (keys are left alone), then
 * apply Compose's type casts. Throws StackFileError at the node that failed.
 */
export function interpolateDocument(doc: unknown, options: InterpolateOptions): void {
  const problems: StackFileProblem[] = [];
  walk(doc, [], options, problems);
  if (problems.length > 0) throw new StackFileError(problems.slice(0, 10));
}

function walk(node: unknown, path: (string | number)[], options: InterpolateOptions, problems: StackFileProblem[]): void {
  if (node === null || typeof node !== 'object') return;
  // Tagged values (!reset / !override) wrap a value; interpolate the value itself.
  if (node instanceof Tagged) {
    visitEntry(node as unknown as Record<string, unknown>, 'value', path, options, problems);
    return;
  }
  const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  for (const key of keys) visitEntry(node as Record<string | number, unknown>, key, [...path, key], options, problems);
}

function visitEntry(
  container: Record<string | number, unknown>,
  key: string | number,
  childPath: (string | number)[],
  options: InterpolateOptions,
  problems: StackFileProblem[],
): void {
  const value = container[key];
  if (typeof value !== 'string') {
    walk(value, childPath, options, problems);
    return;
  }
  const here = (): { file: string; line: number; col: number } =>
    childPosition(container, key) ?? selfPosition(container) ?? { file: options.file, line: 1, col: 1 };
  let result: string | number | boolean = value;
  try {
    result = substitute(value, options.lookup, {
      onMissing: (name) => {
        if (options.warnedVariables.has(name)) return;
        options.warnedVariables.add(name);
        options.warnings.push({
          message: `the "${name}" variable is not set; defaulting to a blank string`,
          path: formatPath(childPath),
          location: here(),
        });
      },
      onValue: (name, v) => {
        options.sensitiveValues.add(v);
        if (looksSecret(name)) options.secretValues.add(v);
      },
    });
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    problems.push({
      message: e.message,
      path: formatPath(childPath),
      location: here(),
      ...(e.kind === 'invalid' ? { hint: 'write $$ for a literal dollar sign' } : {}),
    });
    return;
  }
  const cast = castFor(childPath);
  if (cast) {
    const converted = applyCast(result, cast);
    if (converted === undefined) {
      // The template is printed, never the substituted value: it may hold a secret.
      problems.push({
        message: `"${value}" is not a valid ${cast === 'bool' ? 'boolean' : cast === 'int' ? 'whole number' : 'number'}`,
        path: formatPath(childPath),
        location: here(),
      });
      return;
    }
    result = converted;
  }
  container[key] = result;
}
