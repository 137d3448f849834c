// One service of the model → the Engine API's ServiceSpec, built purely (the gateway passes it
// through unchanged), and the canonical spec its hash and reasons come from.
//
// The canonical spec is the container target's (planner/canonical.ts: the file's own words, so
// a reason reads `environment.LOG_LEVEL "info" → "debug"`), plus what a service has on top:
// the deploy section, the replica count, and the versioned names of its configs and secrets
// (a rotated secret reads `secretVersions.db_password "demo_db_password_1a2b…" → "…"`).
//
// Two hashes go on the service. `dev.stack.config-hash` (service labels) covers everything:
// when it matches, the service is left alone, and nothing is sent at all (`docker stack
// deploy` sends every service again on every deploy, which bumps every version). The task
// hash goes into the containers' labels and covers only the task template: the engine rolls
// tasks only when their template changes, so a replica count or update_config change rolls
// nothing, and a task can be told to be of the current spec by its own labels (what `up
// --wait` counts).

import { canonicalHash, canonicalJson } from '../../model/hash.js';
import { STACK, SWARM, swarmOwnershipLabels } from '../../api/labels.js';
import type { DeploySpec, ServiceSpec, UpdateConfigSpec } from '../../model/types.js';
import type { EndpointPortConfig, Mount, ObservedService, ServiceSpecBody, SwarmUpdateConfig } from '../../api/swarm-types.js';
import { canonicalServiceSpec, specHash, type CanonicalSpec } from '../../planner/canonical.js';
import { sensitivePaths, specLabel } from '../../planner/sensitive-spec.js';
import { formatSensitivePaths } from '../../api/labels.js';
import type { SwarmPlanContext } from './context.js';
import type { SwarmFileRef } from './files.js';
import type { SwarmNetworkRef } from './networks.js';
import { swarmImage, swarmServiceName } from './names.js';

/** The task template's hash, in every task's container labels. */
export const TASK_HASH_LABEL = 'dev.stack.task-hash';

export interface DesiredService {
  readonly name: string;
  readonly engineName: string;
  readonly body: ServiceSpecBody;
  readonly spec: CanonicalSpec;
  readonly hash: string;
  readonly taskHash: string;
  /** The image with its digest when one was resolved, else as written. */
  readonly image: string;
}

export interface ServiceRefs {
  readonly networks: ReadonlyMap<string, SwarmNetworkRef>;
  readonly files: ReadonlyMap<string, SwarmFileRef>;
}

function withoutIds<T extends { readonly name: string; readonly id?: string }>(refs: ReadonlyMap<string, T>): Map<string, T> {
  return new Map([...refs].map(([k, r]) => [k, { ...r, id: undefined }]));
}

/** `deploy.replicas`, else `scale`, else 1; undefined for global modes. */
export function replicasOf(service: ServiceSpec): number | undefined {
  const mode = service.deploy?.mode ?? 'replicated';
  if (mode === 'global' || mode === 'global-job') return undefined;
  return service.deploy?.replicas ?? service.scale;
}

/**
 * `previous` is the live service, when there is one: its pinned image stands when no registry
 * answered this time (so a registry that is down does not unpin every service), and its
 * ForceUpdate counter is carried on (a template that only lost the counter would roll every
 * task), plus one with `forceUpdate`.
 */
