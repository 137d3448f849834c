// Small helpers every layer shares (the engine's waits and locks, the swarm follower, the
// façade's retries), kept in this leaf so that none of them imports another layer for them.

/** Waits `ms`, or less when `signal` aborts first; never rejects (the caller checks the signal). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
