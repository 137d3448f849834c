// The image operations' one gateway call each (operations.ts dispatches here): build, tag,
// pull, push, remove. What is I/O besides the call (the context tar, credentials, recording a
// pull) comes from the injected ImagePorts; nothing here decides what to do.
//
// Pulls are retried when the gateway marks the failure transient (a registry answering 5xx, a
// connection reset, a stream cut short): PULL_ATTEMPTS in all, with a growing pause. A missing
// image, refused credentials or a failing build step are never retried: trying again gives the
// same answer (the gateway's `transient` flag tells them apart, errors.ts EngineApiError).

import type { EngineGateway, BuildProgressEvent, RegistryProgressEvent } from './gateway.js';
import type { ImageBuildOp, ImagePullOp, ImagePushOp, ImageRemoveOp, ImageTagOp } from '../planner/types.js';
import type { ImagePorts, ImageProgress, RegistryAuth } from './image-ports.js';
import { BuildError, EngineApiError, InternalError, OperationError } from '../errors.js';
import { formatBytes } from '../api/bytes.js';

export interface ImageContext {
  readonly gateway: EngineGateway;
  readonly images?: ImagePorts;
  readonly signal?: AbortSignal;
  readonly now: () => number;
  readonly onImageProgress: (progress: ImageProgress) => void;
  /** Pause before the n-th retry of a pull (1-based), ms. */
  readonly retryDelayMs: (retry: number) => number;
}

/** What an image operation produced. */
export interface ImagePerformed {
  readonly imageId?: string;
  /** Bytes of build context sent. */
  readonly contextBytes?: number;
  readonly digest?: string;
  readonly warnings?: readonly string[];
}

/** Attempts of a pull, the first included. */
export const PULL_ATTEMPTS = 3;

/** 1 s, then 2 s... */
export function defaultRetryDelayMs(retry: number): number {
  return 1000 * retry;
}

/** At most one byte-progress event this often per operation (status changes always go out). */
const PROGRESS_EVERY_MS = 250;

function portsOf(ctx: ImageContext, what: string): ImagePorts {
  if (!ctx.images) throw new InternalError(`${what}: the executor was given no image ports (ExecuteOptions.images)`);
  return ctx.images;
}

async function authFor(ctx: ImageContext, image: string): Promise<RegistryAuth> {
  return ctx.images ? ctx.images.registryAuth(image) : { warnings: [] };
}

export async function performBuild(op: ImageBuildOp, ctx: ImageContext): Promise<ImagePerformed> {
  const prepared = await portsOf(ctx, `build image ${op.image}`).prepareBuild(op, ctx.signal);
  let imageId: string;
  try {
    ({ imageId } = await ctx.gateway.buildImage(prepared.context, prepared.options, buildReporter(ctx), ctx.signal));
  } catch (e) {
    throw e instanceof BuildError && op.service !== undefined ? naming(e, op.image, op.service) : e;
  }
  return { imageId, contextBytes: prepared.bytesSent(), ...(prepared.warnings.length > 0 ? { warnings: prepared.warnings } : {}) };
}

/** The same failure, its message naming the service the image is built for. */
function naming(e: BuildError, image: string, service: string): BuildError {
  const failure = { detail: e.detail, output: e.output, ...(e.step !== undefined ? { step: e.step } : {}), ...(e.commandExitCode !== undefined ? { commandExitCode: e.commandExitCode } : {}) };
  return new BuildError(`${image} (service ${service})`, failure, e.statusCode, { transient: e.transient, cause: e });
}

/** Build steps as progress (`step 3/5: RUN make`); a command's own output is kept by the gateway for a failure's message. */
function buildReporter(ctx: ImageContext): (event: BuildProgressEvent) => void {
  return (event) => {
    if (event.type === 'step') ctx.onImageProgress({ message: `step ${event.step}/${event.totalSteps}: ${event.instruction}`, step: event.step, totalSteps: event.totalSteps });
  };
}

/** `registry:5000/x/y:1` → repository `registry:5000/x/y`, tag `1`; no tag: `latest`. */
export function splitTag(reference: string): { repo: string; tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? { repo: reference.slice(0, colon), tag: reference.slice(colon + 1) } : { repo: reference, tag: 'latest' };
}

