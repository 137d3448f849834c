// `--progress json`: one JSON event per line on stdout, for scripts. The events are the
// façade's, already plain values with secrets redacted; nothing is added or reworded here.

import type { StackEvent } from '../../stack/index.js';
import type { Renderer, RendererStreams } from './renderer.js';

export function jsonRenderer(streams: RendererStreams): Renderer {
  return {
    onEvent(event: StackEvent): void {
      streams.stdout.write(JSON.stringify(event) + '\n');
    },
    async close(): Promise<void> {},
  };
}

/** `--progress quiet`: nothing while it runs; errors still reach stderr through the entry point. */
export function quietRenderer(): Renderer {
  return {
    onEvent(): void {},
    async close(): Promise<void> {},
  };
}
