// What the running code is: the id of the CLI bundle it was started from (boot.cts passes it
// to main), or undefined when dist/src runs unbundled (tests, a bare `tsc` build). Whatever
// is cached between runs is keyed by it, so a rebuild never reuses what older code made.

let current: string | undefined;

export function setBuildId(id: string | undefined): void {
  current = id;
}

export function buildId(): string | undefined {
  return current;
}
