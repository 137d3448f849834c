// The project's logs, for `stack logs` and attached `up`: lines tagged with service and
// number, followed across restarts, recreates and scale-ups (engine/logs.ts does the work).
// The lines are the containers' own output and are passed on as they are; what the façade
// adds (notices of failures) is redacted.

import type { FollowLogsOptions, FollowLogsResult, LogFailure, LogLine, LogNotice, LogSource } from '../engine/logs.js';
import { Project } from './project.js';
import { redactError, redactingErrors } from './redaction.js';

export type { FollowLogsResult, LogFailure, LogLine, LogNotice, LogSource };

export type LogsOptions = Omit<FollowLogsOptions, 'projectName' | 'reconnectDelayMs' | 'now'>;

/**
 * Delivers the logs of the project's containers line by line. Without `follow` it resolves
 * once every container's existing log was read; with `follow` it runs until `signal` aborts.
 * Resolves with the containers whose log could not be read (their errors redacted).
 */
export async function followLogs(project: Project, options: LogsOptions, onLine: (line: LogLine) => void): Promise<FollowLogsResult> {
  const { followProjectLogs } = await import('../engine/logs.js');
  const onNotice = options.onNotice;
  const result = await redactingErrors(project.redact, () =>
    followProjectLogs(
      Project.connectionOf(project).gateway,
      {
        ...options,
        projectName: project.projectName,
        ...(onNotice ? { onNotice: (n: LogNotice) => onNotice(n.kind === 'error' ? { ...n, error: redactError(n.error, project.redact) } : n) } : {}),
      },
      onLine,
    ),
  );
  return { failed: result.failed.map((f) => ({ source: f.source, error: redactError(f.error, project.redact) })) };
}
