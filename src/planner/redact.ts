// Redaction of sensitive values (interpolated variables, env-file values, inline secrets)
// before anything is displayed. Rule: a value shorter than 3 characters is only hidden on an
// exact match (otherwise "1" would hide every number); longer ones are hidden wherever they
// appear inside a displayed string.

export const REDACTED = '(sensitive)';

/**
 * The values a plan must never display, carried inside the plan. The list is private to the
 * object and serialises as a count, so printing a plan (or a copy of it) never prints them.
 */
export class SensitiveValues {
  static readonly none = new SensitiveValues([]);
  readonly #values: readonly string[];
  constructor(values: readonly string[]) {
    this.#values = Object.freeze([...values]);
  }
  get values(): readonly string[] {
    return this.#values;
  }
  toJSON(): string {
    return `(${this.#values.length} sensitive values)`;
  }
}

export interface Redactor {
  /** True when this displayed string must not be shown. */
  isSensitive(text: string): boolean;
  /** True when any string inside this value (deeply) is sensitive. */
  containsSensitive(value: unknown): boolean;
  /** The string, or `(sensitive)`. */
  text(text: string): string;
}

export function makeRedactor(sensitiveValues: readonly string[] = []): Redactor {
  const exact = new Set<string>();
  const substrings: string[] = [];
  for (const v of sensitiveValues) {
    if (typeof v !== 'string' || v === '') continue;
    if (v.length < 3) exact.add(v);
    else substrings.push(v);
  }
  const isSensitive = (text: string): boolean => exact.has(text) || substrings.some((s) => text.includes(s));
  const containsSensitive = (value: unknown): boolean => {
    if (typeof value === 'string') return isSensitive(value);
    if (typeof value === 'number' || typeof value === 'boolean') return exact.has(String(value)) || isSensitive(String(value));
    if (Array.isArray(value)) return value.some(containsSensitive);
    if (value !== null && typeof value === 'object') return Object.values(value).some(containsSensitive);
    return false;
  };
  return { isSensitive, containsSensitive, text: (t) => (isSensitive(t) ? REDACTED : t) };
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
