// How many engine operations the executor runs at once.
//
// Measured on this kind of machine (TRAPS "Concurrency"): a container start costs 0.6–0.8 s
// and 0.7–0.9 CPU-seconds of engine time, so two cores are saturated by 2–4 starts in
// flight. Sequential is about 30% slower than that, 30 in flight about 25% slower (the
// engine thrashes). The limit therefore follows the engine's CPUs, never the number of
// services: twice the CPUs, at least 2 (so one slow call never stalls everything), at most 8.

import type { EngineInfo } from './gateway.js';
import { UsageError } from '../errors.js';

export const MIN_DEFAULT_PARALLELISM = 2;
export const MAX_DEFAULT_PARALLELISM = 8;

/** The default limit for an engine with `ncpu` CPUs: max(2, min(8, ncpu * 2)). */
export function defaultParallelism(info: Pick<EngineInfo, 'ncpu'>): number {
  const ncpu = Number.isFinite(info.ncpu) && info.ncpu > 0 ? Math.floor(info.ncpu) : 1;
  return Math.max(MIN_DEFAULT_PARALLELISM, Math.min(MAX_DEFAULT_PARALLELISM, ncpu * 2));
}

/**
 * The limit to use: the user's `--parallel` when given (a positive integer; `-1`, as in
 * Compose, means no limit), else the default for this engine.
 */
export function resolveParallelism(requested: number | undefined, info: Pick<EngineInfo, 'ncpu'>): number {
  if (requested === undefined) return defaultParallelism(info);
  if (requested === -1) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(requested) || requested < 1) {
    throw new UsageError(`--parallel must be a positive integer or -1 (no limit), got ${requested}`);
  }
  return requested;
}
