// Catch-ups waiting to run, held as state rather than as a queue of events: "these containers
// of this service (or all of them) need a look, for these reasons". Ten start events of one
// container are one catch-up; a request for all of a service's containers covers the rest.

export interface CatchUpRequest {
  readonly service: string;
  /** Container ids, or every container of the service. */
  readonly containers: 'all' | readonly string[];
  /** Why, for the report: `watch started`, `started`, `created, started`... */
  readonly reason: string;
}

export class CatchUpRequests {
  private readonly pending = new Map<string, { containers: Set<string> | 'all'; reasons: Set<string> }>();

  add(service: string, container: string | 'all', reason: string): void {
    const entry = this.pending.get(service) ?? { containers: new Set<string>(), reasons: new Set<string>() };
    if (container === 'all') entry.containers = 'all';
    else if (entry.containers !== 'all') entry.containers.add(container);
    entry.reasons.add(reason);
    this.pending.set(service, entry);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Everything pending, sorted by service; the set is empty afterwards. */
  take(): CatchUpRequest[] {
    const out = [...this.pending.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([service, e]) => ({ service, containers: e.containers === 'all' ? ('all' as const) : [...e.containers], reason: [...e.reasons].join(', ') }));
    this.pending.clear();
    return out;
  }
}
