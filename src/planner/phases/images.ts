// Phase 3: images. Per service, how its image is obtained: `use` the one present locally,
// `pull` it, or (when building lands) `build` it; and the operation a container create must
// wait for. The decision is made for every service in scope (the recreate rules compare a
// container's image id with the present one), but an operation is planned only when some
// container will be created from the image, once per reference, by the first service that
// needs it.

import type { ServiceSpec } from '../../model/types.js';
import { inChange, opId } from '../ids.js';
import { imageReference } from '../names.js';
import type { ReconcileContext } from './context.js';

/** How a service's image is obtained. A `build` source joins here as one more kind with its operation. */
export type ImageSource =
  | { readonly kind: 'use'; readonly reference: string; readonly imageId: string }
  | { readonly kind: 'pull'; readonly reference: string }
  | { readonly kind: 'unavailable'; readonly reference: string; readonly reason: string };

/** `busybox` is stored as `busybox:latest` by the engine. */
export function observedImageId(images: Readonly<Record<string, string>>, reference: string): string | undefined {
  const direct = images[reference];
  if (direct !== undefined) return direct;
  const lastSegment = reference.slice(reference.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':') && !reference.includes('@')) return images[`${reference}:latest`];
  return undefined;
}

export function decideImage(ctx: ReconcileContext, service: ServiceSpec): ImageSource {
  const reference = imageReference(ctx.projectName, service);
  const imageId = observedImageId(ctx.observed.images, reference);
  if (imageId !== undefined) return { kind: 'use', reference, imageId };
  if (service.build !== undefined || service.pullPolicy === 'build') {
    return { kind: 'unavailable', reference, reason: `image ${reference} is not present and building images is not supported yet: build it first` };
  }
  if (service.pullPolicy === 'never') return { kind: 'unavailable', reference, reason: `image ${reference} is not present and pull_policy is never` };
  // pull_policy: always is treated as "missing": which id a pull would give is unknowable
  // to a pure planner, and an image that does change is caught by its id on the next run.
  return { kind: 'pull', reference };
}

/** The images phase's state for one plan: decisions by service, operations by reference. */
export class ImagePhase {
  readonly #ctx: ReconcileContext;
  readonly #sources = new Map<string, ImageSource>();
  readonly #operations = new Map<string, string>();

  constructor(ctx: ReconcileContext) {
    this.#ctx = ctx;
  }

  source(service: ServiceSpec): ImageSource {
    let s = this.#sources.get(service.name);
    if (s === undefined) this.#sources.set(service.name, (s = decideImage(this.#ctx, service)));
    return s;
  }

  /** The id of the image present locally, if any. */
  presentId(service: ServiceSpec): string | undefined {
    const s = this.source(service);
    return s.kind === 'use' ? s.imageId : undefined;
  }

  /**
   * Called for each container this plan creates: plans what getting its image takes, once per
   * reference, and returns the operation the create waits for (none when the image is there,
   * or cannot be had, which is a warning).
   */
  readyFor(service: ServiceSpec): string | undefined {
    const s = this.source(service);
    if (s.kind === 'use') return undefined;
    if (s.kind === 'unavailable') {
      this.#ctx.warnings.push({ service: service.name, message: s.reason });
      return undefined;
    }
    const existing = this.#operations.get(s.reference);
    if (existing) return existing;
    const id = this.#ctx.builder.add({
      id: opId.pull(s.reference),
      kind: 'image.pull',
      image: s.reference,
      ...(service.platform !== undefined ? { platform: service.platform } : {}),
      after: [],
      cause: { kind: 'missing', text: 'image not present' },
      service: service.name,
      ...inChange('pull', 'image', s.reference),
    });
    this.#operations.set(s.reference, id);
    return id;
  }
}
