// Engine JSON → our Swarm types (swarm-types.ts), for docker-gateway.ts. Only what observe,
// plan, ps and the convergence follower read is kept; every label map is null-prototype
// (label keys are user data: TRAPS, `__proto__`).

import type { ObservedNode, ObservedService, ObservedSwarmFile, ObservedTask, SwarmInfo } from '../api/swarm-types.js';
import type { Labels } from '../api/engine-types.js';

export interface RawSwarmInfo {
  LocalNodeState?: string;
  ControlAvailable?: boolean;
  NodeID?: string;
  Nodes?: number;
  Managers?: number;
  Error?: string;
}

export interface RawService {
  ID: string;
  Version?: { Index?: number };
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: {
    Name?: string;
    Labels?: Record<string, string> | null;
    TaskTemplate?: {
      ForceUpdate?: number;
      ContainerSpec?: {
        Image?: string;
        Labels?: Record<string, string> | null;
        Secrets?: { SecretName?: string }[] | null;
        Configs?: { ConfigName?: string }[] | null;
      };
    };
    Mode?: { Replicated?: { Replicas?: number }; Global?: object; ReplicatedJob?: object; GlobalJob?: object };
  };
  UpdateStatus?: { State?: string; Message?: string } | null;
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number } | null;
}

export interface RawTask {
  ID: string;
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string> | null } };
  Status?: {
    Timestamp?: string;
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

export interface RawNode {
  ID: string;
  Spec?: { Role?: string; Availability?: string };
  Description?: { Hostname?: string };
  Status?: { State?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string } | null;
}

export interface RawSwarmFile {
  ID: string;
  CreatedAt?: string;
  Spec?: { Name?: string; Labels?: Record<string, string> | null };
}

export function labelsOf(labels: Record<string, string> | null | undefined): Labels {
  return Object.assign(Object.create(null) as Record<string, string>, labels ?? {});
}

export function toSwarmInfo(raw: RawSwarmInfo | undefined): SwarmInfo {
  return {
    localNodeState: raw?.LocalNodeState || 'inactive',
    controlAvailable: raw?.ControlAvailable === true,
    nodeId: raw?.NodeID ?? '',
    nodes: raw?.Nodes ?? 0,
    managers: raw?.Managers ?? 0,
    ...(raw?.Error ? { error: raw.Error } : {}),
  };
}

function modeOf(mode: NonNullable<RawService['Spec']>['Mode']): string {
  if (mode?.Global) return 'global';
  if (mode?.ReplicatedJob) return 'replicated-job';
  if (mode?.GlobalJob) return 'global-job';
  return 'replicated';
}

export function toObservedService(s: RawService): ObservedService {
  const spec = s.Spec ?? {};
  const container = spec.TaskTemplate?.ContainerSpec ?? {};
  const status = s.ServiceStatus ?? undefined;
  return {
    id: s.ID,
    name: spec.Name ?? '',
    version: s.Version?.Index ?? 0,
    labels: labelsOf(spec.Labels),
    mode: modeOf(spec.Mode),
    ...(spec.Mode?.Replicated ? { replicas: spec.Mode.Replicated.Replicas ?? 0 } : {}),
    image: container.Image ?? '',
    forceUpdate: spec.TaskTemplate?.ForceUpdate ?? 0,
    containerLabels: labelsOf(container.Labels),
    secretNames: (container.Secrets ?? []).map((r) => r.SecretName ?? '').filter((n) => n !== ''),
    configNames: (container.Configs ?? []).map((r) => r.ConfigName ?? '').filter((n) => n !== ''),
    ...(s.UpdateStatus?.State ? { updateState: s.UpdateStatus.State } : {}),
    ...(s.UpdateStatus?.Message ? { updateMessage: s.UpdateStatus.Message } : {}),
    ...(status?.RunningTasks !== undefined ? { runningTasks: status.RunningTasks } : {}),
    ...(status?.DesiredTasks !== undefined ? { desiredTasks: status.DesiredTasks } : {}),
    ...(status?.CompletedTasks !== undefined ? { completedTasks: status.CompletedTasks } : {}),
    createdAt: s.CreatedAt ?? '',
    updatedAt: s.UpdatedAt ?? '',
  };
}

export function toObservedTask(t: RawTask): ObservedTask {
  const status = t.Status ?? {};
  return {
    id: t.ID,
    serviceId: t.ServiceID ?? '',
    slot: t.Slot ?? 0,
    nodeId: t.NodeID ?? '',
    desiredState: t.DesiredState ?? '',
    state: status.State ?? '',
    message: status.Message ?? '',
    ...(status.Err ? { error: status.Err } : {}),
    ...(status.ContainerStatus?.ContainerID ? { containerId: status.ContainerStatus.ContainerID } : {}),
    ...(status.ContainerStatus?.ExitCode !== undefined ? { exitCode: status.ContainerStatus.ExitCode } : {}),
    image: t.Spec?.ContainerSpec?.Image ?? '',
    containerLabels: labelsOf(t.Spec?.ContainerSpec?.Labels),
    createdAt: t.CreatedAt ?? '',
    updatedAt: t.UpdatedAt ?? '',
    timestamp: status.Timestamp ?? '',
  };
}

export function toObservedNode(n: RawNode): ObservedNode {
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? '',
    role: n.Spec?.Role ?? '',
    availability: n.Spec?.Availability ?? '',
    state: n.Status?.State ?? 'unknown',
    ...(n.ManagerStatus?.Reachability ? { managerReachability: n.ManagerStatus.Reachability } : {}),
    leader: n.ManagerStatus?.Leader === true,
  };
}

export function toObservedSwarmFile(f: RawSwarmFile): ObservedSwarmFile {
  return { id: f.ID, name: f.Spec?.Name ?? '', labels: labelsOf(f.Spec?.Labels), createdAt: f.CreatedAt ?? '' };
}
