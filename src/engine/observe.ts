// One snapshot of what is live for a project: the planner's only view of the engine.
//
// docker-compose 1.29 makes 260 API calls for a no-op `up` of 30 services (an inspect per
// container and per image). Everything the planner needs is in list answers, so a snapshot is
// at most four list calls, made concurrently, whatever the number of services:
//   - containers, networks and volumes, each listed once, whole. The planner needs those
//     carrying the project label (all states), and also those holding a name the model would
//     use (external networks and volumes must exist; a name in use by an object we did not
//     create is a conflict to report before changing anything). The engine matches names
//     only as regular expressions, compiled per object and name (TRAPS), so names are matched
//     here; one whole list then answers both questions, where a label list and a name list
//     were two calls for the same objects;
//   - one image list filtered by the model's references;
//   - and, only after a dependency with `depends_on.restart: true` dependents was replaced,
//     an inspect of that container and of those dependents (withRestartTimes).
// Without a model (`down -p NAME`), only the project's labelled objects are listed.

import { COMPOSE, STACK, parseRestartDependents, projectFilter } from '../api/labels.js';
import { engineTimeUs } from '../api/engine-time.js';
import { NotFoundError } from '../errors.js';
import type { StackModel } from '../model/types.js';
import type { ObservedState } from '../api/observed.js';
import type { ContainerTimes, EngineGateway, ObservedContainer, ObservedImage, ObservedNetwork, ObservedVolume } from './gateway.js';

export interface ObserveOptions {
  /** `--scale svc=n` overrides: the names of extra replicas are checked too. */
  readonly scale?: Readonly<Record<string, number>>;
  readonly signal?: AbortSignal;
}

type Labelled = { readonly name: string; readonly labels: Readonly<Record<string, string>> };

export async function observe(gateway: EngineGateway, projectName: string, model?: StackModel, options: ObserveOptions = {}): Promise<ObservedState> {
  const { signal } = options;
  const wanted = model ? namesTheModelUses(model, options.scale) : undefined;
  // With a model every object is listed (see the header); without one, the project's only.
  const filter = wanted ? {} : { labels: projectFilter(projectName) };
  const [allContainers, allNetworks, allVolumes, images] = await Promise.all([
    gateway.listContainers(filter, { all: true, ...(signal ? { signal } : {}) }),
    gateway.listNetworks(filter, signal),
    gateway.listVolumes(filter, signal),
    wanted?.images.length ? gateway.listImages({ names: wanted.images }, signal) : none<ObservedImage>(),
  ]);
  const ofProject = <T extends Labelled>(all: readonly T[]): T[] => all.filter((o) => o.labels[COMPOSE.project] === projectName);
  const named = <T extends Labelled>(all: readonly T[], names: readonly string[] | undefined): T[] => {
    if (!names?.length) return [];
    const set = new Set(names);
    return all.filter((o) => set.has(o.name));
  };
  const containers: ObservedContainer[] = ofProject(allContainers);
  const networks: ObservedNetwork[] = ofProject(allNetworks);
  const volumes: ObservedVolume[] = ofProject(allVolumes);
  const namedContainers = named(allContainers, wanted?.containers);
  const namedNetworks = named(allNetworks, wanted?.networks);
  const namedVolumes = named(allVolumes, wanted?.volumes);

  const externalNetworks = new Set(model ? Object.values(model.networks).filter((n) => n.external).map((n) => n.name) : []);
  const externalVolumes = new Set(model ? Object.values(model.volumes).filter((v) => v.external).map((v) => v.name) : []);

  return {
    projectName,
    containers: sortBy(model ? await withRestartTimes(gateway, containers, signal) : containers, (c) => c.name),
    networks: sortBy(unionBy([...networks, ...namedNetworks.filter((n) => externalNetworks.has(n.name))], (n) => n.id), (n) => n.name),
    volumes: sortBy(unionBy([...volumes, ...namedVolumes.filter((v) => externalVolumes.has(v.name))], (v) => v.name), (v) => v.name),
    images: wanted ? imageIds(wanted.images, images) : Object.create(null),
    ...(model
      ? {
          foreignByName: {
            containers: foreignNames(namedContainers),
            networks: foreignNames(namedNetworks.filter((n) => !externalNetworks.has(n.name))),
            volumes: foreignNames(namedVolumes.filter((v) => !externalVolumes.has(v.name))),
          },
        }
      : {}),
  };
}

