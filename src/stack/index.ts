// The library façade: what the CLI (and tests, and later watch) call. One file per job:
//   up-down.ts    plan, up, down: load → connect → lock → observe once → plan → execute
//   lifecycle.ts  start, stop, restart, kill, rm, pause, unpause (labels-only capable)
//   inspect.ts    ps, ls, top, port, events
//   run.ts        run (a one-off container, its resources through a plan) and exec
//   logs.ts       logs, followed across restarts and recreates
//   model.ts      loading the stack file, and the document `config` prints
//   project.ts    a project opened on the engine, for the everyday commands
//   connect.ts    the one place that opens the engine
//   lock.ts       the one lock policy
//   redaction.ts  the one redactor: every event and error that leaves the façade passes it
//   apply.ts      applying a plan with the executor (shared by up, down, run)
//   watch.ts      hot reload: file changes become syncs, restarts, execs, rebuilds and reloads
//                 (watch-*.ts: its batch executor, catch-up, engine side and events)
//   images.ts     the I/O of the images phase (build hashes, pull times) and the image ports
//   image-phase.ts  up's images first: builds and pulls before anything of the project
//   image-commands.ts  build, pull, push
//
// This index is what the CLI imports, lazily, from its command actions. It loads only the
// façade's own small modules: the engine, the planner and the model pipeline are imported by
// the façade functions that use them, so a command pays only for what it runs.

export type { ConnectOptions, ConnectRequest } from './connect.js';
export type { PlanStepSummary, RunHooks, StackEvent } from './events.js';
export { planSteps } from './events.js';
export { DEFAULT_LOCK_WAIT_MS, type LockOptions } from './lock.js';
export { redactor, REDACTED, type Redact } from './redaction.js';
export type { ApplyOptions } from './apply.js';
export {
  down,
  plan,
  up,
  type CommonOptions,
  type DownOptions,
  type DownResult,
  type PlanOptions,
  type PlanRequest,
  type PlanResult,
  type UpOptions,
  type UpResult,
} from './up-down.js';
export {
  build,
  pull,
  push,
  type BuildOptions,
  type BuildResult,
  type BuiltImage,
  type ImageCommandOptions,
  type ImageFailure,
  type PullOptions,
  type PushOptions,
  type SkippedImage,
  type TransferResult,
} from './image-commands.js';
export { composeDocument, load, loadDocument } from './model.js';
export { openProject, type ContainerSelection, type Project, type ProjectRequest } from './project.js';
export {
  killServices,
  pauseServices,
  removeServices,
  restartServices,
  startServices,
  stopServices,
  unpauseServices,
  type ActionResult,
  type LifecycleOptions,
  type RemoveResult,
} from './lifecycle.js';
export { containers, listProjects, projectEvents, ps, publishedPort, top, type ProjectEvent, type ProjectSummary, type PsRow, type TopResult } from './inspect.js';
export { followLogs, type FollowLogsResult, type LogFailure, type LogLine, type LogNotice, type LogsOptions, type LogSource } from './logs.js';
export { execInService, prepareOneOff, startOneOff, type ExecRequest, type OneOff, type OneOffRequest, type ProcessIo, type StartOneOffOptions } from './run.js';
export { formatPlan, planToJson } from '../planner/format.js';
export { resolveTarget, type Target } from './target.js';
export { swarmPs, swarmLogs, checkSwarmConfig, type SwarmTaskRow, type SwarmPsOptions } from './swarm-project.js';
export { watch, type WatchOptions, type WatchSession } from './watch.js';
export type { ErrorSummary, WatchBatchPart, WatchEvent, WatchHooks } from './watch-events.js';

// Data shapes the CLI names in its own types.
export type { LoadOptions } from '../model/load-options.js';
export type { StackModel } from '../model/types.js';
export type { BuildPolicy, Operation, Plan, PullOverride, ReconcileOptions } from '../planner/types.js';
