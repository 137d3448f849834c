// The one gateway call each kind of operation stands for (a wait: the wait helpers), for the
// executor (executor.ts). Chosen by the operation's kind alone: nothing here looks at engine
// state to decide what to do.
//
// Names → ids: containers and networks created earlier in the same run are reached by the
// ids the engine returned (`RunIds`), never by a name an interleaved run could have
// duplicated; a ref that carries an id always wins (in a recreate, the old and the new
// container share a name).

import type { EngineGateway } from './gateway.js';
import type { ContainerRef, ContainerWaitOp, ImageOperation, Operation } from '../planner/types.js';
import { pinNetworkId, pinNetworkIds } from '../planner/container-spec.js';
import { InternalError, OperationError } from '../errors.js';
import { projectFilter } from '../api/labels.js';
import { waitForCondition, type WaitProgress } from './waits.js';
import { performSwarmOperation } from './swarm-operations.js';
import type { ImagePorts, ImageProgress } from './image-ports.js';
import { defaultRetryDelayMs, performBuild, performPull, performPush, performRemove, performTag, type ImageContext, type ImagePerformed } from './image-operations.js';

/** Ids the engine gave to what this run created, by name. */
export interface RunIds {
  readonly containers: Map<string, string>;
  readonly networks: Map<string, string>;
  /** Swarm configs and secrets (`config:<name>`, `secret:<name>`): swarm-operations.ts. */
  readonly swarmFiles: Map<string, string>;
}

export interface PerformContext {
  readonly gateway: EngineGateway;
  readonly projectName: string;
  readonly ids: RunIds;
  readonly signal?: AbortSignal;
  readonly now: () => number;
  readonly waitProgressIntervalMs?: number;
  readonly waitRecheckIntervalMs?: number;
  /** A wait reports how it goes (about once a second). */
  readonly onWaitProgress: (op: ContainerWaitOp, progress: WaitProgress) => void;
  /** Context tars and credentials for image operations (none: a build fails, pulls and pushes go anonymous). */
  readonly images?: ImagePorts;
  /** A build, pull or push reports how it goes. */
  readonly onImageProgress: (op: ImageOperation, progress: ImageProgress) => void;
  /** Pause before the n-th retry of a transient pull failure, ms. */
  readonly retryDelayMs?: (retry: number) => number;
}

/** What an operation produced: the new container's id for creates, a warning for an unmet optional wait, the image a build made. */
export interface Performed extends ImagePerformed {
  readonly containerId?: string;
  readonly warning?: string;
}

/** Makes the one engine call `op` stands for. Throws what the gateway throws. */
export async function performOperation(op: Operation, ctx: PerformContext): Promise<Performed> {
  const { gateway, ids } = ctx;
  const containerId = (ref: ContainerRef): string => ref.id ?? ids.containers.get(ref.name) ?? ref.name;
  const networkRef = (name: string, pinned?: string): string => ids.networks.get(name) ?? pinned ?? name;
  switch (op.kind) {
    case 'image.pull':
      return performPull(op, imageContext(op, ctx));
    case 'image.build':
      return performBuild(op, imageContext(op, ctx));
    case 'image.tag':
      return performTag(op, imageContext(op, ctx));
    case 'image.push':
      return performPush(op, imageContext(op, ctx));
    case 'image.remove':
      return performRemove(op, imageContext(op, ctx));
    case 'network.create':
      ids.networks.set(op.network, await gateway.createNetwork(op.body));
      return {};
    case 'network.remove':
      await gateway.removeNetwork(op.networkId);
      return {};
    case 'network.connect': {
      // The id goes in the endpoint too: the engine keeps that endpoint for a container that
      // is not running, and looks the network up by it at start (else by name).
      const network = networkRef(op.network, op.endpoint.NetworkID);
      await gateway.connectNetwork(network, containerId(op.container), pinNetworkId(op.endpoint, network === op.network ? undefined : network));
      return {};
    }
    case 'network.disconnect':
      await gateway.disconnectNetwork(networkRef(op.network), containerId(op.container), false);
      return {};
    case 'volume.create':
      await gateway.createVolume(op.body);
      return {};
    case 'volume.remove':
      await gateway.removeVolume(op.volume);
      return {};
    case 'container.create': {
      // Networks this run created are joined by id, like those the planner found.
      const id = await gateway.createContainer(op.container.name, pinNetworkIds(op.body, ids.networks));
      ids.containers.set(op.container.name, id);
      return { containerId: id };
    }
    case 'container.start':
      await gateway.startContainer(containerId(op.container));
      return {};
    case 'container.stop':
      await gateway.stopContainer(containerId(op.container), op.timeoutSeconds);
      return {};
    case 'container.restart':
      await gateway.restartContainer(containerId(op.container), op.timeoutSeconds);
      return {};
    case 'container.remove':
      // force: as Compose does. The plan stops a container before removing it; force only
      // covers a restart policy bringing it back in between, and never touches volumes.
      await gateway.removeContainer(containerId(op.container), { force: true, removeAnonymousVolumes: op.removeAnonymousVolumes });
      return {};
    case 'container.wait':
      return performWait(op, containerId(op.container), ctx);
    case 'service.create':
    case 'service.update':
    case 'service.remove':
    case 'config.create':
    case 'config.remove':
    case 'secret.create':
    case 'secret.remove':
      return performSwarmOperation(op, gateway, ids);
    case 'container.copy-files': {
      // tar-stream is loaded by the runs that deliver files, not by every executor.
      const { fileArchive } = await import('./file-archive.js');
      const archive = await fileArchive(
        op.files.map((f) => ({ path: f.path, mode: f.mode, uid: f.uid, gid: f.gid, content: Buffer.from(op.contents.get(f.path) ?? '', 'utf8') })),
      );
      await gateway.putArchive(containerId(op.container), '/', archive);
      return {};
    }
    default: {
      const unknown: never = op;
      throw new InternalError(`the executor does not know the operation kind of ${JSON.stringify(unknown)}`);
    }
  }
}

function imageContext(op: ImageOperation, ctx: PerformContext): ImageContext {
  return {
    gateway: ctx.gateway,
    ...(ctx.images ? { images: ctx.images } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    now: ctx.now,
    onImageProgress: (progress) => ctx.onImageProgress(op, progress),
    retryDelayMs: ctx.retryDelayMs ?? defaultRetryDelayMs,
  };
}

/** A dependency wait, bounded by the operation's timeout; `required: false` turns an unmet condition into a warning. */
async function performWait(op: ContainerWaitOp, containerId: string, ctx: PerformContext): Promise<Performed> {
  const target = { containerId, containerName: op.container.name, service: op.container.service };
  try {
    await waitForCondition(ctx.gateway, target, op.condition, {
      timeoutMs: op.timeoutMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      now: ctx.now,
      eventLabels: projectFilter(ctx.projectName),
      ...(ctx.waitProgressIntervalMs !== undefined ? { progressIntervalMs: ctx.waitProgressIntervalMs } : {}),
      ...(ctx.waitRecheckIntervalMs !== undefined ? { recheckIntervalMs: ctx.waitRecheckIntervalMs } : {}),
      onProgress: (p) => ctx.onWaitProgress(op, p),
    });
    return {};
  } catch (e) {
    // An interruption is still one, optional or not.
    if (!op.required && e instanceof OperationError) return { warning: e.message };
    throw e;
  }
}
