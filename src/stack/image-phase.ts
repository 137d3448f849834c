// `up` gets its images first. When the plan builds, tags or pulls images, those operations run
// alone, before anything of the project is created or removed; a failure there ends the run
// with the project untouched (no network either). `up` then observes again and plans again
// (with the images settled), so that a container is recreated only when its image id really
// changed: a rebuild that gave the same id recreates nothing.
//
// A failure here is never taken for "the engine changed under the plan" (apply.ts converge):
// a failing build, a missing image, refused credentials give the same answer when tried
// again. The one failure that is not the end: a pull of an image the service can also build
// (Compose's rule, docker/compose pull.go): the images are planned again with that pull
// marked failed, which plans the build.

import type { EngineGateway } from '../engine/gateway.js';
import type { ImagePorts } from '../engine/image-ports.js';
import type { OperationOutcome } from '../engine/executor.js';
import type { Plan } from '../planner/types.js';
import { InterruptedError } from '../errors.js';
import { applyPlan, executePlan, type ApplyOptions } from './apply.js';
import type { RunHooks } from './events.js';
import { redactError, redactorFor } from './redaction.js';

export interface ImagesFirst {
  readonly gateway: EngineGateway;
  readonly options: ApplyOptions;
  readonly hooks: RunHooks;
  readonly ports: ImagePorts;
  /** The plan again, with these references' pulls marked failed. */
  readonly replan: (pullFailed: readonly string[]) => Promise<Plan>;
}

/** Runs the plan's image operations (see the top of this file). Throws what ends the run. */
export async function getImagesFirst(planned: Plan, run: ImagesFirst): Promise<void> {
  const { imagePart } = await import('../planner/image-plan.js');
  const images = imagePart(planned);
  const result = await executePlan(images, run.gateway, run.options, run.hooks, { images: run.ports });
  if (result === undefined || result.ok) return;
  if (result.interrupted || run.hooks.signal?.aborted) {
    throw new InterruptedError('interrupted while getting images: nothing of the project was changed', { hint: 'run the same command again' });
  }
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const fallbacks = failed.filter((o) => images.operations.some((op) => op.id === o.opId && op.kind === 'image.pull' && op.buildIfPullFails === true));
  if (fallbacks.length < failed.length) throw redactError(result.error!, redactorFor({ plan: images }));
  for (const outcome of fallbacks) warnPullFailed(outcome, run.hooks);
  const again = imagePart(await run.replan(fallbacks.map((o) => o.target)));
  await applyPlan(again, run.gateway, run.options, run.hooks, { images: run.ports });
}

function warnPullFailed(outcome: OperationOutcome, hooks: RunHooks): void {
  const why = outcome.error?.message ?? 'it failed';
  hooks.onEvent?.({ type: 'warning', at: Date.now(), message: `could not pull ${outcome.target} (${why}): building it instead`, opId: outcome.opId, ...(outcome.service !== undefined ? { service: outcome.service } : {}) });
}
