// The raw floor: the same objects stack and docker-compose make (a user network, named
// volumes, one container per service with the same image, command, environment, labels,
// mounts and init), made directly through dockerode with no file parsing and no planning,
// at the same parallelism as stack. It answers "what does the engine itself cost?".
//
// Like stack's executor, every engine call is one node of a DAG run with a concurrency
// limit: creates wait for the network and their volume, a start waits for its own create
// and for the starts of its depends_on; on the way down a container stops only after the
// containers that depend on it, the network and volumes go once their containers are gone.

import Docker from 'dockerode';
import { docker as defaultClient, PROJECT_LABEL } from './engine.mjs';
import { runDag } from './dag.mjs';

const networkName = (project, spec) => `${project}_${spec.network}`;
const volumeName = (project, key) => `${project}_${key}`;
const containerName = (project, service) => `${project}-${service}-1`;
const projectFilter = (project) => ({ label: [`${PROJECT_LABEL}=${project}`] });

function containerBody(project, spec, service) {
  const net = networkName(project, spec);
  return {
    name: containerName(project, service.name),
    Image: spec.image,
    Cmd: service.command,
    Env: Object.entries(service.environment).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [PROJECT_LABEL]: project,
      'com.docker.compose.service': service.name,
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'dev.stack.bench': 'floor',
    },
    HostConfig: {
      Init: true,
      NetworkMode: net,
      Mounts: service.volume ? [{ Type: 'volume', Source: volumeName(project, service.volume), Target: '/data' }] : [],
    },
    NetworkingConfig: { EndpointsConfig: { [net]: { Aliases: [service.name] } } },
  };
}

/**
 * The floor's operations on one engine client (the default one, or one pointed at the
 * API-call counter). Every function returns the milliseconds its engine calls took.
 * @param {Docker} [client]
 */
export function createFloor(client = defaultClient) {
  /** One observation, as any reconciler must make: the project's containers, networks, volumes. */
  async function observe(project) {
    await Promise.all([
      client.listContainers({ all: true, filters: projectFilter(project) }),
      client.listNetworks({ filters: projectFilter(project) }),
      client.listVolumes({ filters: projectFilter(project) }),
    ]);
  }

  const timed = async (fn) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };

  /** Cold up: observe, then network, volumes, creates and starts. Returns milliseconds. */
  function floorUp(project, spec, parallel) {
    return timed(async () => {
      await observe(project);
      const labels = { [PROJECT_LABEL]: project, 'dev.stack.bench': 'floor' };
      const nodes = new Map();
      nodes.set('network', { after: [], run: () => client.createNetwork({ Name: networkName(project, spec), Driver: 'bridge', CheckDuplicate: true, Labels: { ...labels, 'com.docker.compose.network': spec.network } }) });
      for (const v of spec.volumes) {
        nodes.set(`volume:${v}`, { after: [], run: () => client.createVolume({ Name: volumeName(project, v), Labels: { ...labels, 'com.docker.compose.volume': v } }) });
      }
      const ids = new Map();
      for (const s of spec.services) {
        nodes.set(`create:${s.name}`, {
          after: ['network', ...(s.volume ? [`volume:${s.volume}`] : [])],
          run: async () => ids.set(s.name, (await client.createContainer(containerBody(project, spec, s))).id),
        });
        nodes.set(`start:${s.name}`, {
          after: [`create:${s.name}`, ...s.dependsOn.map((d) => `start:${d}`)],
          run: () => client.getContainer(ids.get(s.name)).start(),
        });
      }
      await runDag(nodes, parallel);
    });
  }

  /** No-op up: all a reconciler with nothing to do must ask the engine. */
  function floorNoop(project) {
    return timed(() => observe(project));
  }

  /** One changed service: observe, then stop, remove, create, start that one container. */
  function floorRecreate(project, spec, serviceName) {
    const service = spec.services.find((s) => s.name === serviceName);
    return timed(async () => {
      const [containers] = await Promise.all([
        client.listContainers({ all: true, filters: projectFilter(project) }),
        client.listNetworks({ filters: projectFilter(project) }),
        client.listVolumes({ filters: projectFilter(project) }),
      ]);
      const old = containers.find((c) => c.Labels['com.docker.compose.service'] === serviceName);
      const container = client.getContainer(old.Id);
      await container.stop();
      await container.remove();
      const created = await client.createContainer(containerBody(project, spec, service));
      await client.getContainer(created.id).start();
    });
  }

  /** down -v: observe, stop dependents before their dependencies, remove, then network and volumes. */
  function floorDown(project, spec, parallel) {
    return timed(async () => {
      const [containers] = await Promise.all([
        client.listContainers({ all: true, filters: projectFilter(project) }),
        client.listNetworks({ filters: projectFilter(project) }),
        client.listVolumes({ filters: projectFilter(project) }),
      ]);
      const idOf = new Map(containers.map((c) => [c.Labels['com.docker.compose.service'], c.Id]));
      const dependentsOf = new Map(spec.services.map((s) => [s.name, []]));
      for (const s of spec.services) for (const d of s.dependsOn) dependentsOf.get(d).push(s.name);
      const nodes = new Map();
      for (const s of spec.services) {
        const id = idOf.get(s.name);
        nodes.set(`stop:${s.name}`, { after: dependentsOf.get(s.name).map((d) => `stop:${d}`), run: () => client.getContainer(id).stop() });
        nodes.set(`remove:${s.name}`, { after: [`stop:${s.name}`], run: () => client.getContainer(id).remove() });
      }
      const allRemoves = spec.services.map((s) => `remove:${s.name}`);
      nodes.set('network', { after: allRemoves, run: () => client.getNetwork(networkName(project, spec)).remove() });
      for (const s of spec.services) {
        if (s.volume) nodes.set(`volume:${s.volume}`, { after: [`remove:${s.name}`], run: () => client.getVolume(volumeName(project, s.volume)).remove() });
      }
      await runDag(nodes, parallel);
    });
  }

  return { up: floorUp, noop: floorNoop, recreate: floorRecreate, down: floorDown };
}
