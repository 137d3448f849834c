// The engine side of watch, one question or one action each: which containers a service has
// now, whose uid/gid a synced file must carry in a container, running a command in one and
// collecting its output, copying a tar in. Everything through the gateway.

import { Readable } from 'node:stream';
import type { ContainerState, ObservedContainer } from '../api/engine-types.js';
import { COMPOSE, displayNumberOf, isOneOff, serviceOf } from '../api/labels.js';
import type { EngineGateway, ExecOptions } from '../engine/gateway.js';
import { NotFoundError } from '../errors.js';
import { needsAccountFiles, resolveOwner, ROOT, type Owner } from '../watch/container-user.js';

/** A container of a watched service, as watch acts on it. */
export interface ServiceContainer {
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly number: number;
  readonly state: ContainerState;
}

/** The project's service containers (not one-off), every state, by service. */
export async function serviceContainers(gateway: EngineGateway, projectName: string): Promise<Map<string, ServiceContainer[]>> {
  const listed = await gateway.listContainers({ labels: [`${COMPOSE.project}=${projectName}`] }, { all: true });
  const byService = new Map<string, ServiceContainer[]>();
  for (const c of listed) {
    if (isOneOff(c.labels)) continue;
    const container = toServiceContainer(c);
    const list = byService.get(container.service) ?? [];
    list.push(container);
    byService.set(container.service, list);
  }
  for (const list of byService.values()) list.sort((a, b) => a.number - b.number || (a.name < b.name ? -1 : 1));
  return byService;
}

/**
 * The project's service containers, listed once and reused until something says they changed:
 * any container event of the project, or an `up` or restart of watch's own. A steady save then
 * costs one engine call (the copy), not two. A list that is stale for the moment an event
 * takes to arrive is harmless for copies: a copy into a container removed meanwhile is a 404
 * that is ignored, and its successor is caught up when its own event arrives. Its states are
 * not to be trusted for decisions: whether a container runs is asked of the engine (watch-sync).
 */
export class ContainerDirectory {
  private listed: Promise<Map<string, ServiceContainer[]>> | undefined;

  constructor(
    private readonly gateway: EngineGateway,
    private readonly projectName: string,
  ) {}

  byService(): Promise<Map<string, ServiceContainer[]>> {
    if (!this.listed) {
      const listing = serviceContainers(this.gateway, this.projectName);
      this.listed = listing;
      listing.catch(() => {
        if (this.listed === listing) this.listed = undefined;
      });
    }
    return this.listed;
  }

  invalidate(): void {
    this.listed = undefined;
  }
}

function toServiceContainer(c: ObservedContainer): ServiceContainer {
  return { id: c.id, name: c.name, service: serviceOf(c.labels), number: displayNumberOf(c.labels), state: c.state };
}

export const isRunning = (c: Pick<ServiceContainer, 'state'>): boolean => c.state === 'running';

/**
 * The uid/gid of a container's user, resolved against the container's own /etc/passwd and
 * /etc/group (container-user.ts says why not the archive API's copyUIDGID). Cached per
 * container id: a container's user and its account files do not change under it.
 */
export class OwnerCache {
  private readonly owners = new Map<string, Promise<{ owner: Owner; warning?: string }>>();

  constructor(private readonly gateway: EngineGateway) {}

  ownerOf(containerId: string): Promise<{ owner: Owner; warning?: string }> {
    let found = this.owners.get(containerId);
    if (!found) {
      found = this.resolve(containerId);
      // A failed look-up is tried again next time.
      found.catch(() => this.owners.delete(containerId));
      this.owners.set(containerId, found);
    }
    return found;
  }

  forget(containerId: string): void {
    this.owners.delete(containerId);
  }

  private async resolve(containerId: string): Promise<{ owner: Owner; warning?: string }> {
    const user = (await this.gateway.inspectContainer(containerId)).user ?? '';
    const needs = needsAccountFiles(user);
    const [passwd, group] = await Promise.all([
      needs.passwd ? readContainerFile(this.gateway, containerId, '/etc/passwd') : undefined,
      needs.group ? readContainerFile(this.gateway, containerId, '/etc/group') : undefined,
    ]);
    const resolved = resolveOwner(user, passwd, group);
    if ('owner' in resolved) return { owner: resolved.owner };
    return { owner: ROOT, warning: `${resolved.unresolved}: synced files are owned by root` };
  }
}

/** A small text file of a container (through the archive API), or undefined when it has none. */
export async function readContainerFile(gateway: EngineGateway, containerId: string, path: string): Promise<string | undefined> {
  let tar: Readable;
  try {
    tar = await gateway.getArchive(containerId, path);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  const { extract } = await import('tar-stream');
  const reader = extract();
  tar.on('error', (e) => reader.destroy(e));
  tar.pipe(reader);
  let text: string | undefined;
  for await (const entry of reader) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (text === undefined && entry.header.type === 'file') text = Buffer.concat(chunks).toString('utf8');
  }
  return text;
}

export interface CommandResult {
  readonly exitCode: number;
  /** stdout and stderr as they came, for error messages (bounded). */
  readonly output: string;
}

const MAX_KEPT_OUTPUT = 4096;

/**
 * Runs a command in a running container; each complete output line goes to `onLine` (when
 * given) as it arrives, and the first few KB are kept for the result.
 */
export async function runInContainer(
  gateway: EngineGateway,
  containerId: string,
  options: Omit<ExecOptions, 'tty' | 'attachStdin'>,
  onLine?: (stream: 'stdout' | 'stderr', text: string) => void,
): Promise<CommandResult> {
  const [{ readProcessOutput, LineSplitter }, { waitExecExitCode }] = await Promise.all([import('../engine/demux.js'), import('../engine/exec.js')]);
  const { execId, stream } = await gateway.exec(containerId, { ...options, tty: false, attachStdin: false });
  const lines = new LineSplitter();
  let output = '';
  for await (const piece of readProcessOutput(stream.stream as unknown as Readable, stream.tty)) {
    if (output.length < MAX_KEPT_OUTPUT) output += piece.data.toString('utf8').slice(0, MAX_KEPT_OUTPUT - output.length);
    if (onLine) for (const line of lines.push(piece)) onLine(piece.stream, line);
  }
  if (onLine) for (const rest of lines.flush()) onLine(rest.stream, rest.line);
  return { exitCode: await waitExecExitCode(gateway, execId), output };
}

/** Extracts a tar at `/` in the container. */
export async function putTar(gateway: EngineGateway, containerId: string, tar: Buffer): Promise<void> {
  await gateway.putArchive(containerId, '/', Readable.from([tar], { objectMode: false }));
}
