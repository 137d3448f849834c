// The swarm planner's context: what every phase reads (model, snapshot, inputs, options) and
// what phases add to (operations, warnings, problems). The same shape as the container
// planner's (src/planner/phases/context.ts), with the Swarm snapshot.

import type { StackModel } from '../../model/types.js';
import type { SwarmObservedState } from '../../api/swarm-observed.js';
import { PlanBuilder } from '../../planner/graph.js';
import { makeRedactor, type Redactor } from '../../planner/redact.js';
import type { PlanWarning } from '../../planner/types.js';
import type { SwarmPlanInputs, SwarmPlanOptions } from './types.js';

export interface SwarmPlanContext {
  readonly model: StackModel;
  readonly observed: SwarmObservedState;
  readonly inputs: SwarmPlanInputs;
  readonly options: SwarmPlanOptions;
  readonly projectName: string;
  readonly redactor: Redactor;
  readonly builder: PlanBuilder;
  readonly warnings: PlanWarning[];
  /** What makes the plan impossible; reported together before any operation is planned. */
  readonly problems: string[];
  /** The services in scope, in name order. */
  readonly scope: readonly string[];
}

export function swarmPlanContext(model: StackModel, observed: SwarmObservedState, inputs: SwarmPlanInputs, options: SwarmPlanOptions): SwarmPlanContext {
  const all = Object.keys(model.services).sort();
  const wanted = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
  const problems: string[] = [];
  for (const name of wanted ?? []) if (!(name in model.services)) problems.push(`no such service: ${name}`);
  return {
    model,
    observed,
    inputs,
    options,
    projectName: model.projectName,
    redactor: makeRedactor(model.sensitiveValues),
    builder: new PlanBuilder(),
    warnings: [],
    problems,
    scope: wanted ? all.filter((n) => wanted.has(n)) : all,
  };
}
