// What a Swarm service cannot be told, said before anything is planned, naming the field.
// `docker stack deploy` prints one line, "Ignoring unsupported options: build, links...", and
// deploys anyway. We do better in two ways: each finding names `services.<name>.<field>`, and
// what would make the service run differently from what the file says (privileged, devices,
// a network mode, volumes from another container, a build with no image to run) is an error,
// not a note; what only loses a convenience (an ordering, a container name) is a warning.

import type { ServiceSpec, StackModel } from '../../model/types.js';
import type { SwarmPlanContext } from './context.js';

interface Finding {
  readonly field: string;
  readonly error: boolean;
  readonly why: string;
}

type Check = (service: ServiceSpec, model: StackModel) => Finding | undefined;

const error = (field: string, why: string): Finding => ({ field, error: true, why });
const warning = (field: string, why: string): Finding => ({ field, error: false, why });

const CHECKS: readonly Check[] = [
  (s) => (s.build && s.image === undefined ? error('build', 'Swarm cannot build: give the service an `image` that every node has (or can pull), and build it first') : undefined),
  (s) => (s.build && s.image !== undefined ? warning('build', `ignored: Swarm runs the image ${s.image} as it is on each node (build and push it first)`) : undefined),
  (s) => (s.privileged ? error('privileged', 'Swarm services cannot run privileged') : undefined),
  (s) => (s.devices.length > 0 ? error('devices', 'Swarm services cannot map host devices') : undefined),
  (s) => (s.networkMode !== undefined ? error('network_mode', 'Swarm services join networks, not another network namespace: use `networks`') : undefined),
  (s) => (s.volumesFrom.length > 0 ? error('volumes_from', 'Swarm services cannot share another container\'s volumes: use a named volume') : undefined),
  (s) => (s.containerName !== undefined ? warning('container_name', 'ignored: Swarm names tasks itself (<stack>_<service>.<slot>.<id>)') : undefined),
  (s) => conditionalDependency(s),
  (s) => (s.links.length > 0 ? warning('links', 'ignored: services on a shared network reach each other by name') : undefined),
  (s) => (s.externalLinks.length > 0 ? warning('external_links', 'ignored by Swarm') : undefined),
  (s) => (s.restart !== undefined && s.deploy?.restartPolicy === undefined ? warning('restart', `Swarm restarts tasks by deploy.restart_policy: '${s.restart}' is used as its condition`) : undefined),
  (s) => (s.tmpfs.length > 0 ? warning('tmpfs', 'ignored by Swarm: use a volume of type tmpfs') : undefined),
  (s) => (s.securityOpt.length > 0 ? warning('security_opt', 'ignored by Swarm') : undefined),
  (s) => (s.cgroupParent !== undefined ? warning('cgroup_parent', 'ignored by Swarm') : undefined),
  (s) => (s.userns !== undefined ? warning('userns_mode', 'ignored by Swarm') : undefined),
  (s) => (s.pid !== undefined || s.ipc !== undefined ? warning(s.pid !== undefined ? 'pid' : 'ipc', 'ignored by Swarm') : undefined),
  (s) => (s.macAddress !== undefined ? warning('mac_address', 'ignored by Swarm') : undefined),
  (s) => (s.shmSize !== undefined ? warning('shm_size', 'ignored by Swarm: use a volume of type tmpfs on /dev/shm') : undefined),
  (s) => (s.ports.some((p) => p.hostIp !== undefined) ? warning('ports', 'a host IP cannot be given to Swarm: the port is published on every address') : undefined),
  (s) => (s.ports.some((p) => p.published?.includes('-')) ? error('ports', 'Swarm publishes single ports, not ranges') : undefined),
  (s) => (s.mounts.some((m) => m.type === 'volume' && m.source === undefined) ? warning('volumes', 'an anonymous volume on Swarm is a new empty volume for every task') : undefined),
  (s) => (s.deploy && s.deploy.ignored.length > 0 ? warning(s.deploy.ignored[0]!.path.replace(`services.${s.name}.`, ''), 'ignored: Swarm cannot reserve these from a stack file') : undefined),
];

function conditionalDependency(s: ServiceSpec): Finding | undefined {
  const conditional = Object.entries(s.dependsOn).filter(([, d]) => !d.implicit && d.condition !== 'service_started');
  if (conditional.length === 0) return undefined;
  return warning('depends_on', `ignored: Swarm starts services in no order and waits for no condition (${conditional.map(([n, d]) => `${n}: ${d.condition}`).join(', ')}); give the service a healthcheck and a restart policy instead`);
}

/** What the services in scope cannot do on a swarm, each as `services.<name>.<field>: why`. */
export function swarmSupportFindings(model: StackModel, scope: readonly string[]): { service: string; text: string; error: boolean }[] {
  const found: { service: string; text: string; error: boolean }[] = [];
  for (const name of scope) {
    const service = model.services[name]!;
    for (const check of CHECKS) {
      const f = check(service, model);
      if (f) found.push({ service: name, text: `services.${name}.${f.field}: ${f.why}`, error: f.error });
    }
  }
  return found;
}

/** Adds a problem per error and a warning per note, for every service in scope. */
export function checkSwarmSupport(ctx: SwarmPlanContext): void {
  for (const f of swarmSupportFindings(ctx.model, ctx.scope)) {
    if (f.error) ctx.problems.push(f.text);
    else ctx.warnings.push({ service: f.service, message: f.text });
  }
}
