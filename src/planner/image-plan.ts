// The image operations of a plan, as a plan of their own: `up` gets its images first (builds,
// tags, pulls), before anything of the project is created or removed, then plans again from
// what the engine then has (so that containers are recreated only when their image id really
// changed). See src/stack/image-phase.ts.

import type { ImageOperation, Operation, Plan } from './types.js';

export function isImageOperation(op: Operation): op is ImageOperation {
  return op.kind.startsWith('image.');
}

/** Whether the plan builds, tags, pulls, pushes or removes images. */
export function hasImageWork(plan: Plan): boolean {
  return plan.operations.some(isImageOperation);
}

/**
 * The plan's image operations alone, still in plan order. They never wait for anything else
 * (an image operation comes after image operations only), so this is a valid plan by itself.
 */
export function imagePart(plan: Plan): Plan {
  return { ...plan, operations: plan.operations.filter(isImageOperation) };
}