export async function performTag(op: ImageTagOp, ctx: ImageContext): Promise<ImagePerformed> {
  const { repo, tag } = splitTag(op.image);
  await ctx.gateway.tagImage(op.source, repo, tag, ctx.signal);
  return {};
}

export async function performRemove(op: ImageRemoveOp, ctx: ImageContext): Promise<ImagePerformed> {
  await ctx.gateway.removeImage(op.image, op.force ? { force: true } : {}, ctx.signal);
  return {};
}

export async function performPush(op: ImagePushOp, ctx: ImageContext): Promise<ImagePerformed> {
  const auth = await authFor(ctx, op.image);
  const { digest } = await ctx.gateway.pushImage(op.image, auth.header !== undefined ? { authHeader: auth.header } : {}, layerReporter(ctx, 'pushing'), ctx.signal);
  return { ...(digest !== undefined ? { digest } : {}), ...(auth.warnings.length > 0 ? { warnings: auth.warnings } : {}) };
}

export async function performPull(op: ImagePullOp, ctx: ImageContext): Promise<ImagePerformed> {
  const pullImage = ctx.gateway.pullImage?.bind(ctx.gateway);
  if (pullImage === undefined) {
    throw new OperationError(`cannot pull image ${op.image}: this engine connection does not support pulling`, {
      hint: 'pull or build the image yourself, then run the command again',
    });
  }
  const auth = await authFor(ctx, op.image);
  const options = { ...(op.platform !== undefined ? { platform: op.platform } : {}), ...(auth.header !== undefined ? { authHeader: auth.header } : {}) };
  for (let attempt = 1; ; attempt++) {
    try {
      await pullImage(op.image, options, layerReporter(ctx, 'pulling'), ctx.signal);
      break;
    } catch (e) {
      if (!(e instanceof EngineApiError) || !e.transient || attempt >= PULL_ATTEMPTS || ctx.signal?.aborted) throw e;
      const delay = ctx.retryDelayMs(attempt);
      ctx.onImageProgress({ message: `attempt ${attempt} of ${PULL_ATTEMPTS} failed (${e.message}); trying again in ${formatSeconds(delay)}` });
      await abortableDelay(delay, ctx.signal);
      if (ctx.signal?.aborted) throw e;
    }
  }
  await ctx.images?.pulled?.(op.image, ctx.now());
  return auth.warnings.length > 0 ? { warnings: auth.warnings } : {};
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Per-layer registry progress, aggregated per image: how many layers are done and how many
 * bytes of all layers moved (`3 of 5 layers, 12.1 MB of 40.2 MB`). A layer's status change goes
 * out at once; byte counts at most every PROGRESS_EVERY_MS.
 */
function layerReporter(ctx: ImageContext, verb: 'pulling' | 'pushing'): (event: RegistryProgressEvent) => void {
  const layers = new Map<string, { status: string; current: number; total: number }>();
  let lastAt = -Infinity;
  return (event) => {
    if (event.id === undefined || !/^[0-9a-f]{12}$/.test(event.id)) return; // tag lines, digests, "Pulling from ..."
    const before = layers.get(event.id);
    const layer = { status: event.status, current: event.current ?? before?.current ?? 0, total: event.total ?? before?.total ?? 0 };
    if (/complete|already exists|pushed|mounted/i.test(event.status) && layer.total > 0) layer.current = layer.total;
    layers.set(event.id, layer);
    const statusChanged = before?.status !== event.status;
    const now = ctx.now();
    if (!statusChanged && now - lastAt < PROGRESS_EVERY_MS) return;
    lastAt = now;
    let done = 0;
    let current = 0;
    let total = 0;
    for (const l of layers.values()) {
      if (/complete|already exists|pushed|mounted/i.test(l.status)) done++;
      current += l.current;
      total += l.total;
    }
    const bytes = total > 0 ? `, ${formatBytes(current)} of ${formatBytes(total)}` : '';
    ctx.onImageProgress({ message: `${verb}: ${done} of ${layers.size} layers${bytes}`, current, total });
  };
}

