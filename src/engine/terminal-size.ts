// A container process's pseudo-terminal follows the size of ours (issue 14 item 3): set once
// the process runs, then again on every change (SIGWINCH; node's tty stream emits 'resize'),
// as `docker exec -it` / `docker run -it` do. The source is the caller's (the CLI hands
// process.stdout): library code never picks a stream itself.

/** What a terminal tells about its size: node's tty.WriteStream has this shape. */
export interface TerminalSizeSource {
  readonly rows?: number;
  readonly columns?: number;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

export type ResizeCall = (rows: number, cols: number) => Promise<void>;

/**
 * Sizes the process's terminal now and on every resize; returns the stop. The first call is
 * tried a few times: the engine may refuse to resize a process that has not started yet (the
 * Docker CLI retries its initial resize the same way). Later failures are dropped: a resize
 * racing the process's end is harmless, and nothing here may print.
 */
export function followTerminalSize(source: TerminalSizeSource, resize: ResizeCall): () => void {
  let stopped = false;
  const current = (): [number, number] | undefined => (source.rows && source.columns ? [source.rows, source.columns] : undefined);
  const initial = async (): Promise<void> => {
    for (let attempt = 0; attempt < 5 && !stopped; attempt++) {
      const size = current();
      if (!size) return;
      try {
        return await resize(...size);
      } catch {
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
      }
    }
  };
  const onResize = (): void => {
    const size = current();
    if (size && !stopped) void resize(...size).catch(() => undefined);
  };
  void initial();
  source.on('resize', onResize);
  return () => {
    stopped = true;
    source.off('resize', onResize);
  };
}