/**
 * The project's containers, with precise engine times (ContainerTimes) on the few the planner
 * compares: a container made to replace a dependency (it lists its `depends_on.restart: true`
 * dependents) and those dependents while they run. Was each restarted after the replacement
 * was created? Only an inspect says (the list has whole seconds of creation, no start time).
 * A project that never replaced such a dependency costs no inspect at all.
 */
async function withRestartTimes(gateway: EngineGateway, containers: readonly ObservedContainer[], signal: AbortSignal | undefined): Promise<ObservedContainer[]> {
  const byId = new Map(containers.map((c) => [c.id, c]));
  const wanted = new Set<string>();
  for (const c of containers) {
    const dependents = parseRestartDependents(c.labels).filter((id) => byId.get(id)?.state === 'running');
    if (dependents.length === 0) continue;
    wanted.add(c.id);
    for (const id of dependents) wanted.add(id);
  }
  if (wanted.size === 0) return [...containers];
  const times = new Map<string, ContainerTimes>();
  await Promise.all(
    [...wanted].map(async (id) => {
      try {
        const d = await gateway.inspectContainer(id, signal);
        const createdUs = engineTimeUs(d.created);
        const startedUs = engineTimeUs(d.startedAt);
        if (createdUs !== undefined) times.set(id, { createdUs, ...(startedUs !== undefined ? { startedUs } : {}) });
      } catch (e) {
        // Removed since the list: the planner sees it without times (and the next run sees it gone).
        if (!(e instanceof NotFoundError)) throw e;
      }
    }),
  );
  return containers.map((c) => (times.has(c.id) ? { ...c, times: times.get(c.id)! } : c));
}

/** Engine names the model would use: containers, networks, volumes, image references. */
export function namesTheModelUses(model: StackModel, scale: Readonly<Record<string, number>> = {}): { containers: string[]; networks: string[]; volumes: string[]; images: string[] } {
  const containers: string[] = [];
  const images = new Set<string>();
  for (const [key, service] of Object.entries(model.services)) {
    if (service.containerName) containers.push(service.containerName);
    else {
      const replicas = Math.max(scale[key] ?? service.scale, 0);
      for (let n = 1; n <= replicas; n++) containers.push(`${model.projectName}-${key}-${n}`);
    }
    // A service built here without `image:` gets Compose's default image name.
    images.add(service.image ?? `${model.projectName}-${key}`);
  }
  return {
    containers: [...new Set(containers)].sort(),
    networks: [...new Set(Object.values(model.networks).map((n) => n.name))].sort(),
    volumes: [...new Set(Object.values(model.volumes).map((v) => v.name))].sort(),
    images: [...images].sort(),
  };
}

/** Objects holding a name we would use that we did not create (no ownership label). */
function foreignNames(objects: readonly { name: string; labels: Readonly<Record<string, string>> }[]): string[] {
  return objects.filter((o) => o.labels[STACK.managed] === undefined).map((o) => o.name).sort();
}

/**
 * Reference as written → image id. The engine lists tags in their familiar form
 * (`redis:7`, `me/app:latest`), so references are brought to that form before matching.
 */
function imageIds(refs: readonly string[], images: readonly ObservedImage[]): Record<string, string> {
  const byTag = new Map<string, string>();
  const byDigest = new Map<string, string>();
  for (const image of images) {
    for (const tag of image.repoTags) byTag.set(familiarReference(tag), image.id);
    for (const digest of image.repoDigests ?? []) byDigest.set(familiarReference(digest), image.id);
  }
  const out = Object.create(null) as Record<string, string>;
  for (const ref of refs) {
    const familiar = familiarReference(ref);
    const id = familiar.includes('@') ? byDigest.get(familiar) : byTag.get(familiar);
    if (id !== undefined) out[ref] = id;
    else if (/^sha256:[0-9a-f]{12,64}$/.test(ref)) {
      const match = images.find((i) => i.id.startsWith(ref));
      if (match) out[ref] = match.id;
    }
  }
  return out;
}

/** `docker.io/library/redis` → `redis:latest`; `localhost:5000/x` keeps its registry. */
export function familiarReference(ref: string): string {
  let name = ref;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) {
    suffix = name.slice(colon) + suffix;
    name = name.slice(0, colon);
  } else if (at < 0) {
    suffix = ':latest';
  }
  if (name.startsWith('docker.io/')) name = name.slice('docker.io/'.length);
  else if (name.startsWith('index.docker.io/')) name = name.slice('index.docker.io/'.length);
  if (name.startsWith('library/') && name.split('/').length === 2) name = name.slice('library/'.length);
  return name + suffix;
}

function none<T>(): Promise<T[]> {
  return Promise.resolve([]);
}

function unionBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

