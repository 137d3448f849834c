// Sensitive leaves of a spec, and the spec as its label records it.
//
// Which leaves are sensitive: the fields the model records as sensitive (model.sensitivePaths,
// by field: see model/sensitive.ts), and any leaf holding one of the model's secret values
// (a token interpolated into a field the spec derives from another, say). Everything else
// here takes the sensitive leaves as a list of PATHS (`environment.TOKEN`, `command`).
//
// The spec label (`dev.stack.spec`, the last applied spec, which later plans diff against)
// holds each sensitive leaf as a digest of its value instead of the value, so the value is
// in no label: not in `docker inspect`, not in `docker events`, not in anything that echoes
// labels. The digest is what lets the plan still say that a secret field changed (and that
// an unchanged one did not) without knowing either value.
//
// What the digest does not do: it is a fingerprint, not encryption. Whoever can read the
// labels can test guesses of a low-entropy secret against it offline, as they already can
// against the config-hash label (a hash of the whole spec with the value in it, like
// Compose's own config-hash, which must change when the secret does). Each digest is bound
// to its field's path, so one secret used in two fields does not show as the same digest.

import { createHash } from 'node:crypto';
import { formatSensitiveDigest, isSensitiveDigest } from '../api/labels.js';
import { canonicalJson } from '../model/hash.js';
import type { StackModel } from '../model/types.js';
import { isPlainObject, pathSegment, pathsUnder } from '../model/sensitive.js';
import type { Redactor } from './redact.js';

export { isPlainObject, pathSegment };

/**
 * Paths of a service's canonical spec that are sensitive: the service's sensitive fields in
 * the model (spec keys are the model's field names: `environment.DB_PASSWORD`, `image`), and
 * the leaves holding a secret value. Recorded on the container (`dev.stack.sensitive-paths`)
 * so that a later plan hides the OLD value too, even when the new model no longer lists it as
 * sensitive (a rotated password).
 */
export function serviceSensitivePaths(model: StackModel, serviceName: string, spec: Record<string, unknown>, redactor: Redactor): string[] {
  const byField = pathsUnder(model.sensitivePaths, pathSegment(pathSegment('', 'services'), serviceName)).filter((p) => {
    const top = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(p)?.[0];
    return top !== undefined && Object.prototype.hasOwnProperty.call(spec, top);
  });
  return [...new Set([...byField, ...deliveredContentPaths(spec), ...sensitivePaths(spec, redactor)])].sort();
}

/** `secrets[i].content` / `configs[i].content`: the contents of files delivered into the container (canonical.ts) are secret, whatever they hold. */
function deliveredContentPaths(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const kind of ['secrets', 'configs'] as const) {
    const refs = spec[kind];
    if (!Array.isArray(refs)) continue;
    refs.forEach((ref, i) => {
      if (isPlainObject(ref) && Object.hasOwn(ref, 'content')) out.push(`${kind}[${i}].content`);
    });
  }
  return out;
}

/** Paths of the leaves of `spec` that hold one of the redactor's values (lists of plain values as one leaf). */
export function sensitivePaths(spec: unknown, redactor: Redactor): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      // Lists of plain values change as a whole (see spec-diff.ts): record the list itself.
      if (!value.every(isPlainObject)) {
        if (redactor.containsSensitive(value)) out.push(path);
        return;
      }
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    if (isPlainObject(value)) {
      for (const key of Object.keys(value).sort()) walk(value[key], pathSegment(path, key));
      return;
    }
    if (redactor.containsSensitive(value)) out.push(path);
  };
  walk(spec, '');
  return out;
}

/** The digest a label records for the value at `path`. Deterministic: the same value at the same path gives the same digest. */
export function sensitiveDigest(path: string, value: unknown): string {
  const hex = createHash('sha256').update(`dev.stack.sensitive/v1\n${path}\n${canonicalJson(value)}`).digest('hex');
  return formatSensitiveDigest(hex);
}

/**
 * A copy of `spec` with the value at each of `paths` replaced by its digest (values that are
 * digests already, read from a label, stay as they are). Paths that lead nowhere are ignored.
 */
export function maskSensitive(spec: unknown, paths: Iterable<string>): unknown {
  const wanted = new Set(paths);
  if (wanted.size === 0) return spec;
  const walk = (value: unknown, path: string): unknown => {
    if (path !== '' && wanted.has(path)) return isSensitiveDigest(value) ? value : sensitiveDigest(path, value);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    if (!isPlainObject(value)) return value;
    // User keys (environment names...) may be `__proto__`: a null-prototype copy keeps them data.
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = walk(value[key], pathSegment(path, key));
    return out;
  };
  return walk(spec, '');
}

/** Paths at which a recorded spec holds a digest. */
export function digestPaths(spec: unknown): string[] {
  const out: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (isSensitiveDigest(value)) out.push(path);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (isPlainObject(value)) for (const key of Object.keys(value)) walk(value[key], pathSegment(path, key));
  };
  walk(spec, '');
  return out;
}

/** The text of the spec label: the canonical JSON of the spec, each sensitive leaf a digest. */
export function specLabel(spec: unknown, sensitive: readonly string[]): string {
  return canonicalJson(maskSensitive(spec, sensitive));
}
