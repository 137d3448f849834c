// Which values of a plan must never be displayed. A plan is a plain JSON value that must not
// carry secrets itself (someone will print it), yet its container bodies hold them (the
// executor needs them). So `reconcile` records the model's sensitive values here, keyed by
// the plan object, and `formatPlan` / `planToJson` look them up. Callers that rebuild or
// copy a plan can pass `sensitiveValues` to the formatters explicitly.

import type { Plan } from './types.js';

const byPlan = new WeakMap<Plan, readonly string[]>();

export function registerSensitiveValues(plan: Plan, values: readonly string[]): void {
  byPlan.set(plan, [...values]);
}

export function sensitiveValuesOf(plan: Plan): readonly string[] {
  return byPlan.get(plan) ?? [];
}
