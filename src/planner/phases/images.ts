// Phase 3: images. Per service, how its image is had (image-decision.ts: use, pull, build,
// rebuild, unavailable), and the operations that get the images: one pull per reference, one
// build per distinct build (services whose builds are identical share it: built once, then
// tagged for the others), each with its cause. Decided for every service in scope (the recreate
// rules compare a container's image id with the present one, and predict the replacement of a
// rebuilt image's containers); operations are planned for the services that have containers
// (or need resources, for `run`), before any problem is reported.
//
// Problems, reported before anything is planned: a missing image that cannot be had for a
// container this plan creates; a build stack's builder cannot do (image-build.ts); two services
// that build one reference from different builds.

import type { ServiceSpec } from '../../model/types.js';
import { inChange, opId } from '../ids.js';
import type { Cause } from '../types.js';
import type { ReconcileContext } from './context.js';
import { decideImage, type ImageDecision } from './image-decision.js';
import { buildKey, buildOptions, buildWarnings, contextRef, unsupportedBuildAttributes } from './image-build.js';

export { observedImageId } from './image-decision.js';
export type { ImageDecision } from './image-decision.js';

type BuildDecision = Extract<ImageDecision, { kind: 'build' }>;

interface BuildMember {
  readonly service: ServiceSpec;
  readonly decision: BuildDecision;
}

/** The images phase's state for one plan: decisions by service, the operation that readies each reference. */
export class ImagePhase {
  readonly #ctx: ReconcileContext;
  readonly #decisions = new Map<string, ImageDecision>();
  readonly #ready = new Map<string, string>();

  constructor(ctx: ReconcileContext) {
    this.#ctx = ctx;
  }

  decision(service: ServiceSpec): ImageDecision {
    let d = this.#decisions.get(service.name);
    if (d === undefined) this.#decisions.set(service.name, (d = decideImage(this.#ctx, service)));
    return d;
  }

  /** The id of the image present locally, if any (also when it is pulled or built again). */
  presentId(service: ServiceSpec): string | undefined {
    const d = this.decision(service);
    return d.kind === 'unavailable' ? undefined : d.imageId;
  }

  /**
   * Why the service's containers will run another image, when this plan rebuilds it because its
   * build changed: `image demo-web is rebuilt`. A forced build or a pull may well give the same
   * id (the builder's cache, an unchanged tag): no prediction, `up` compares the ids after.
   */
  replacedCause(service: ServiceSpec): string | undefined {
    const d = this.decision(service);
    return d.kind === 'build' && d.changed && d.imageId !== undefined ? `image ${d.reference} is rebuilt` : undefined;
  }

  /** The operation a container create of this service waits for (none when the image is there). */
  readyFor(service: ServiceSpec): string | undefined {
    return this.#ready.get(this.decision(service).reference);
  }

  /**
   * Plans getting the images of `services` (in plan order). `creating`: the services a container
   * is created for, whose missing image is a problem.
   */
  plan(services: readonly ServiceSpec[], creating: ReadonlySet<string>): void {
    const builds: BuildMember[] = [];
    const pulls: ServiceSpec[] = [];
    for (const service of services) {
      const d = this.decision(service);
      this.#checkHashError(service, d);
      if (d.kind === 'unavailable') {
        if (creating.has(service.name)) this.#ctx.problems.push(`service ${service.name}: ${d.reason}`);
      } else if (d.kind === 'pull') {
        pulls.push(service);
      } else if (d.kind === 'build') {
        builds.push({ service, decision: d });
      }
    }
    for (const group of this.#groups(builds, services)) this.#planBuild(group, services);
    // A reference one service builds and another pulls (both name it in `image:`) is built.
    for (const service of pulls) this.#planPull(service, this.decision(service) as Extract<ImageDecision, { kind: 'pull' }>);
  }

  /** A build whose content hash could not be computed: a problem when it must be built, a warning otherwise. */
  #checkHashError(service: ServiceSpec, d: ImageDecision): void {
    const error = this.#ctx.options.images?.buildHashErrors?.[service.name];
    if (error === undefined) return;
    if (d.kind === 'build') this.#ctx.problems.push(`service ${service.name}: ${error}`);
    else if (d.kind === 'use') this.#ctx.warnings.push({ service: service.name, message: `cannot tell whether image ${d.reference} is up to date: ${error}` });
  }

