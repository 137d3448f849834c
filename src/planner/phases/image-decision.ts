// Phase 3, the images phase's decision for one service: how its image is had. Pure: what only
// I/O can tell (the build's content hash now, what changed since the image was built, when the
// image was last pulled, the clock) comes in `options.images`, gathered by the façade.
//
//   use          the image present is the one to run;
//   pull         pull it (missing; pull_policy always; a refresh policy whose time has come);
//   build        build it (missing and buildable; --build; pull_policy build; a failed pull
//                of a service that can build);
//   rebuild      build it again: the image stack built carries another build hash than the
//                build has now (a context file, the Dockerfile, an arg, the target changed);
//   unavailable  missing and no way to have it (pull_policy never, no build, --no-build...).
//
// The pull policies follow Compose (image/pull-policy.ts pullDecision); the rebuild is ours:
// Compose never rebuilds on `up` when the context changed. Also ours: `stack build` and
// `up --build` use an image whose build would change nothing (upToDate) instead of sending the
// context to the engine to hear that every step is cached. An image that carries no build hash
// (pulled from a registry, or built by another tool) is used as it is: there is nothing to
// compare, and Compose would use it too.

import type { ServiceSpec } from '../../model/types.js';
import { serviceImageName } from '../../model/image-name.js';
import { pullDecision, type PullPolicy as PolicyMeaning } from '../../image/pull-policy.js';
import type { BuildChange } from '../types.js';
import type { ReconcileContext } from './context.js';

export type ImageDecision =
  | { readonly kind: 'use'; readonly reference: string; readonly imageId: string }
  | {
      readonly kind: 'pull';
      readonly reference: string;
      /** The id of the image present, when there is one (pulled again). */
      readonly imageId?: string;
      readonly cause: string;
      readonly buildIfPullFails: boolean;
    }
  | {
      readonly kind: 'build';
      readonly reference: string;
      readonly imageId?: string;
      readonly verb: 'build' | 'rebuild';
      readonly cause: string;
      /** The build changed since the image was built: containers of the old image will be replaced. */
      readonly changed: boolean;
    }
  | { readonly kind: 'unavailable'; readonly reference: string; readonly reason: string };

/** `busybox` is stored as `busybox:latest` by the engine. */
export function observedImageId(images: Readonly<Record<string, string>>, reference: string): string | undefined {
  const direct = images[reference];
  if (direct !== undefined) return direct;
  const lastSegment = reference.slice(reference.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':') && !reference.includes('@')) return images[`${reference}:latest`];
  return undefined;
}

/** How `up` treats a service's build: built regardless (`--build`), never (`--no-build`), or when needed. */
export function buildPolicyOf(ctx: ReconcileContext, serviceName: string): 'auto' | 'always' | 'never' {
  const requested = ctx.options.build;
  if (requested === undefined) return 'auto';
  if (requested.policy === 'always' && requested.services !== undefined && requested.services.length > 0 && !requested.services.includes(serviceName)) return 'auto';
  return requested.policy;
}

export function decideImage(ctx: ReconcileContext, service: ServiceSpec): ImageDecision {
  const reference = serviceImageName(ctx.projectName, service);
  const imageId = observedImageId(ctx.observed.images, reference);
  const inputs = ctx.options.images ?? {};
  const present = imageId !== undefined ? { imageId } : {};
  if (inputs.settled) {
    return imageId !== undefined
      ? { kind: 'use', reference, imageId }
      : { kind: 'unavailable', reference, reason: `image ${reference} is not present although this run built and pulled its images` };
  }
  const buildPolicy = buildPolicyOf(ctx, service.name);
  const buildable = service.build !== undefined && buildPolicy !== 'never';
  const forcedBuild = (cause: string): ImageDecision => ({ kind: 'build', reference, ...present, verb: imageId === undefined ? 'build' : 'rebuild', cause, changed: false });
  if (buildable && buildPolicy === 'always') return imageId !== undefined && upToDate(ctx, service, reference, imageId) ? { kind: 'use', reference, imageId } : forcedBuild('requested (--build)');
  if (buildable && inputs.pullFailed?.includes(reference)) return forcedBuild(`the pull of ${reference} failed`);

  const policy = policyMeaning(ctx, service);
  const decision = pullDecision(
    policy,
    {
      present: imageId !== undefined,
      ...(inputs.lastPulls?.[reference] !== undefined ? { lastPulledAt: inputs.lastPulls[reference] } : {}),
      buildable,
      pullable: service.image !== undefined,
    },
    inputs.now ?? 0,
  );
  switch (decision.action) {
    case 'use':
      return (buildable && rebuildIfChanged(ctx, service, reference, imageId!)) || { kind: 'use', reference, imageId: imageId! };
    case 'pull':
      return { kind: 'pull', reference, ...present, cause: pullCause(ctx, decision.reason), buildIfPullFails: decision.buildIfPullFails };
    case 'build':
      return imageId === undefined ? { kind: 'build', reference, verb: 'build', cause: 'no image', changed: false } : forcedBuild(decision.reason);
    case 'missing-error':
      return { kind: 'unavailable', reference, reason: unavailableReason(reference, service, buildPolicy, decision.reason) };
  }
}

