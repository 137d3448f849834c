// Redaction of secrets before anything is displayed. Which fields are secret is the model's to
// say, by field (model.sensitivePaths, see model/sensitive.ts); this file handles the VALUES:
//   - `secrets`: values that are secrets wherever they appear (a token), safe to hunt for in
//     any text, names and operation ids included (a token in an image tag);
//   - `values`: every value of a sensitive field, secrets included: free text stack did not
//     write (an engine's error message) is redacted with these. Never used on names.
// Rule for both: a value shorter than 3 characters is only hidden on an exact match
// (otherwise "1" would hide every number); longer ones wherever they appear.

import { MIN_SUBSTRING_SECRET } from '../model/sensitive.js';

export const REDACTED = '(sensitive)';

/**
 * The values a plan must never display, carried inside the plan. The lists are private to the
 * object and serialise as a count, so printing a plan (or a copy of it) never prints them.
 */
export class SensitiveValues {
  static readonly none = new SensitiveValues([], []);
  readonly #values: readonly string[];
  readonly #secrets: readonly string[];
  /** `values`: every value of a sensitive field; `secrets`: those that are secrets anywhere (default: all). */
  constructor(values: readonly string[], secrets: readonly string[] = values) {
    this.#values = Object.freeze([...new Set([...values, ...secrets])]);
    this.#secrets = Object.freeze([...secrets]);
  }
  /** Every value of a sensitive field: for free text stack did not build. */
  get values(): readonly string[] {
    return this.#values;
  }
  /** Values that are secrets wherever they appear: for names, ids and causes too. */
  get secrets(): readonly string[] {
    return this.#secrets;
  }
  toJSON(): string {
    return `(${this.#values.length} sensitive values)`;
  }
}

export interface Redactor {
  /** True when this displayed string holds a value. */
  isSensitive(text: string): boolean;
  /** True when any string inside this value (deeply) is sensitive. */
  containsSensitive(value: unknown): boolean;
  /** The string, or `(sensitive)` when it holds a value. */
  text(text: string): string;
  /** The string with each value in it replaced by `(sensitive)` (for names: the rest stays readable). */
  scrub(text: string): string;
}

export function makeRedactor(sensitiveValues: readonly string[] = []): Redactor {
  const exact = new Set<string>();
  const substrings: string[] = [];
  for (const v of sensitiveValues) {
    if (typeof v !== 'string' || v === '') continue;
    if (v.length < MIN_SUBSTRING_SECRET) exact.add(v);
    else substrings.push(v);
  }
  // Longest first, so a value inside another is not replaced before it.
  substrings.sort((a, b) => b.length - a.length);
  const isSensitive = (text: string): boolean => exact.has(text) || substrings.some((s) => text.includes(s));
  const containsSensitive = (value: unknown): boolean => {
    if (typeof value === 'string') return isSensitive(value);
    if (typeof value === 'number' || typeof value === 'boolean') return exact.has(String(value)) || isSensitive(String(value));
    if (Array.isArray(value)) return value.some(containsSensitive);
    if (value !== null && typeof value === 'object') return Object.values(value).some(containsSensitive);
    return false;
  };
  const scrub = (text: string): string => {
    if (exact.has(text)) return REDACTED;
    let out = text;
    for (const s of substrings) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  };
  return { isSensitive, containsSensitive, text: (t) => (isSensitive(t) ? REDACTED : t), scrub };
}

/**
 * A deep copy of a value where every sensitive string is replaced; `K=V` strings (Env
 * entries) keep their key so the output still says which variable it was.
 */
export function redactDeep(value: unknown, redactor: Redactor): unknown {
  if (typeof value === 'string') {
    if (!redactor.isSensitive(value)) return value;
    const eq = value.indexOf('=');
    if (eq > 0 && !redactor.isSensitive(value.slice(0, eq))) return `${value.slice(0, eq)}=${REDACTED}`;
    return REDACTED;
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redactor));
  if (value !== null && typeof value === 'object') {
    // A value that says how it serialises (FileContent, SensitiveValues) is rendered that way.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactDeep(toJSON.call(value), redactor);
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redactor);
    return out;
  }
  return value;
}
