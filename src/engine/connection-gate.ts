// When a call to an ssh engine should wait for a busy connection rather than open a new one.
//
// Over ssh a new connection is a new channel and a new remote `docker system dial-stdio`
// (0.35-0.6 s on 127.0.0.1 here, issue 14), while a short call on an open one takes tens of
// milliseconds: the four lists of a no-op `up` are faster one after another on the connection
// the ping opened than on three new ones. But a call may also be long (a container start, a
// stop that waits out its grace period), and then a second connection pays off.
//
// So, for short calls, the classic rent-or-buy rule: wait for a busy connection to become
// free for as long as a new one would take to open, then open one. That is never more than
// twice the better choice made with hindsight. What a new one costs is estimated from the first
// connection of the gateway: half the time its first answer took (that one also paid the key
// exchange and the login, which a multiplexed channel does not; 1.0 s vs 0.35-0.6 s measured).
//
// Long calls (streams, attach and exec, waits without a deadline) hold their connection for
// as long as they run: they never wait for one, and waiting behind them would be pointless.

export type CallLength = 'short' | 'long';

export interface ConnectionGateOptions {
  /** How many connections are open (or being opened) right now. */
  readonly openConnections: () => number;
  /** What opening one more costs, in ms; undefined until known (then calls do not wait). */
  readonly newConnectionCostMs: () => number | undefined;
  /** Timers, injectable for tests. */
  readonly setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

interface Waiter {
  readonly go: () => void;
}

export class ConnectionGate {
  /** Calls that hold a connection (or are about to be given one). */
  private busy = 0;
  private readonly waiters: Waiter[] = [];
  private readonly setTimer: NonNullable<ConnectionGateOptions['setTimer']>;

  constructor(private readonly options: ConnectionGateOptions) {
    this.setTimer =
      options.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return { cancel: () => clearTimeout(t) };
      });
  }

  /** Resolves when the call may go; the returned function gives its connection back (call it once). */
  async acquire(length: CallLength): Promise<() => void> {
    let handedOver = false;
    if (length === 'short' && !this.hasIdleConnection() && this.options.openConnections() > 0) {
      const cost = this.options.newConnectionCostMs();
      if (cost !== undefined) handedOver = await this.waitForIdle(cost);
    }
    // A connection handed over by a holder stays counted: no other call can take it meanwhile.
    if (!handedOver) this.busy++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next.go();
      else this.busy--;
    };
  }

  /** How many calls hold a connection (for tests and --debug). */
  get holders(): number {
    return this.busy;
  }

  private hasIdleConnection(): boolean {
    return this.busy < this.options.openConnections();
  }

  /**
   * Until a holder hands its connection over (true), or `ms` pass (false: a new connection is
   * worth it now).
   */
  private waitForIdle(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        go: () => {
          timer.cancel();
          resolve(true);
        },
      };
      const timer = this.setTimer(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        resolve(false);
      }, ms);
      this.waiters.push(waiter);
    });
  }
}