export function desiredService(ctx: SwarmPlanContext, service: ServiceSpec, refs: ServiceRefs, previous?: ObservedService): DesiredService {
  const written = swarmImage(ctx.model, service);
  const previouslyPinned = previous && previous.labels[SWARM.image] === written && previous.image.startsWith(`${written}@sha256:`) ? previous.image : undefined;
  const image = ctx.inputs.imageDigests.get(written) ?? previouslyPinned ?? written;
  const forceUpdate = (previous?.forceUpdate ?? 0) + (ctx.options.forceUpdate ? 1 : 0);
  const versions = (kind: 'secret' | 'config', list: ServiceSpec['secrets']) =>
    Object.fromEntries(list.map((r) => [r.source, refs.files.get(`${kind}:${r.source}`)?.name ?? '']));
  // `replicas` once (the effective count), and configs and secrets by version (their
  // contents), not by the host file they were read from: a moved file is no change.
  const { ignored: _ignored, replicas: _replicas, ...deploy } = service.deploy ?? ({ ignored: [] } as unknown as DeploySpec);
  const canonical = canonicalServiceSpec(ctx.model, service);
  const fileRef = (r: Record<string, unknown>) => {
    const { file: _file, environment: _environment, name: _name, ...rest } = r;
    return rest;
  };
  const spec = JSON.parse(
    canonicalJson({
      ...canonical,
      secrets: (canonical['secrets'] as Record<string, unknown>[]).map(fileRef),
      configs: (canonical['configs'] as Record<string, unknown>[]).map(fileRef),
      image,
      deploy,
      replicas: replicasOf(service),
      secretVersions: versions('secret', service.secrets),
      configVersions: versions('config', service.configs),
    }),
  ) as CanonicalSpec;
  const hash = specHash(spec);
  const sensitive = sensitivePaths(spec, ctx.redactor);
  const taskTemplate = taskTemplateOf(ctx, service, image, refs, forceUpdate);
  // Hashed with names, not ids: a network or secret made in this run has no id yet, and the
  // hash must come out the same on the next run, when it has one.
  const taskHash = canonicalHash(taskTemplateOf(ctx, service, image, { networks: withoutIds(refs.networks), files: withoutIds(refs.files) }, forceUpdate));
  const containerLabels = { ...taskTemplate.ContainerSpec.Labels, [TASK_HASH_LABEL]: taskHash };
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, service.deploy?.labels ?? {}, swarmOwnershipLabels(ctx.projectName));
  labels[SWARM.image] = written;
  labels[STACK.configHash] = hash;
  labels[STACK.spec] = specLabel(spec, sensitive);
  const sensitiveLabel = formatSensitivePaths(sensitive);
  if (sensitiveLabel !== undefined) labels[STACK.sensitivePaths] = sensitiveLabel;
  if (ctx.options.stackVersion !== undefined) labels[STACK.version] = ctx.options.stackVersion;
  const engineName = swarmServiceName(ctx.projectName, service.name);
  const body: ServiceSpecBody = {
    Name: engineName,
    Labels: labels,
    TaskTemplate: { ...taskTemplate, ContainerSpec: { ...taskTemplate.ContainerSpec, Labels: containerLabels } },
    Mode: modeOf(service),
    ...(service.deploy?.updateConfig ? { UpdateConfig: updateConfigOf(service.deploy.updateConfig) } : {}),
    ...(service.deploy?.rollbackConfig ? { RollbackConfig: updateConfigOf(service.deploy.rollbackConfig) } : {}),
    EndpointSpec: { Mode: service.deploy?.endpointMode ?? 'vip', ...(service.ports.length > 0 ? { Ports: portsOf(service) } : {}) },
  };
  return { name: service.name, engineName, body, spec, hash, taskHash, image };
}

function modeOf(service: ServiceSpec): ServiceSpecBody['Mode'] {
  const replicas = replicasOf(service) ?? 1;
  switch (service.deploy?.mode ?? 'replicated') {
    case 'global':
      return { Global: {} };
    case 'global-job':
      return { GlobalJob: {} };
    case 'replicated-job':
      return { ReplicatedJob: { MaxConcurrent: replicas, TotalCompletions: replicas } };
    default:
      return { Replicated: { Replicas: replicas } };
  }
}

function updateConfigOf(u: UpdateConfigSpec): SwarmUpdateConfig {
  return {
    ...(u.parallelism !== undefined ? { Parallelism: u.parallelism } : {}),
    ...(u.delay !== undefined ? { Delay: u.delay } : {}),
    ...(u.failureAction !== undefined ? { FailureAction: u.failureAction } : {}),
    ...(u.monitor !== undefined ? { Monitor: u.monitor } : {}),
    ...(u.maxFailureRatio !== undefined ? { MaxFailureRatio: u.maxFailureRatio } : {}),
    ...(u.order !== undefined ? { Order: u.order } : {}),
  };
}

function portsOf(service: ServiceSpec): EndpointPortConfig[] {
  return service.ports.map((p) => ({
    ...(p.name !== undefined ? { Name: p.name } : {}),
    Protocol: p.protocol,
    TargetPort: p.target,
    ...(p.published !== undefined && /^\d+$/.test(p.published) ? { PublishedPort: Number(p.published) } : {}),
    PublishMode: p.mode,
  }));
}

type TaskTemplate = ServiceSpecBody['TaskTemplate'];

function taskTemplateOf(ctx: SwarmPlanContext, service: ServiceSpec, image: string, refs: ServiceRefs, forceUpdate: number): TaskTemplate {
  const networks = Object.keys(service.networks)
    .sort()
    .flatMap((key) => {
      const ref = refs.networks.get(key);
      return ref ? [{ Target: ref.id ?? ref.name, Aliases: [service.name, ...service.networks[key]!.aliases] }] : [];
    });
  const resources = resourcesOf(service);
  const restart = restartPolicyOf(service);
  const placement = placementOf(service.deploy);
  return {
    ContainerSpec: containerSpecOf(ctx, service, image, refs),
    ...(resources ? { Resources: resources } : {}),
    ...(restart ? { RestartPolicy: restart } : {}),
    ...(placement ? { Placement: placement } : {}),
    ...(networks.length > 0 ? { Networks: networks } : {}),
    ...(service.logging?.driver !== undefined ? { LogDriver: { Name: service.logging.driver, Options: { ...service.logging.options } } } : {}),
    ...(forceUpdate > 0 ? { ForceUpdate: forceUpdate } : {}),
  };
}

