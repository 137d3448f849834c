// One snapshot of what is live for a project: the planner's only view of the engine.
//
// docker-compose 1.29 makes 260 API calls for a no-op `up` of 30 services (an inspect per
// container and per image). Everything the planner needs is in list answers, so a snapshot is
// at most four list calls, made concurrently, whatever the number of services:
//   - containers, networks and volumes, each listed once, whole. The planner needs those
//     carrying the project label (all states), and also those holding a name the model would
//     use (external networks and volumes must exist; a name in use by an object we did not
//     create for this project, whoever made it, another project of ours included, is a
//     conflict to report, or a volume to share, before changing anything). The engine matches names
//     only as regular expressions, compiled per object and name (TRAPS), so names are matched
//     here; one whole list then answers both questions, where a label list and a name list
//     were two calls for the same objects;
//   - one image list filtered by the model's references;
//   - and, only after a dependency with `depends_on.restart: true` dependents was replaced,
//     an inspect of that container and of those dependents (withRestartTimes).
// Without a model (`down -p NAME`), only the project's labelled objects are listed.

import { COMPOSE, STACK, isManagedBy, parseRestartDependents, projectFilter } from '../api/labels.js';
import { engineTimeUs } from '../api/engine-time.js';
import { NotFoundError } from '../errors.js';
import type { StackModel } from '../model/types.js';
import { serviceImageName } from '../model/image-name.js';
import type { NameHolder, ObservedState } from '../api/observed.js';
import type { ContainerTimes, EngineGateway, ObservedContainer, ObservedImage, ObservedNetwork, ObservedVolume } from './gateway.js';
import { anonymousVolumeName } from '../planner/names.js';

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
    // The engine matches a `reference` filter against the familiar form of its tags
    // (`busybox:latest`), so `docker.io/library/busybox` as written would match nothing.
    wanted?.images.length ? gateway.listImages({ names: [...new Set(wanted.images.map(familiarReference))] }, signal) : none<ObservedImage>(),
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
    ...(wanted ? imagesOf(wanted.images, images) : { images: Object.create(null) as Record<string, string> }),
    ...(model
      ? {
          foreignByName: {
            containers: foreignNames(namedContainers, projectName),
            networks: foreignNames(namedNetworks.filter((n) => !externalNetworks.has(n.name)), projectName),
            volumes: foreignNames(namedVolumes.filter((v) => !externalVolumes.has(v.name)), projectName),
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
  const anonymousVolumes: string[] = [];
  const images = new Set<string>();
  for (const [key, service] of Object.entries(model.services)) {
    const replicas = service.containerName ? 1 : Math.max(scale[key] ?? service.scale, 0);
    if (service.containerName) containers.push(service.containerName);
    else for (let n = 1; n <= replicas; n++) containers.push(`${model.projectName}-${key}-${n}`);
    // Anonymous volumes get deterministic names (planner/names.ts): another project can hold one.
    for (const m of service.mounts) {
      if (m.type !== 'volume' || m.source !== undefined) continue;
      for (let n = 1; n <= replicas; n++) anonymousVolumes.push(anonymousVolumeName(model.projectName, key, n, m.target));
    }
    // A service built here without `image:` gets Compose's default image name.
    images.add(serviceImageName(model.projectName, service));
    // Its build's extra tags: `stack build` skips a build only when they are all still there.
    for (const tag of service.build?.tags ?? []) images.add(tag);
  }
  return {
    containers: [...new Set(containers)].sort(),
    networks: [...new Set(Object.values(model.networks).map((n) => n.name))].sort(),
    volumes: [...new Set([...Object.values(model.volumes).map((v) => v.name), ...anonymousVolumes])].sort(),
    images: [...images].sort(),
  };
}

/** Objects holding a name we would use that stack did not create for this project, with their labels (who made them). */
function foreignNames(objects: readonly Labelled[], projectName: string): NameHolder[] {
  return objects
    .filter((o) => !isManagedBy(o.labels, projectName))
    .map((o) => ({ name: o.name, labels: o.labels }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reference as written → image id, and → our build hash label for the images that carry one.
 * The engine lists tags in their familiar form (`redis:7`, `me/app:latest`), so references
 * are brought to that form before matching.
 */
function imagesOf(refs: readonly string[], images: readonly ObservedImage[]): Pick<ObservedState, 'images' | 'imageBuildHashes' | 'imageBuildBases'> {
  const byTag = new Map<string, ObservedImage>();
  const byDigest = new Map<string, ObservedImage>();
  for (const image of images) {
    for (const tag of image.repoTags) byTag.set(familiarReference(tag), image);
    for (const digest of image.repoDigests ?? []) byDigest.set(familiarReference(digest), image);
  }
  const ids = Object.create(null) as Record<string, string>;
  const buildHashes = Object.create(null) as Record<string, string>;
  const buildBases = Object.create(null) as Record<string, string>;
  for (const ref of refs) {
    const familiar = familiarReference(ref);
    let found = familiar.includes('@') ? byDigest.get(familiar) : byTag.get(familiar);
    if (found === undefined && /^sha256:[0-9a-f]{12,64}$/.test(ref)) found = images.find((i) => i.id.startsWith(ref));
    if (found === undefined) continue;
    ids[ref] = found.id;
    const buildHash = found.labels[STACK.buildHash];
    if (buildHash !== undefined) buildHashes[ref] = buildHash;
    const bases = found.labels[STACK.buildBases];
    if (bases !== undefined) buildBases[ref] = bases;
  }
  return { images: ids, imageBuildHashes: buildHashes, imageBuildBases: buildBases };
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

