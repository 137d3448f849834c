// A tiny DAG runner with a concurrency limit: the raw floor's stand-in for stack's executor.
// No planning, no decisions: every node is one engine call, started as soon as its
// dependencies are done and a slot is free. The first failure stops new work and rejects.

/**
 * @param {Map<string, { after: string[], run: () => Promise<unknown> }>} nodes
 * @param {number} limit at most this many calls in flight
 */
export async function runDag(nodes, limit) {
  const remaining = new Map([...nodes].map(([id, n]) => [id, new Set(n.after.filter((d) => nodes.has(d)))]));
  const dependents = new Map([...nodes.keys()].map((id) => [id, []]));
  for (const [id, deps] of remaining) for (const d of deps) dependents.get(d).push(id);
  const ready = [...remaining].filter(([, deps]) => deps.size === 0).map(([id]) => id);
  let inFlight = 0;
  let done = 0;
  let failed = false;
  await new Promise((resolve, reject) => {
    if (nodes.size === 0) return resolve();
    const pump = () => {
      while (!failed && inFlight < limit && ready.length > 0) {
        const id = ready.shift();
        inFlight++;
        nodes.get(id).run().then(
          () => {
            inFlight--;
            done++;
            for (const dep of dependents.get(id)) {
              const deps = remaining.get(dep);
              deps.delete(id);
              if (deps.size === 0) ready.push(dep);
            }
            if (done === nodes.size) resolve();
            else pump();
          },
          (e) => {
            failed = true;
            reject(new Error(`floor operation ${id} failed: ${e?.message ?? e}`, { cause: e }));
          },
        );
      }
      if (!failed && inFlight === 0 && ready.length === 0 && done < nodes.size) reject(new Error('floor DAG has a cycle'));
    };
    pump();
  });
}
