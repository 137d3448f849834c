// The planner's public surface: pure functions from (model, observed state) to a plan, and
// the plan's text and JSON forms.
export { reconcile, DEFAULT_WAIT_TIMEOUT_MS, observedImageId } from './reconcile.js';
export { planDown, type DownOptions } from './down.js';
export { formatPlan, planToJson, planLines, planSummary, type FormatOptions, type PlanColors, type PlanLine } from './format.js';
export { buildContainerCreateBody } from './container-spec.js';
export { canonicalServiceSpec, specHash } from './canonical.js';
export { containerName, anonymousVolumeName } from './names.js';
export type * from './types.js';
export { hasImageWork, imagePart, isImageOperation } from './image-plan.js';
export { planImageCommand, type ImageCommandRequest, type ImageCommandPlan, type SkippedImage } from './image-commands.js';
