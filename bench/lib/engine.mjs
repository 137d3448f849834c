// The bench's own view of the engine (dockerode, independent of the code under test):
// engine facts for the report, per-project cleanup by label, and state checks that make
// sure every tool really did the work it was timed for.

import Docker from 'dockerode';

export const docker = new Docker();
export const PROJECT_LABEL = 'com.docker.compose.project';

const byProject = (project) => ({ label: [`${PROJECT_LABEL}=${project}`] });

export async function engineFacts() {
  const [version, info] = await Promise.all([docker.version(), docker.info()]);
  return { version: version.Version, apiVersion: version.ApiVersion, ncpu: info.NCPU, memTotal: info.MemTotal, storageDriver: info.Driver };
}

export async function imageExists(name) {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Containers, networks and volumes carrying the project's label. */
export async function projectObjects(project) {
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters: byProject(project) }),
    docker.listNetworks({ filters: byProject(project) }),
    docker.listVolumes({ filters: byProject(project) }).then((r) => r.Volumes ?? []),
  ]);
  return { containers, networks, volumes };
}

/** Removes what carries this project's label, and nothing else; never prunes the engine. */
export async function cleanupProject(project) {
  const { containers } = await projectObjects(project);
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const { networks, volumes } = await projectObjects(project);
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
  await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
}

/** service name -> { id, state } of the project's containers. */
export async function serviceContainers(project) {
  const { containers } = await projectObjects(project);
  const map = new Map();
  for (const c of containers) map.set(c.Labels['com.docker.compose.service'], { id: c.Id, state: c.State });
  return map;
}
