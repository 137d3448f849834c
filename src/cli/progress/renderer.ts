// What every progress renderer offers the commands: it consumes the façade's events as they
// come and is closed once the run is over (the TTY view needs to finish drawing).

import type { StackEvent } from '../../stack/index.js';
import { formatBytes } from '../../api/bytes.js';

export interface Renderer {
  onEvent(event: StackEvent): void;
  /** Stop drawing; resolves once the last frame is out. Idempotent. */
  close(): Promise<void>;
}

export interface RendererStreams {
  /** Machine-readable output (`--progress json`) and results. */
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Human progress (as Compose does: progress on stderr keeps stdout for results). */
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `1.2s`, `350ms`: short durations the way people read them in a progress line. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** What a finished build produced, for its closing line: `built 0123456789ab in 3.2s, sent 1.2 MB`. */
export function imageOutcome(event: { readonly kind: string; readonly durationMs: number; readonly imageId?: string; readonly contextBytes?: number }): string | undefined {
  if (event.kind !== 'image.build' || event.imageId === undefined) return undefined;
  const id = event.imageId.replace(/^sha256:/, '').slice(0, 12);
  return `built ${id} in ${formatDuration(event.durationMs)}${event.contextBytes !== undefined ? `, sent ${formatBytes(event.contextBytes)}` : ''}`;
}
