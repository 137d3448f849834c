// The clock the batcher reads and arms timers on. Injected so that tests drive time by hand
// and never sleep; the watch loop passes `systemClock`.

export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds, monotonic for the life of the process. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
