// Service logs of a stack on a swarm, line by line, tagged with the task each line came from
// (`web.2`): one follow stream per service (the engine follows tasks across restarts and
// reschedules itself), read together. The engine sends each line as
// `[<timestamp> ]<details> <text>`, where details are `com.docker.swarm.node.id=…,
// com.docker.swarm.service.id=…,com.docker.swarm.task.id=…` (asked with `details=true`).

import type { SwarmGateway } from '../engine/swarm-gateway.js';
import { demux, LineSplitter, type StreamName } from '../engine/demux.js';
import { splitTimestamp, type LogLine } from '../engine/logs.js';
import { swarmProjectFilter } from '../api/labels.js';

export interface SwarmLogsOptions {
  readonly projectName: string;
  readonly services?: readonly string[];
  readonly follow: boolean;
  readonly tail?: number | 'all';
  readonly since?: number;
  readonly signal?: AbortSignal;
}

export async function followSwarmLogs(gateway: SwarmGateway, options: SwarmLogsOptions, onLine: (line: LogLine) => void): Promise<void> {
  const prefix = `${options.projectName}_`;
  const services = (await gateway.listServices({ labels: swarmProjectFilter(options.projectName) }, options.signal)).filter(
    (s) => !options.services?.length || options.services.includes(s.name.slice(prefix.length)),
  );
  const tasks = await gateway.listTasks({ services: services.map((s) => s.id) }, options.signal);
  const slotOf = new Map(tasks.map((t) => [t.id, t.slot > 0 ? t.slot : 0]));
  await Promise.all(
    services.map(async (s) => {
      const service = s.name.slice(prefix.length);
      const raw = await gateway.serviceLogs(
        s.id,
        { follow: options.follow, timestamps: true, ...(options.tail !== undefined ? { tail: options.tail } : {}), ...(options.since !== undefined ? { since: options.since } : {}) },
        options.signal,
      );
      const splitter = new LineSplitter();
      const deliver = (stream: StreamName, line: string) => onLine(lineOf(service, stream, line, slotOf));
      try {
        for await (const chunk of demux(raw)) for (const line of splitter.push(chunk)) deliver(chunk.stream, line);
        for (const rest of splitter.flush()) deliver(rest.stream, rest.line);
      } catch (e) {
        if (!options.signal?.aborted) throw e;
      } finally {
        raw.destroy();
      }
    }),
  );
}

/** One engine line → a LogLine whose source is the task (`web.2`, number 2). */
export function lineOf(service: string, stream: StreamName, raw: string, slotOf: ReadonlyMap<string, number>): LogLine {
  const { timestamp, text: rest } = splitTimestamp(raw);
  const space = rest.indexOf(' ');
  const details = space > 0 && rest.slice(0, space).includes('com.docker.swarm.') ? rest.slice(0, space) : '';
  const text = details ? rest.slice(space + 1) : rest;
  const taskId = /com\.docker\.swarm\.task\.id=([^,\s]+)/.exec(details)?.[1] ?? '';
  const slot = slotOf.get(taskId) ?? 0;
  const name = slot > 0 ? `${service}.${slot}` : taskId ? `${service}.${taskId.slice(0, 12)}` : service;
  return { source: { containerId: taskId, containerName: name, service, number: slot, oneoff: false }, stream, text, timestamp };
}
