// How the planner refers to live containers: one reading of an observed container's identity
// and of whether it counts as up, shared by `up`'s and `down`'s planners.

import type { ObservedContainer } from '../api/engine-types.js';
import { displayNumberOf, serviceOf } from '../api/labels.js';
import type { ContainerRef } from './types.js';

// `paused` and `restarting` count as up: starting them again would fail or do nothing, and
// they must be stopped before removal like a running one.
const UP_STATES = new Set(['running', 'restarting', 'paused']);

export function isUp(c: ObservedContainer): boolean {
  return UP_STATES.has(c.state);
}

export function observedRef(c: ObservedContainer): ContainerRef {
  return { name: c.name, id: c.id, service: serviceOf(c.labels), number: displayNumberOf(c.labels) };
}
