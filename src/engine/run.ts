// The container of `stack run`: the service's container, built by the planner's own body
// builder, turned into a one-off the way Compose does it:
// - labels: `com.docker.compose.oneoff=True`, no container number (it is not a replica);
// - name `<project>-<service>-run-<12 hex>` unless --name;
// - no restart policy, and the service's published ports only with --service-ports (a
//   one-off next to the running service would collide on them); `-p` publishes its own;
// - FRESH anonymous volumes (the service's replicas name theirs deterministically; a one-off
//   must not share replica 1's);
// - stdin open and attached, a TTY only when asked.
// Pure: no engine calls.

import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { ContainerCreateBody } from './gateway.js';
import type { ServiceSpec, StackModel } from '../model/types.js';
import { COMPOSE, formatOneOff } from '../api/labels.js';
import { buildContainerCreateBody } from '../planner/container-spec.js';
import { anonymousVolumeName } from '../planner/names.js';
import { UsageError } from '../errors.js';

export interface OneOffOptions {
  /** Replaces the service's command (empty/undefined: keep it). */
  readonly command?: readonly string[];
  /** Replaces the entrypoint (`--entrypoint`, already split into words). */
  readonly entrypoint?: readonly string[];
  /** `-e KEY=VALUE` (or `KEY`, taken from `hostEnv`). */
  readonly env?: readonly string[];
  /** `-v source:target[:mode]`; a relative source is relative to the project directory. */
  readonly volumes?: readonly string[];
  /** `-p [ip:][host:]container[/protocol]`. */
  readonly publish?: readonly string[];
  readonly servicePorts?: boolean;
  /** Keep the service's network aliases (`--use-aliases`). */
  readonly useAliases?: boolean;
  readonly name?: string;
  readonly user?: string;
  readonly workdir?: string;
  readonly tty: boolean;
  readonly interactive: boolean;
  readonly labels?: readonly string[];
  readonly hostEnv?: Readonly<Record<string, string | undefined>>;
  readonly stackVersion?: string;
}

export function oneOffName(projectName: string, service: string, random: string = randomBytes(6).toString('hex')): string {
  return `${projectName}-${service}-run-${random}`;
}

/** `-p 127.0.0.1:8080:80/tcp` → the port key and its binding. */
export function parsePublish(spec: string): { key: string; binding: { HostIp?: string; HostPort?: string } } {
  const m = /^(?:(?:\[([0-9a-fA-F:]+)\]|(\d+\.\d+\.\d+\.\d+)):)?(?:(\d+(?:-\d+)?)?:)?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(spec);
  if (!m) throw new UsageError(`cannot read the port "${spec}"`, { hint: 'use [ip:][host:]container[/protocol], e.g. 127.0.0.1:8080:80' });
  const hostIp = m[1] ?? m[2];
  const binding: { HostIp?: string; HostPort?: string } = {};
  if (hostIp !== undefined) binding.HostIp = hostIp;
  if (m[3] !== undefined) binding.HostPort = m[3];
  return { key: `${m[4]}/${m[5] ?? 'tcp'}`, binding };
}

export function oneOffBody(model: StackModel, service: ServiceSpec, options: OneOffOptions): ContainerCreateBody {
  const base = buildContainerCreateBody(model, service, 1, options.stackVersion !== undefined ? { stackVersion: options.stackVersion } : {});
  const host: Record<string, unknown> = { ...(base.HostConfig ?? {}) };

  // Fresh anonymous volumes instead of replica 1's named-by-number ones.
  const mounts = (host.Mounts as { Type: string; Source?: string; Target: string }[] | undefined) ?? [];
  host.Mounts = mounts.map((m) =>
    m.Type === 'volume' && m.Source === anonymousVolumeName(model.projectName, service.name, 1, m.Target) ? (({ Source: _drop, ...rest }) => rest)(m) : m,
  );

  delete host.RestartPolicy;
  const exposed: Record<string, Record<string, never>> = { ...(base.ExposedPorts ?? {}) };
  const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = options.servicePorts ? { ...((host.PortBindings as Record<string, { HostIp?: string; HostPort?: string }[]>) ?? {}) } : {};
  for (const p of options.publish ?? []) {
    const { key, binding } = parsePublish(p);
    exposed[key] = {};
    bindings[key] = [...(bindings[key] ?? []), binding];
  }
  if (Object.keys(bindings).length > 0) host.PortBindings = bindings;
  else delete host.PortBindings;

  const binds = [...((host.Binds as string[] | undefined) ?? [])];
  for (const v of options.volumes ?? []) {
    const [source, ...rest] = v.split(':');
    if (!source || rest.length === 0) throw new UsageError(`cannot read the volume "${v}"`, { hint: 'use source:target[:ro], e.g. ./data:/data' });
    const isPath = source.startsWith('.') || source.startsWith('/') || source.startsWith('~');
    const src = isPath && !isAbsolute(source) ? resolve(model.projectDirectory, source) : isPath || !Object.hasOwn(model.volumes, source) ? source : model.volumes[source]!.name;
    binds.push([src, ...rest].join(':'));
  }
  if (binds.length > 0) host.Binds = binds;
  // We remove the container ourselves after it exits (--rm), once its output is read.
  delete host.AutoRemove;

  const labels: Record<string, string> = { ...(base.Labels ?? {}) };
  labels[COMPOSE.oneoff] = formatOneOff(true);
  delete labels[COMPOSE.containerNumber];
  for (const l of options.labels ?? []) {
    const eq = l.indexOf('=');
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }

  const env = [...(base.Env ?? [])];
  for (const e of options.env ?? []) {
    const eq = e.indexOf('=');
    const key = eq < 0 ? e : e.slice(0, eq);
    const value = eq < 0 ? options.hostEnv?.[e] : e.slice(eq + 1);
    const at = env.findIndex((x) => x.startsWith(`${key}=`));
    if (value === undefined) continue; // `-e KEY` with KEY unset passes nothing, as docker does
    if (at >= 0) env[at] = `${key}=${value}`;
    else env.push(`${key}=${value}`);
  }

  // Without --use-aliases a one-off does not answer to the service's name on the networks
  // (it would get a share of the service's traffic), as in Compose.
  const endpoints = base.NetworkingConfig?.EndpointsConfig;
  const networking =
    endpoints && !options.useAliases
      ? { EndpointsConfig: Object.fromEntries(Object.entries(endpoints).map(([k, e]) => [k, (({ Aliases: _a, ...r }) => r)(e)])) }
      : base.NetworkingConfig;
  return {
    ...base,
    ...(networking ? { NetworkingConfig: networking } : {}),
    ...(options.command && options.command.length > 0 ? { Cmd: [...options.command] } : {}),
    ...(options.entrypoint ? { Entrypoint: [...options.entrypoint] } : {}),
    ...(options.user !== undefined ? { User: options.user } : {}),
    ...(options.workdir !== undefined ? { WorkingDir: options.workdir } : {}),
    Env: env,
    Labels: labels,
    ExposedPorts: exposed,
    HostConfig: host,
    Tty: options.tty,
    OpenStdin: options.interactive,
    StdinOnce: options.interactive,
    AttachStdin: options.interactive,
    AttachStdout: true,
    AttachStderr: true,
  };
}