function containerSpecOf(ctx: SwarmPlanContext, service: ServiceSpec, image: string, refs: ServiceRefs): TaskTemplate['ContainerSpec'] {
  const labels: Record<string, string> = Object.create(null);
  Object.assign(labels, service.labels);
  labels[SWARM.namespace] = ctx.projectName;
  const env = Object.keys(service.environment).sort().map((k) => `${k}=${service.environment[k]}`);
  const hc = service.healthcheck;
  const file = (target: string, r: ServiceSpec['secrets'][number], secret: boolean) => ({
    // A secret's target is a name under /run/secrets/ (the engine puts it there); a config's is a path.
    Name: secret && target.startsWith('/run/secrets/') ? target.slice('/run/secrets/'.length) : target,
    UID: r.uid ?? '0',
    GID: r.gid ?? '0',
    Mode: r.mode ?? 0o444,
  });
  const spec: Record<string, unknown> = {
    Image: image,
    Labels: labels,
    ...(service.entrypoint !== undefined ? { Command: [...service.entrypoint] } : {}),
    ...(service.command !== undefined ? { Args: [...service.command] } : {}),
    ...(service.hostname !== undefined ? { Hostname: service.hostname } : {}),
    ...(env.length > 0 ? { Env: env } : {}),
    ...(service.workingDir !== undefined ? { Dir: service.workingDir } : {}),
    ...(service.user !== undefined ? { User: service.user } : {}),
    ...(service.groupAdd.length > 0 ? { Groups: [...service.groupAdd] } : {}),
    ...(service.tty ? { TTY: true } : {}),
    ...(service.stdinOpen ? { OpenStdin: true } : {}),
    ...(service.readOnly ? { ReadOnly: true } : {}),
    ...(service.mounts.length > 0 ? { Mounts: mountsOf(ctx, service) } : {}),
    ...(service.stopSignal !== undefined ? { StopSignal: service.stopSignal } : {}),
    ...(service.stopGracePeriod !== undefined ? { StopGracePeriod: service.stopGracePeriod } : {}),
    ...(hc ? { Healthcheck: { Test: [...hc.test], ...(hc.interval !== undefined ? { Interval: hc.interval } : {}), ...(hc.timeout !== undefined ? { Timeout: hc.timeout } : {}), ...(hc.retries !== undefined ? { Retries: hc.retries } : {}), ...(hc.startPeriod !== undefined ? { StartPeriod: hc.startPeriod } : {}) } } : {}),
    ...(service.extraHosts.length > 0 ? { Hosts: service.extraHosts.map(hostsEntry) } : {}),
    ...(service.dns.length + service.dnsSearch.length + service.dnsOpt.length > 0
      ? { DNSConfig: { Nameservers: [...service.dns], Search: [...service.dnsSearch], Options: [...service.dnsOpt] } }
      : {}),
    ...(service.secrets.length > 0
      ? { Secrets: service.secrets.map((r) => ({ File: file(r.target, r, true), SecretID: refs.files.get(`secret:${r.source}`)?.id ?? '', SecretName: refs.files.get(`secret:${r.source}`)?.name ?? r.source })) }
      : {}),
    ...(service.configs.length > 0
      ? { Configs: service.configs.map((r) => ({ File: file(r.target, r, false), ConfigID: refs.files.get(`config:${r.source}`)?.id ?? '', ConfigName: refs.files.get(`config:${r.source}`)?.name ?? r.source })) }
      : {}),
    ...(service.init !== undefined ? { Init: service.init } : {}),
    ...(Object.keys(service.sysctls).length > 0 ? { Sysctls: { ...service.sysctls } } : {}),
    ...(service.capAdd.length > 0 ? { CapabilityAdd: [...service.capAdd] } : {}),
    ...(service.capDrop.length > 0 ? { CapabilityDrop: [...service.capDrop] } : {}),
    ...(Object.keys(service.ulimits).length > 0
      ? { Ulimits: Object.keys(service.ulimits).sort().map((n) => ({ Name: n, Soft: service.ulimits[n]!.soft, Hard: service.ulimits[n]!.hard })) }
      : {}),
    ...(service.isolation !== undefined ? { Isolation: service.isolation } : {}),
  };
  return spec as TaskTemplate['ContainerSpec'];
}

