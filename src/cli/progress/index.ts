// Picks the renderer for a progress mode. The listr2 view is imported only when a terminal
// will show it, so scripted runs never pay for it.

import type { ProgressMode } from '../context.js';
import { jsonRenderer, quietRenderer } from './json.js';
import { plainRenderer } from './plain.js';
import type { Renderer, RendererStreams } from './renderer.js';

export type { Renderer, RendererStreams } from './renderer.js';

export async function createRenderer(mode: ProgressMode, streams: RendererStreams = { stdout: process.stdout, stderr: process.stderr }): Promise<Renderer> {
  switch (mode) {
    case 'json':
      return jsonRenderer(streams);
    case 'quiet':
      return quietRenderer();
    case 'plain':
      return plainRenderer(streams);
    case 'tty': {
      const { ttyRenderer } = await import('./tty.js');
      return ttyRenderer(streams);
    }
  }
}
