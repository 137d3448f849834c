// The façade's one redactor: every event and every error that leaves the façade passes
// through it, so a secret is never shown, whatever engine message or warning happens to quote
// it. It is fed by the plan (`plan.sensitive`) or, before there is a plan, by the model.
//
// Two kinds of text, two sets of values (see model/sensitive.ts):
//   - free text stack does not build (an engine's error message, a warning quoting one) is
//     redacted with EVERY value of a sensitive field (`values`): an env_file's `info` too;
//   - names, operation ids, targets and the planner's causes are scrubbed of the SECRETS only
//     (`secrets`: tokens, passwords), so that a value that is sensitive only by field (ROLE's
//     `app`) never cuts `(sensitive)` into `myapp-web-1`. The planner already wrote its causes
//     by field.
// Rule for both: a value shorter than 3 characters is hidden only when a whole text is that
// value (otherwise "1" would hide every number); longer ones wherever they appear.

import type { RunHooks, StackEvent } from './events.js';
import { isStackError } from '../errors.js';
import { MIN_SUBSTRING_SECRET } from '../model/sensitive.js';

export const REDACTED = '(sensitive)';

/** Replaces every sensitive value in a free text with `(sensitive)`; `names` scrubs only the secrets, for names and ids. */
export interface Redact {
  (text: string): string;
  readonly names: (text: string) => string;
}

const identity = (text: string): string => text;

/** Changes nothing: for work that has no sensitive values (labels-only commands). */
export const noRedaction: Redact = Object.assign((text: string) => text, { names: identity });

/** A function that replaces each of `values` in a text with `(sensitive)`. */
function replacer(values: readonly string[]): (text: string) => string {
  const long = [...new Set(values.filter((v) => v.length >= MIN_SUBSTRING_SECRET))].sort((a, b) => b.length - a.length);
  const short = new Set(values.filter((v) => v.length > 0 && v.length < MIN_SUBSTRING_SECRET));
  if (long.length === 0 && short.size === 0) return identity;
  return (text) => {
    if (short.has(text)) return REDACTED;
    let out = text;
    for (const secret of long) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}

/** The redactor of free text with `sensitiveValues`, and of names with `secrets` (default: the same values). */
export function redactor(sensitiveValues: readonly string[], secrets: readonly string[] = sensitiveValues): Redact {
  const text = replacer([...sensitiveValues, ...secrets]);
  const names = replacer(secrets);
  if (text === identity && names === identity) return noRedaction;
  return Object.assign(text, { names });
}

interface ModelValues {
  readonly sensitiveValues: readonly string[];
  readonly secretValues: readonly string[];
}
interface PlanValues {
  readonly sensitive: { readonly values: readonly string[]; readonly secrets: readonly string[] };
}

/** The redactor of whatever is known: the plan's values and the model's (a plan carries the model's, a down without a file has neither). */
export function redactorFor(sources: { readonly model?: ModelValues; readonly plan?: PlanValues }): Redact {
  return redactor(
    [...(sources.plan?.sensitive.values ?? []), ...(sources.model?.sensitiveValues ?? [])],
    [...(sources.plan?.sensitive.secrets ?? []), ...(sources.model?.secretValues ?? [])],
  );
}

/** The event with every free text in it redacted (messages, hints, warnings), and secrets scrubbed out of names, ids and causes. */
export function redactEvent(event: StackEvent, redact: Redact): StackEvent {
  if (redact === noRedaction) return event;
  const named = scrubNames(event, redact.names);
  switch (named.type) {
    case 'op-failed':
      return { ...named, error: { ...named.error, message: redact(named.error.message), ...(named.error.hint !== undefined ? { hint: redact(named.error.hint) } : {}) } };
    case 'wait-progress':
    case 'image-progress':
    case 'warning':
    case 'model-warning':
      return { ...named, message: redact(named.message) };
    case 'plan':
      return {
        ...named,
        warnings: named.warnings.map(redact),
        steps: named.steps.map((s) => ({ ...s, id: redact.names(s.id), target: redact.names(s.target), ...(s.group !== undefined ? { group: redact.names(s.group) } : {}), cause: redact.names(s.cause) })),
      };
    case 'left-alone':
      return { ...named, containers: named.containers.map(redact.names), networks: named.networks.map(redact.names), volumes: named.volumes.map(redact.names) };
    default:
      return named;
  }
}

/** An executor event's operation id, target, group and container: scrubbed of secrets (an image reference may hold a token). */
function scrubNames(event: StackEvent, names: (text: string) => string): StackEvent {
  const e = event as unknown as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of ['opId', 'target', 'group', 'container', 'blockedBy']) {
    const v = e[key];
    if (typeof v !== 'string') continue;
    const scrubbed = names(v);
    if (scrubbed === v) continue;
    copy ??= { ...e };
    copy[key] = scrubbed;
  }
  return (copy ?? e) as unknown as StackEvent;
}

/** A listener that redacts every event before `onEvent` sees it. */
export function redactingListener(onEvent: ((event: StackEvent) => void) | undefined, redact: Redact): (event: StackEvent) => void {
  return (event) => onEvent?.(redactEvent(event, redact));
}

/** The same hooks, with every event redacted before the caller's listener sees it. */
export function redactingHooks(hooks: RunHooks, redact: Redact): RunHooks {
  if (redact === noRedaction || !hooks.onEvent) return hooks;
  return { ...hooks, onEvent: redactingListener(hooks.onEvent, redact) };
}

/** How deep a chain of causes is followed (a loop of causes must not hang the redactor). */
const MAX_CAUSES = 8;

/**
 * The same error with its message, hint and stack trace redacted, and those of its causes
 * (`--debug` prints both). A StackError keeps its class, exit code and typed fields: messages
 * are readonly on purpose, and rewriting them in place is the least surprising way to keep
 * all of that. Any other error is a bug report in the making: it is redacted the same way,
 * since the entry point shows its message too.
 */
export function redactError<E>(e: E, redact: Redact): E {
  if (redact === noRedaction) return e;
  let current: unknown = e;
  for (let depth = 0; current instanceof Error && depth < MAX_CAUSES; depth++) {
    rewrite(current, 'message', redact);
    rewrite(current, 'stack', redact);
    if (isStackError(current)) rewrite(current, 'hint', redact);
    current = current.cause;
  }
  return e;
}

function rewrite(target: Error, key: 'message' | 'stack' | 'hint', redact: Redact): void {
  const value = (target as unknown as Record<string, unknown>)[key];
  if (typeof value !== 'string') return;
  const redacted = redact(value);
  if (redacted !== value) Object.defineProperty(target, key, { value: redacted, configurable: true, writable: true });
}

/** Runs `work`; whatever it throws leaves redacted. */
export async function redactingErrors<T>(redact: Redact, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw redactError(e, redact);
  }
}