/** The service's pull_policy (or `up --pull`), as image/pull-policy.ts means it. */
function policyMeaning(ctx: ReconcileContext, service: ServiceSpec): PolicyMeaning {
  const override = ctx.options.pull;
  if (override !== undefined) return { kind: override };
  switch (service.pullPolicy) {
    case undefined:
      return { kind: 'missing' };
    case 'refresh': {
      const everyMs = service.pullRefreshAfterMs ?? 0;
      return { kind: 'refresh', everyMs, text: refreshText(everyMs) };
    }
    default:
      return { kind: service.pullPolicy };
  }
}

const DAY_MS = 24 * 3600 * 1000;

/** How a refresh interval reads in a cause: `daily`, `weekly`, else `every_<hours>h`/`<minutes>m`/`<seconds>s`. */
function refreshText(everyMs: number): string {
  if (everyMs === DAY_MS) return 'daily';
  if (everyMs === 7 * DAY_MS) return 'weekly';
  if (everyMs % 3_600_000 === 0) return `every_${everyMs / 3_600_000}h`;
  if (everyMs % 60_000 === 0) return `every_${everyMs / 60_000}m`;
  return `every_${Math.round(everyMs / 1000)}s`;
}

function pullCause(ctx: ReconcileContext, reason: string): string {
  const override = ctx.options.pull;
  if (override !== undefined && reason === `pull_policy ${override}`) return `--pull ${override}`;
  return reason === 'image not present' ? 'no image' : reason;
}

/**
 * A present image stack built from another version of the build: rebuilt, saying what changed.
 * Nothing to compare (no label on the image, or no hash of the build now) keeps the image.
 */
function rebuildIfChanged(ctx: ReconcileContext, service: ServiceSpec, reference: string, imageId: string): ImageDecision | undefined {
  const inputs = ctx.options.images ?? {};
  const labelled = labelOf(ctx.observed.imageBuildHashes, reference);
  const now = inputs.buildHashes?.[service.name];
  if (labelled === undefined || now === undefined || labelled === now) return undefined;
  return { kind: 'build', reference, imageId, verb: 'rebuild', cause: changeText(inputs.buildChanges?.[service.name]), changed: true };
}

/**
 * A build asked for (`stack build`, `up --build`) that would give the image present: it was
 * built by stack from the same inputs (build hash) on the same base images (their ids now),
 * its extra tags are still on it, and nothing asks the builder to look again (no-cache, pull)
 * or reaches outside those inputs (an ADD of a URL). The builder would only answer "cached"
 * for every step; a changed base, file, arg or Dockerfile builds.
 */
export function upToDate(ctx: ReconcileContext, service: ServiceSpec, reference: string, imageId: string): boolean {
  const inputs = ctx.options.images ?? {};
  const build = service.build;
  if (build === undefined || inputs.noCache || inputs.pullBaseImages || build.noCache || build.pull || build.noCacheFilter.length > 0) return false;
  if (inputs.buildFetchesUrls?.includes(service.name)) return false;
  const hash = inputs.buildHashes?.[service.name];
  const bases = inputs.buildBases?.[service.name];
  if (hash === undefined || bases === undefined) return false;
  if (labelOf(ctx.observed.imageBuildHashes, reference) !== hash || labelOf(ctx.observed.imageBuildBases, reference) !== bases) return false;
  return build.tags.every((tag) => observedImageId(ctx.observed.images, tag) === imageId);
}

/** A label of the image by its reference (`busybox` is stored as `busybox:latest`). */
function labelOf(labels: Readonly<Record<string, string>> | undefined, reference: string): string | undefined {
  return labels === undefined ? undefined : observedImageId(labels, reference);
}

/** Files named in a cause, at most; more are counted. */
const FILES_NAMED = 3;

/** `app/index.html changed`, `Dockerfile changed; build args changed (VERSION)`, or `build context changed` when unknown. */
export function changeText(change: BuildChange | undefined): string {
  if (change === undefined) return 'build context changed';
  const parts: string[] = [];
  if (change.dockerfile) parts.push('Dockerfile changed');
  if (change.files.length > 0) {
    const named = change.files.slice(0, FILES_NAMED);
    const more = change.files.length - named.length;
    const list = more > 0 ? `${named.join(', ')} and ${more} more file${more === 1 ? '' : 's'}` : joinAnd(named);
    parts.push(`${list} changed`);
  }
  if (change.args.length > 0) parts.push(`build args changed (${change.args.join(', ')})`);
  if (change.target) parts.push('target changed');
  if (change.platform) parts.push('platform changed');
  return parts.length > 0 ? parts.join('; ') : 'build context changed';
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function unavailableReason(reference: string, service: ServiceSpec, buildPolicy: 'auto' | 'always' | 'never', reason: string): string {
  if (service.build !== undefined && buildPolicy === 'never') {
    return service.image === undefined || service.pullPolicy === 'never' || service.pullPolicy === 'build'
      ? `image ${reference} is not present, and --no-build forbids building it`
      : `image ${reference} is not present: ${reason}`;
  }
  if (service.pullPolicy === 'never' && service.build === undefined) return `image ${reference} is not present, and pull_policy never forbids pulling it`;
  return `image ${reference} is not present: ${reason.replace(/^image not present(, and|:)? ?/, '')}`;
}
