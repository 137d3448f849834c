// The reconciler's context: what every phase of `reconcile` reads (the model, the observed
// state, the options) and the three things phases add to (the plan's operations, its
// warnings, the problems that stop it). Phases receive it, plus the results of the phases
// before them, and return their own results: no phase reaches into another's locals.

import { OperationError } from '../../errors.js';
import type { StackModel } from '../../model/types.js';
import type { ObservedState } from '../../api/observed.js';
import { PlanBuilder } from '../graph.js';
import { makeRedactor, type Redactor } from '../redact.js';
import type { PlanWarning, ReconcileOptions } from '../types.js';

/** Bound on a dependency wait when the caller gives none: health checks with long start periods must fit. */
export const DEFAULT_WAIT_TIMEOUT_MS = 300_000;

export interface ReconcileContext {
  readonly model: StackModel;
  readonly observed: ObservedState;
  readonly options: ReconcileOptions;
  readonly projectName: string;
  /**
   * Finds the model's secret values (model.secretValues) in what the planner writes: causes,
   * and leaves of specs derived from sensitive fields. Sensitive fields themselves are known
   * by path (model.sensitivePaths).
   */
  readonly redactor: Redactor;
  /** The plan's operations, added by id. */
  readonly builder: PlanBuilder;
  readonly warnings: PlanWarning[];
  /** What makes the plan impossible; reported together before any operation is planned. */
  readonly problems: string[];
  readonly waitTimeoutMs: number;
  /** `timeoutSeconds` for stops and restarts, when the caller gave one. */
  readonly stopTimeout: { readonly timeoutSeconds?: number };
}

export function reconcileContext(model: StackModel, observed: ObservedState, options: ReconcileOptions): ReconcileContext {
  return {
    model,
    observed,
    options,
    projectName: model.projectName,
    redactor: makeRedactor(model.secretValues),
    builder: new PlanBuilder(),
    warnings: [],
    problems: [],
    waitTimeoutMs: options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
    stopTimeout: options.stopTimeoutSeconds !== undefined ? { timeoutSeconds: options.stopTimeoutSeconds } : {},
  };
}

/** One error for every problem found, so the user fixes them in one go. */
export function problemError(problems: readonly string[]): OperationError {
  if (problems.length === 1) return new OperationError(problems[0]!);
  return new OperationError(`cannot apply the plan:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/** Warnings in first-said order, each once (a warning may be found once per replica). */
export function dedupeWarnings(warnings: readonly PlanWarning[]): PlanWarning[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = `${w.service ?? ''}\u0000${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