  #planPull(service: ServiceSpec, d: Extract<ImageDecision, { kind: 'pull' }>): void {
    if (this.#ready.has(d.reference)) return;
    const id = this.#ctx.builder.add({
      id: opId.pull(d.reference),
      kind: 'image.pull',
      image: d.reference,
      ...(service.platform !== undefined ? { platform: service.platform } : {}),
      ...(d.buildIfPullFails ? { buildIfPullFails: true } : {}),
      after: [],
      cause: { kind: d.imageId === undefined ? 'missing' : 'forced', text: d.cause },
      service: service.name,
      ...inChange('pull', 'image', d.reference),
    });
    this.#ready.set(d.reference, id);
  }

  /** Services to build, by identical build (members sorted by name); one reference built from two different builds is a problem. */
  #groups(builds: readonly BuildMember[], services: readonly ServiceSpec[]): BuildMember[][] {
    const byKey = new Map<string, BuildMember[]>();
    const keyOfReference = new Map<string, { key: string; service: string }>();
    for (const service of services) {
      if (service.build === undefined) continue;
      const reference = this.decision(service).reference;
      const key = buildKey(service);
      const seen = keyOfReference.get(reference);
      if (seen === undefined) keyOfReference.set(reference, { key, service: service.name });
      else if (seen.key !== key) this.#ctx.problems.push(`services ${seen.service} and ${service.name} both build image ${reference}, from different build sections: give one of them another image name`);
    }
    for (const member of builds) {
      const key = buildKey(member.service);
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(member);
    }
    return [...byKey.values()].map((members) => [...members].sort((a, b) => (a.service.name < b.service.name ? -1 : 1)));
  }

  /**
   * One build for the group, tagged for its other references; or, when every member only misses
   * its image and another service's image of the same build is up to date, just tags of that one.
   */
  #planBuild(group: readonly BuildMember[], services: readonly ServiceSpec[]): void {
    const { builder, problems, warnings } = this.#ctx;
    const primary = group[0]!;
    const source = group.every((m) => m.decision.cause === 'no image') ? this.#upToDateSource(primary.service, services) : undefined;
    let sourceRef: string;
    let after: string[];
    if (source !== undefined) {
      sourceRef = source;
      after = [];
    } else {
      const refusals = unsupportedBuildAttributes(primary.service, primary.decision.reference);
      if (refusals.length > 0) {
        problems.push(...refusals);
        return;
      }
      for (const w of buildWarnings(primary.service)) warnings.push({ service: primary.service.name, message: w });
      sourceRef = primary.decision.reference;
      after = [this.#addBuild(primary)];
    }
    for (const member of group) {
      const reference = member.decision.reference;
      if (this.#ready.has(reference)) continue;
      const id = builder.add({
        id: opId.tag(reference),
        kind: 'image.tag',
        source: sourceRef,
        image: reference,
        after,
        cause: { kind: member.decision.imageId === undefined ? 'missing' : 'changed', text: `same build as ${sourceRef}` },
        service: member.service.name,
        ...inChange('tag', 'image', reference),
      });
      this.#ready.set(reference, id);
    }
  }

  #addBuild(primary: BuildMember): string {
    const { service, decision } = primary;
    const inputs = this.#ctx.options.images ?? {};
    const buildHash = inputs.buildHashes?.[service.name];
    const cause: Cause = { kind: decision.changed ? 'changed' : decision.imageId === undefined ? 'missing' : 'forced', text: decision.cause };
    const id = this.#ctx.builder.add({
      id: opId.build(decision.reference),
      kind: 'image.build',
      image: decision.reference,
      context: contextRef(service.build!),
      options: buildOptions({ projectName: this.#ctx.projectName, service, reference: decision.reference, inputs, ...(buildHash !== undefined ? { buildHash } : {}) }),
      ...(buildHash !== undefined ? { buildHash } : {}),
      after: [],
      cause,
      service: service.name,
      ...inChange(decision.verb, 'image', decision.reference),
    });
    this.#ready.set(decision.reference, id);
    return id;
  }

  /** The reference of an image of the same build that is up to date (its build hash is the build's now), if any service has one. */
  #upToDateSource(service: ServiceSpec, services: readonly ServiceSpec[]): string | undefined {
    const key = buildKey(service);
    const hashes = this.#ctx.options.images?.buildHashes ?? {};
    for (const other of services) {
      if (other.build === undefined || buildKey(other) !== key) continue;
      const d = this.decision(other);
      const now = hashes[other.name];
      if (d.kind === 'use' && now !== undefined && this.#ctx.observed.imageBuildHashes?.[d.reference] === now) return d.reference;
    }
    return undefined;
  }
}
