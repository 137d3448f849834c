// How a `left-alone` event reads: one line naming what a command did not touch because stack
// did not create it for the project (api/ownership.ts), e.g.
// `left 2 containers and 1 network not created by stack: demo_db_1, demo_web_1, demo_default`.

import type { StackEvent } from '../stack/index.js';

type LeftAloneEvent = Extract<StackEvent, { type: 'left-alone' }>;

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function leftAloneLine(event: LeftAloneEvent): string {
  const parts = [
    ...(event.containers.length > 0 ? [count(event.containers.length, 'container')] : []),
    ...(event.networks.length > 0 ? [count(event.networks.length, 'network')] : []),
    ...(event.volumes.length > 0 ? [count(event.volumes.length, 'volume')] : []),
  ];
  const what = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? 'nothing');
  return `left ${what} not created by stack: ${[...event.containers, ...event.networks, ...event.volumes].join(', ')}`;
}
