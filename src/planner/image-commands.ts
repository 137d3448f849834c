// The plans of `stack build`, `stack pull` and `stack push`: image operations only, for the
// services named (the caller has already added their dependencies when asked). Pure, like
// reconcile: the content hashes, pull times and clock come in `images`.
//
//   build  every service with a `build:` section is built (services with identical builds once,
//          the image tagged for the others), but for an image that is up to date (built by
//          stack from the same inputs on the same base images: image-decision.ts upToDate),
//          which is listed as such. Services without one are left out.
//   pull   what `docker compose pull` does (image/pull-policy.ts pullCommandDecision): services
//          without `image:` have nothing to pull; pull_policy never and build skip; a tag that
//          is present is pulled again only when it is `latest` (it moves).
//   push   the services with both `build:` and `image:`, their image and its `build.tags`. An
//          image that is not present is a problem: build it first.

import { serviceImageName } from '../model/image-name.js';
import type { ServiceSpec, StackModel } from '../model/types.js';
import type { ObservedState } from '../api/observed.js';
import { pullCommandDecision, type PullPolicy as PolicyMeaning } from '../image/pull-policy.js';
import { dedupeWarnings, problemError, reconcileContext } from './phases/context.js';
import { observedImageId } from './phases/image-decision.js';
import { ImagePhase } from './phases/images.js';
import { inChange, opId } from './ids.js';
import { SensitiveValues } from './redact.js';
import type { ImageInputs, Plan } from './types.js';

export interface ImageCommandRequest {
  readonly command: 'build' | 'pull' | 'push';
  /** The services, by name (none: all). */
  readonly services?: readonly string[];
  readonly images?: ImageInputs;
}

/** A service `pull` or `push` leaves alone, and why. */
export interface SkippedImage {
  readonly service: string;
  readonly image: string;
  readonly reason: string;
}

/** A service `build` leaves alone: its image is up to date. */
export interface CurrentImage {
  readonly service: string;
  readonly image: string;
  readonly imageId: string;
}

export interface ImageCommandPlan {
  readonly plan: Plan;
  readonly skipped: readonly SkippedImage[];
  /** `build` only: the services whose image is up to date. */
  readonly upToDate: readonly CurrentImage[];
}

export function planImageCommand(model: StackModel, observed: ObservedState, request: ImageCommandRequest): ImageCommandPlan {
  const names = request.services !== undefined && request.services.length > 0 ? [...request.services].sort() : Object.keys(model.services).sort();
  const services = names.map((name) => model.services[name]).filter((s): s is ServiceSpec => s !== undefined);
  const ctx = reconcileContext(model, observed, {
    images: request.images ?? {},
    ...(request.command === 'build' ? { build: { policy: 'always' } } : {}),
  });
  const skipped: SkippedImage[] = [];
  const upToDate: CurrentImage[] = [];
  if (request.command === 'build') {
    const phase = new ImagePhase(ctx);
    const built = services.filter((s) => s.build !== undefined);
    phase.plan(built, new Set());
    for (const service of built) {
      const d = phase.decision(service);
      if (d.kind === 'use') upToDate.push({ service: service.name, image: d.reference, imageId: d.imageId });
    }
  } else if (request.command === 'pull') {
    planPulls(ctx, services, skipped);
  } else {
    planPushes(ctx, services, skipped);
  }
  if (ctx.problems.length > 0) throw problemError(ctx.problems);
  const secrets = [...model.secretValues, ...Object.values(request.images?.buildArgs ?? {})];
  return { plan: { projectName: model.projectName, operations: ctx.builder.build(), warnings: dedupeWarnings(ctx.warnings), sensitive: new SensitiveValues(model.sensitiveValues, secrets) }, skipped, upToDate };
}

type Ctx = ReturnType<typeof reconcileContext>;

function policyOf(service: ServiceSpec): PolicyMeaning | undefined {
  switch (service.pullPolicy) {
    case undefined:
      return undefined;
    case 'refresh':
      return { kind: 'refresh', everyMs: service.pullRefreshAfterMs ?? 0, text: 'refresh' };
    default:
      return { kind: service.pullPolicy };
  }
}

function planPulls(ctx: Ctx, services: readonly ServiceSpec[], skipped: SkippedImage[]): void {
  const inputs = ctx.options.images ?? {};
  const planned = new Set<string>();
  for (const service of services) {
    const image = serviceImageName(ctx.projectName, service);
    const present = observedImageId(ctx.observed.images, image) !== undefined;
    const lastPulledAt = inputs.lastPulls?.[image];
    const decision = pullCommandDecision(
      policyOf(service),
      { present, pullable: service.image !== undefined, buildable: service.build !== undefined, ...(lastPulledAt !== undefined ? { lastPulledAt } : {}) },
      inputs.now ?? 0,
      isLatestTag(image),
    );
    if (decision.action === 'skip') {
      skipped.push({ service: service.name, image, reason: decision.reason });
      continue;
    }
    if (planned.has(image)) continue;
    planned.add(image);
    ctx.builder.add({
      id: opId.pull(image),
      kind: 'image.pull',
      image,
      ...(service.platform !== undefined ? { platform: service.platform } : {}),
      after: [],
      cause: { kind: present ? 'forced' : 'missing', text: decision.reason },
      service: service.name,
      ...inChange('pull', 'image', image),
    });
  }
}

function planPushes(ctx: Ctx, services: readonly ServiceSpec[], skipped: SkippedImage[]): void {
  const planned = new Set<string>();
  for (const service of services) {
    const image = serviceImageName(ctx.projectName, service);
    if (service.build === undefined || service.image === undefined) {
      skipped.push({ service: service.name, image, reason: service.build === undefined ? 'not built by stack (no build section)' : 'no image name to push to (no image:)' });
      continue;
    }
    if (observedImageId(ctx.observed.images, image) === undefined) {
      ctx.problems.push(`service ${service.name}: image ${image} is not present: build it first (stack build ${service.name})`);
      continue;
    }
    for (const reference of [image, ...service.build.tags]) {
      if (planned.has(reference)) continue;
      planned.add(reference);
      ctx.builder.add({
        id: opId.push(reference),
        kind: 'image.push',
        image: reference,
        after: [],
        cause: { kind: 'forced', text: reference === image ? 'stack push' : `build.tags of ${service.name}` },
        service: service.name,
        ...inChange('push', 'image', reference),
      });
    }
  }
}

/** A reference without a tag or digest, or tagged `latest`. */
function isLatestTag(reference: string): boolean {
  if (reference.includes('@')) return false;
  const lastSegment = reference.slice(reference.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon < 0 || lastSegment.slice(colon + 1) === 'latest';
}
