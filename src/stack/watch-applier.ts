// The watch loop's latch: one piece of work touches the engine at a time, as an explicit state
// machine (the shape of the AWS CDK toolkit's watch: idle → deploying → queued):
//
//   idle ──work──▶ applying ──done, nothing left──▶ idle
//                   │    ▲
//             work  │    │ done, work left (start the next)
//                   ▼    │
//                  queued
//   any ──stop──▶ stopped (the running piece finishes; nothing new starts)
//
// Two kinds of work. Batches (from the batcher, which hands over one at a time) are queued in
// order. Level work (catch-ups, a rules refresh) is not queued as events but held as state by
// the owner ("these containers need a catch-up"): the applier asks for it when no batch waits,
// so ten start events for one container are one catch-up. Batches go first: a save waits for at
// most one piece of level work.

export type ApplierState = 'idle' | 'applying' | 'queued' | 'stopped';

export interface ApplierOptions {
  /** The pending level work as one job, or undefined when there is none (takes it: the owner clears its state). */
  readonly takeLevelWork: () => (() => Promise<void>) | undefined;
  /** A piece of work threw (level work reports its own failures; this is the last resort). */
  readonly onError: (error: unknown) => void;
}

export class Applier {
  private current: ApplierState = 'idle';
  private readonly batches: (() => Promise<void>)[] = [];
  private running: Promise<void> | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: ApplierOptions) {}

  get state(): ApplierState {
    return this.current;
  }

  /** Runs `job` after what is queued; resolves (or rejects) with it. Rejects once stopped. */
  submit<T>(job: () => Promise<T>): Promise<T> {
    if (this.current === 'stopped') return Promise.reject(new Error('watch is stopping'));
    return new Promise<T>((resolve, reject) => {
      this.batches.push(() => job().then(resolve, reject));
      this.on('work');
    });
  }

  /** The owner has recorded level work: run it when nothing else waits. */
  poke(): void {
    this.on('work');
  }

  /** Resolves when nothing runs and nothing waits. */
  whenIdle(): Promise<void> {
    if (this.current === 'idle' || (this.current === 'stopped' && !this.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** No new work starts; resolves when the running piece has finished. */
  async stop(): Promise<void> {
    this.on('stop');
    await this.running;
  }

  private on(event: 'work' | 'done' | 'stop'): void {
    switch (this.current) {
      case 'idle':
        if (event === 'work') this.startNext();
        else if (event === 'stop') this.current = 'stopped';
        break;
      case 'applying':
        if (event === 'work') this.current = 'queued';
        else if (event === 'done') this.startNext();
        else if (event === 'stop') this.current = 'stopped';
        break;
      case 'queued':
        if (event === 'done') this.startNext();
        else if (event === 'stop') this.current = 'stopped';
        break;
      case 'stopped':
        if (event === 'done') this.wake();
        break;
    }
  }

  /** Starts the next piece of work (batches first), or becomes idle when there is none. */
  private startNext(): void {
    const job = this.batches.shift() ?? this.options.takeLevelWork();
    if (!job) {
      this.current = 'idle';
      this.wake();
      return;
    }
    this.current = 'applying';
    this.running = job()
      .catch((e: unknown) => this.options.onError(e))
      .finally(() => {
        this.running = undefined;
        this.on('done');
      });
  }

  private wake(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