/** `host:ip` (our model's form) → `ip host`, the hosts-file line a service spec takes. */
function hostsEntry(entry: string): string {
  const at = entry.indexOf(':');
  return `${entry.slice(at + 1)} ${entry.slice(0, at)}`;
}

/** Named volumes are node-local on a swarm: each node has its own `<stack>_<key>`, made by the engine when a task first needs it. */
function mountsOf(ctx: SwarmPlanContext, service: ServiceSpec): Mount[] {
  return service.mounts.flatMap((m): Mount[] => {
    if (m.type === 'volume') {
      const volume = m.source !== undefined ? ctx.model.volumes[m.source] : undefined;
      const labels: Record<string, string> = Object.create(null);
      Object.assign(labels, volume?.labels ?? {});
      labels[SWARM.namespace] = ctx.projectName;
      return [
        {
          Type: 'volume',
          ...(volume ? { Source: volume.name } : {}),
          Target: m.target,
          ...(m.readOnly ? { ReadOnly: true } : {}),
          VolumeOptions: {
            ...(m.volume?.nocopy ? { NoCopy: true } : {}),
            Labels: labels,
            ...(volume?.driver !== undefined ? { DriverConfig: { Name: volume.driver, Options: { ...volume.driverOpts } } } : {}),
          },
        },
      ];
    }
    if (m.type === 'bind') return [{ Type: 'bind', Source: m.source ?? '', Target: m.target, ...(m.readOnly ? { ReadOnly: true } : {}), ...(m.bind?.propagation ? { BindOptions: { Propagation: m.bind.propagation } } : {}) }];
    if (m.type === 'tmpfs') return [{ Type: 'tmpfs', Target: m.target, ...(m.tmpfs ? { TmpfsOptions: { ...(m.tmpfs.size !== undefined ? { SizeBytes: m.tmpfs.size } : {}), ...(m.tmpfs.mode !== undefined ? { Mode: m.tmpfs.mode } : {}) } } : {}) }];
    return [];
  });
}

function resourcesOf(service: ServiceSpec): TaskTemplate['Resources'] | undefined {
  const r = service.resources;
  const limits = {
    ...(r.cpus !== undefined ? { NanoCPUs: Math.round(r.cpus * 1e9) } : {}),
    ...(r.memory !== undefined ? { MemoryBytes: r.memory } : {}),
    ...(r.pids !== undefined ? { Pids: r.pids } : {}),
  };
  const reservations = {
    ...(r.cpuReservation !== undefined ? { NanoCPUs: Math.round(r.cpuReservation * 1e9) } : {}),
    ...(r.memoryReservation !== undefined ? { MemoryBytes: r.memoryReservation } : {}),
  };
  if (Object.keys(limits).length === 0 && Object.keys(reservations).length === 0) return undefined;
  return { ...(Object.keys(limits).length > 0 ? { Limits: limits } : {}), ...(Object.keys(reservations).length > 0 ? { Reservations: reservations } : {}) };
}

/** deploy.restart_policy, else `restart:` read the way `docker stack deploy` reads it. */
function restartPolicyOf(service: ServiceSpec): TaskTemplate['RestartPolicy'] | undefined {
  const p = service.deploy?.restartPolicy;
  if (p) {
    return {
      ...(p.condition !== undefined ? { Condition: p.condition } : {}),
      ...(p.delay !== undefined ? { Delay: p.delay } : {}),
      ...(p.maxAttempts !== undefined ? { MaxAttempts: p.maxAttempts } : {}),
      ...(p.window !== undefined ? { Window: p.window } : {}),
    };
  }
  const restart = service.restart;
  if (restart === undefined) return undefined;
  if (restart === 'no') return { Condition: 'none' };
  const m = /^on-failure(?::(\d+))?$/.exec(restart);
  if (m) return { Condition: 'on-failure', ...(m[1] !== undefined ? { MaxAttempts: Number(m[1]) } : {}) };
  return { Condition: 'any' };
}

function placementOf(deploy: DeploySpec | undefined): TaskTemplate['Placement'] | undefined {
  if (!deploy) return undefined;
  const p = deploy.placement;
  if (p.constraints.length === 0 && p.preferences.length === 0 && p.maxReplicasPerNode === undefined) return undefined;
  return {
    ...(p.constraints.length > 0 ? { Constraints: [...p.constraints] } : {}),
    ...(p.preferences.length > 0 ? { Preferences: p.preferences.map((d) => ({ Spread: { SpreadDescriptor: d } })) } : {}),
    ...(p.maxReplicasPerNode !== undefined ? { MaxReplicas: p.maxReplicasPerNode } : {}),
  };
}
