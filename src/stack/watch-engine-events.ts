// The project's container events, for catch-up: a container of a watched service that is
// created or started (a restart, a recreate by another `up`, a rebuild) must be brought up to
// date, one that is destroyed has its synced manifest forgotten.
//
// The stream ends when the daemon restarts (TRAPS.md): reconnect with backoff and `since` the
// last event's second. Events of that second come again: harmless, catch-up is idempotent. Any
// event lost meanwhile is covered by `onReconnect`, which asks for a catch-up of everything.

import { setTimeout as sleep } from 'node:timers/promises';
import { projectFilter, isOneOff, serviceOf } from '../api/labels.js';
import type { EngineEvent, EngineGateway } from '../engine/gateway.js';

export interface ContainerLifecycle {
  readonly action: 'create' | 'start' | 'destroy';
  readonly containerId: string;
  readonly service: string;
}

export interface EngineEventHandlers {
  readonly onContainer: (event: ContainerLifecycle) => void;
  /** Any event of a container of the project (the list of containers may have changed). */
  readonly onAnyContainerEvent: () => void;
  /** The stream was opened again after it ended: events may have been missed. */
  readonly onReconnect: () => void;
  readonly onError: (error: unknown) => void;
}

const ACTIONS: ReadonlySet<string> = new Set(['create', 'start', 'destroy']);

/** Follows until `signal` aborts. */
export async function followContainerEvents(
  gateway: EngineGateway,
  projectName: string,
  handlers: EngineEventHandlers,
  signal: AbortSignal,
  delays: { readonly min: number; readonly max: number } = { min: 100, max: 5000 },
): Promise<void> {
  let since = Math.floor(Date.now() / 1000) - 1;
  let delayMs = delays.min;
  for (let attempt = 0; !signal.aborted; attempt++) {
    if (attempt > 0) handlers.onReconnect();
    try {
      for await (const ev of gateway.events({ since, labels: projectFilter(projectName), types: ['container'] }, signal)) {
        delayMs = delays.min;
        since = Math.max(since, Math.floor(ev.timeNano / 1e9));
        handlers.onAnyContainerEvent();
        const lifecycle = lifecycleOf(ev);
        if (lifecycle) handlers.onContainer(lifecycle);
      }
    } catch (e) {
      if (signal.aborted) break;
      handlers.onError(e);
    }
    if (signal.aborted) break;
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    delayMs = Math.min(delayMs * 2, delays.max);
  }
}

function lifecycleOf(ev: EngineEvent): ContainerLifecycle | undefined {
  if (ev.type !== 'container' || !ACTIONS.has(ev.action) || isOneOff(ev.attributes)) return undefined;
  return { action: ev.action as ContainerLifecycle['action'], containerId: ev.id, service: serviceOf(ev.attributes) };
}
