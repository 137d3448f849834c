// What changed between the spec a container (network, volume) was made from and the one the
// model asks for now, down to the field, as the plan shows it: `environment.LOG_LEVEL "info"
// → "debug"`. Sensitive values never show: a field that holds one, now or when it was
// applied, prints as `(sensitive)` on both sides.

import { canonicalJson } from '../model/hash.js';
import type { CanonicalSpec } from './canonical.js';
import type { Cause, FieldChange } from './types.js';
import type { Redactor } from './redact.js';
import { REDACTED } from './redact.js';
import { digestPaths, isPlainObject, maskSensitive, pathSegment, sensitivePaths } from './sensitive-spec.js';

interface RawChange {
  path: string;
  before: unknown;
  after: unknown;
}

function diffValues(before: unknown, after: unknown, path: string, out: RawChange[]): void {
  if (canonicalJson(before) === canonicalJson(after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const b = Object.prototype.hasOwnProperty.call(before, key) ? before[key] : undefined;
      const a = Object.prototype.hasOwnProperty.call(after, key) ? after[key] : undefined;
      diffValues(b, a, pathSegment(path, key), out);
    }
    return;
  }
  // Lists of records of the same length (ports, mounts...) are compared item by item, so the
  // reason reads `ports[0].published`; other lists (command, cap_add) change as a whole.
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    before.length === after.length &&
    before.every(isPlainObject) &&
    after.every(isPlainObject)
  ) {
    before.forEach((b, i) => diffValues(b, after[i], `${path}[${i}]`, out));
    return;
  }
  out.push({ path: path === '' ? '(spec)' : path, before, after });
}

const MAX_VALUE_CHARS = 80;

/** A value as shown in a plan: JSON, redacted, shortened. */
export function displayValue(value: unknown, redactor: Redactor): string | undefined {
  if (value === undefined) return undefined;
  if (redactor.containsSensitive(value)) return REDACTED;
  const text = JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function coveredBy(path: string, recorded: readonly string[]): boolean {
  return recorded.some(
    (p) => p === path || path.startsWith(`${p}.`) || path.startsWith(`${p}[`) || p.startsWith(`${path}.`) || p.startsWith(`${path}[`),
  );
}

/**
 * The fields that differ between the last applied spec and the new one, redacted.
 *
 * Like is compared with like: every field that is sensitive on either side (now, by the
 * model's values; when it was applied, by the recorded paths; or recorded as a digest) is
 * compared by digest on both sides. So an unchanged secret is no change, whether its label
 * holds a digest or (made by an older stack) the value in clear, and a changed one shows as
 * `(sensitive) → (sensitive)`: both sides hidden.
 */
export function diffSpecs(
  before: unknown,
  after: CanonicalSpec,
  redactor: Redactor,
  previouslySensitive: readonly string[] = [],
  currentlySensitive: readonly string[] = sensitivePaths(after, redactor),
): FieldChange[] {
  const hiddenPaths = [...new Set([...currentlySensitive, ...previouslySensitive, ...digestPaths(before)])];
  const raw: RawChange[] = [];
  diffValues(maskSensitive(before, hiddenPaths), maskSensitive(after, hiddenPaths), '', raw);
  return raw.map((c) => {
    const change: { path: string; before?: string; after?: string } = { path: c.path };
    const hidden = redactor.containsSensitive(c.before) || redactor.containsSensitive(c.after) || coveredBy(c.path, hiddenPaths);
    const b = hidden && c.before !== undefined ? REDACTED : displayValue(c.before, redactor);
    const a = hidden && c.after !== undefined ? REDACTED : displayValue(c.after, redactor);
    if (b !== undefined) change.before = b;
    if (a !== undefined) change.after = a;
    return change;
  });
}

/** `environment.LOG_LEVEL "info" → "debug"`, `+ports[1] {...}`-style text for one change. */
export function describeChange(change: FieldChange): string {
  if (change.before === undefined) return `${change.path} added ${change.after ?? ''}`.trimEnd();
  if (change.after === undefined) return `${change.path} removed (was ${change.before})`;
  return `${change.path} ${change.before} → ${change.after}`;
}

/** The cause of a recreate whose spec hash differs: the first three changed fields. */
export function changedCause(
  previous: unknown,
  spec: CanonicalSpec,
  redactor: Redactor,
  previouslySensitive: readonly string[] = [],
  currentlySensitive?: readonly string[],
): Cause {
  if (previous === undefined) {
    return { kind: 'changed', text: 'config hash differs (no recorded spec to compare)' };
  }
  const changes = diffSpecs(previous, spec, redactor, previouslySensitive, currentlySensitive);
  if (changes.length === 0) return { kind: 'changed', text: 'config hash differs' };
  const shown = changes.slice(0, 3).map(describeChange);
  const more = changes.length > 3 ? `, and ${changes.length - 3} more` : '';
  return { kind: 'changed', text: shown.join(', ') + more, changes };
}
