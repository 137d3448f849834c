// The façade's one redactor: every event and every error that leaves the façade passes
// through it, so a value the user marked sensitive by where it came from (an interpolated
// variable, an env-file value, an inline secret) is never shown, whatever engine message or
// warning happens to quote it. It is fed by the plan (`plan.sensitive.values`) or, before
// there is a plan, by the model (`model.sensitiveValues`).
//
// Rule, as the planner's: a value shorter than 3 characters is hidden only when a whole text
// is that value (otherwise "1" would hide every number); longer ones wherever they appear.

import type { RunHooks, StackEvent } from './events.js';
import { isStackError } from '../errors.js';

export const REDACTED = '(sensitive)';

/** Values shorter than this are only redacted when a whole text equals them (`1`, `on`...). */
const MIN_SUBSTRING_SECRET = 3;

/** Replaces every sensitive value in a text with `(sensitive)`. */
export type Redact = (text: string) => string;

/** Changes nothing: for work that has no sensitive values (labels-only commands). */
export const noRedaction: Redact = (text) => text;

/** A function that replaces every sensitive value in a text with `(sensitive)`. */
export function redactor(sensitiveValues: readonly string[]): Redact {
  const long = [...new Set(sensitiveValues.filter((v) => v.length >= MIN_SUBSTRING_SECRET))].sort((a, b) => b.length - a.length);
  const short = new Set(sensitiveValues.filter((v) => v.length > 0 && v.length < MIN_SUBSTRING_SECRET));
  if (long.length === 0 && short.size === 0) return noRedaction;
  return (text) => {
    if (short.has(text)) return REDACTED;
    let out = text;
    for (const secret of long) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}

/** The redactor of whatever is known: the plan's values and the model's (a plan carries the model's, a down without a file has neither). */
export function redactorFor(sources: { readonly model?: { readonly sensitiveValues: readonly string[] }; readonly plan?: { readonly sensitive: { readonly values: readonly string[] } } }): Redact {
  return redactor([...(sources.plan?.sensitive.values ?? []), ...(sources.model?.sensitiveValues ?? [])]);
}

/** The event with every free text in it redacted (messages, hints, causes, warnings). */
export function redactEvent(event: StackEvent, redact: Redact): StackEvent {
  if (redact === noRedaction) return event;
  switch (event.type) {
    case 'op-failed':
      return { ...event, error: { ...event.error, message: redact(event.error.message), ...(event.error.hint !== undefined ? { hint: redact(event.error.hint) } : {}) } };
    case 'wait-progress':
    case 'image-progress':
    case 'warning':
    case 'model-warning':
      return { ...event, message: redact(event.message) };
    case 'plan':
      return { ...event, warnings: event.warnings.map(redact), steps: event.steps.map((s) => ({ ...s, cause: redact(s.cause) })) };
    case 'left-alone':
      return { ...event, containers: event.containers.map(redact), networks: event.networks.map(redact), volumes: event.volumes.map(redact) };
    default:
      return event;
  }
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
