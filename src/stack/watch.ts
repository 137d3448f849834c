// `watch`: keep a running project in step with the files on disk, level-based like a
// controller. File events become batches (watch/batcher.ts: the first change goes out at once,
// a burst is one batch, nothing is dropped); each batch is applied through the applier
// (watch-applier.ts: one piece of work at a time). A batch reloads the model when a stack,
// env, config or secret file changed, then per service syncs files into every replica (one
// tar), restarts, runs `sync+exec` commands or rebuilds. Container lifecycle events, a rules
// change and the start of the session ask for a catch-up (watch-catch-up.ts): whatever a
// container lacks is sent, so a change made while watch was off, or before a container was
// recreated, still arrives.
//
// Nothing here prints: everything goes out as events (watch-events.ts, and the façade's own
// events of the `up` runs a reload or a rebuild makes), redacted.

import { relative } from 'node:path';
import { cacheDir } from '../cache-dir.cjs';
import { UsageError } from '../errors.js';
import type { ServiceSpec, StackModel, WatchRuleSpec } from '../model/types.js';
import type { CatchUpRule } from '../watch/catch-up.js';
import { fileChangeOf } from '../watch/changes.js';
import { systemClock, type Clock } from '../watch/clock.js';
import type { BatcherReport, WatchBatcher } from '../watch/batcher.js';
import type { CompiledWatchRules } from '../watch/rules.js';
import { openSyncedManifestStore, type SyncedManifestStore } from '../watch/synced-manifest.js';
import type { FileState } from '../watch/types.js';
import type { FileEvent, FileWatcher, WatchNotice, WatchSession as FileSession } from '../watch/watcher.js';
import { connect, type EngineConnection } from './connect.js';
import { redactorFor, type Redact } from './redaction.js';
import type { CommonOptions, UpOptions } from './up-down.js';
import type { ActionContext } from './watch-actions.js';
import { Applier } from './watch-applier.js';
import { ContainerDirectory, OwnerCache } from './watch-containers.js';
import { FileReceivers } from './watch-receiver.js';
import { errorSummary, MAX_LISTED, type WatchBatchPart, type WatchEvent, type WatchHooks } from './watch-events.js';
import { loadWatchedModel, watchedServices, watchRulesInput, type WatchedModel } from './watch-model.js';
import type { BatchContext } from './watch-batch.js';
import { CatchUpRequests } from './watch-catch-up-requests.js';
import { followContainerEvents, type ContainerLifecycle } from './watch-engine-events.js';
import type { SyncContext } from './watch-sync.js';
import type { StackEvent } from './events.js';

export interface WatchOptions extends CommonOptions {
  /** Services named (`stack watch web api`): only these are watched, and the `up` of a reload or rebuild is about them. */
  readonly services?: readonly string[];
  /** Remove the image a rebuild superseded (default true). */
  readonly prune?: boolean;
  /** The batcher's clock (tests drive it by hand). */
  readonly clock?: Clock;
  /** The file watcher (default: chokidar, watch/watcher.ts). */
  readonly fileWatcher?: FileWatcher;
  /** Where synced manifests persist; default the cache directory's `watch/`, null: memory only. */
  readonly manifestDir?: string | null;
}

export interface WatchSession {
  readonly projectName: string;
  /** The services being watched. */
  readonly services: readonly string[];
  /** Resolves when no change is pending and no work runs (changes not yet reported by the file watcher aside). */
  whenIdle(): Promise<void>;
  /** Stops watching: no new work starts, the running piece finishes, the manifests are saved. */
  stop(): Promise<void>;
  /** Resolves once stopped. */
  readonly done: Promise<void>;
}

/** Loads the model, starts watching, and catches up every watched container. */
export async function watch(options: WatchOptions, hooks: WatchHooks = {}): Promise<WatchSession> {
  const loaded = await loadWatchedModel(options.load);
  const connection = await connect(options);
  const run = new WatchRun(options, hooks, connection, loaded);
  await run.start();
  return run.session();
}

const SYNC_ACTIONS: ReadonlySet<string> = new Set(['sync', 'sync+restart', 'sync+exec']);

/** What the watch is by, swapped whole when the model or a build ignore file changes. */
interface Watched {
  readonly services: readonly ServiceSpec[];
  /** Stack, env, config and secret files: a change reloads the model. */
  readonly inputFiles: readonly string[];
  readonly rules: CompiledWatchRules<WatchRuleSpec>;
  /** The rules' input as JSON: equal keys, equal rules. */
  readonly key: string;
  /** The services' build ignore files: a change compiles the rules again. */
  readonly ignoreFiles: ReadonlySet<string>;
}

/** Compiles the services' rules (throws a UsageError for a rule that cannot run). */
async function watchedBy(services: readonly ServiceSpec[], inputFiles: readonly string[]): Promise<Watched> {
  const { compileWatchRules } = await import('../watch/rules.js');
  const input = await watchRulesInput(services, inputFiles);
  return {
    services,
    inputFiles,
    rules: compileWatchRules(input),
    key: JSON.stringify(input),
    ignoreFiles: new Set(input.services.flatMap((s) => (s.build?.ignoreFile ? [s.build.ignoreFile] : []))),
  };
}

class WatchRun {
  private model: StackModel;
  private redact: Redact;
  private watched!: Watched;
  private fileSession: FileSession | undefined;
  private batcher!: WatchBatcher<WatchRuleSpec>;
  private readonly applier: Applier;
  private readonly catchUps = new CatchUpRequests();
  private rulesStale = false;
  private readonly manifests: SyncedManifestStore;
  private readonly owners: OwnerCache;
  private readonly containers: ContainerDirectory;
  /** undefined: STACK_WATCH_RECEIVER=0 (every copy through the archive API). */
  private readonly receivers: FileReceivers | undefined;
  private readonly engineEvents = new AbortController();
  /** Aborts a running `up` (reload, rebuild, recreate) when watch stops. */
  private readonly interrupt = new AbortController();
  private following: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    private readonly options: WatchOptions,
    private readonly hooks: WatchHooks,
    private readonly connection: EngineConnection,
    loaded: WatchedModel,
  ) {
    this.model = loaded.model;
    this.loadedInputs = loaded.inputFiles;
    this.redact = redactorFor({ model: loaded.model });
    this.owners = new OwnerCache(connection.gateway);
    this.containers = new ContainerDirectory(connection.gateway, loaded.model.projectName);
    this.manifests = openManifests(options);
    this.receivers = options.connect.env?.['STACK_WATCH_RECEIVER'] === '0' ? undefined : new FileReceivers(connection.gateway);
    this.applier = new Applier({
      takeLevelWork: () => this.takeLevelWork(),
      onError: (e) => this.emit({ type: 'watch-error', at: Date.now(), error: errorSummary(e, this.redact) }),
    });
  }

  session(): WatchSession {
    return {
      projectName: this.model.projectName,
      services: this.services.map((s) => s.name),
      whenIdle: async () => {
        await this.batcher.whenIdle();
        await this.applier.whenIdle();
      },
      stop: () => this.stop(),
      done: this.done,
    };
  }

  private readonly loadedInputs: readonly string[];

  private get services(): readonly ServiceSpec[] {
    return this.watched.services;
  }

  private get rules(): CompiledWatchRules<WatchRuleSpec> {
    return this.watched.rules;
  }

  async start(): Promise<void> {
    const { WatchBatcher } = await import('../watch/batcher.js');
    const services = watchedServices(this.model, this.options.services ?? []);
    if (services.length === 0) {
      throw new UsageError(`none of the ${this.options.services?.length ? 'services named' : 'services'} has develop.watch rules`, {
        hint: 'add a develop.watch section to a service (see examples/hot-reload), or name one that has it',
      });
    }
    this.watched = await watchedBy(services, this.loadedInputs);
    this.batcher = new WatchBatcher<WatchRuleSpec>({
      clock: this.options.clock ?? systemClock,
      execute: (batch) =>
        this.applier.submit(async () => {
          const { executeBatch } = await import('./watch-batch.js');
          return executeBatch(this.batchContext(), batch);
        }),
      report: (r) => this.onBatchReport(r),
    });
    this.following = followContainerEvents(
      this.connection.gateway,
      this.model.projectName,
      {
        onContainer: (e) => this.onContainer(e),
        onAnyContainerEvent: () => this.containers.invalidate(),
        onReconnect: () => {
          this.containers.invalidate();
          this.requestCatchUpOfAll('the engine event stream was reconnected');
        },
        onError: (e) => this.emit({ type: 'watch-error', at: Date.now(), error: errorSummary(e, this.redact) }),
      },
      this.engineEvents.signal,
    );
    this.fileSession = await this.startFileSession(this.rules);
    // Every watched container gets what it lacks before watch says it is ready (containers
    // `stack watch` created without starting them get their files before their first start).
    await this.applier.submit(() => this.catchUpNow(this.services.map((s) => s.name), 'watch started'));
    this.emit({
      type: 'watch-ready',
      at: Date.now(),
      projectName: this.model.projectName,
      services: this.services.map((s) => s.name),
      paths: this.rules.roots.length,
      mode: this.fileSession.mode,
      stackFiles: this.watched.inputFiles.length,
    });
  }

  /** Catches up every container of the services that have sync rules, now (inside the running piece of work, or at start). */
  private async catchUpNow(services: readonly string[], reason: string): Promise<void> {
    const { runCatchUps } = await import('./watch-catch-up.js');
    const requests = services.filter((s) => this.syncRulesOf(s).length > 0).map((service) => ({ service, containers: 'all' as const, reason }));
    await runCatchUps(this.batchContext(), requests);
  }

  // ── rules and the file watcher ─────────────────────────────────────────────────────────

  private async startFileSession(rules: CompiledWatchRules<WatchRuleSpec>): Promise<FileSession> {
    const watcher = this.options.fileWatcher ?? (await import('../watch/watcher.js')).createFileWatcher({ env: this.options.connect.env });
    return watcher.start(rules.roots, (path, stats) => rules.ignored(path, stats), {
      onEvent: (e) => this.onFileEvent(e),
      onError: (e) => this.emit({ type: 'watch-error', at: Date.now(), error: errorSummary(e, this.redact) }),
      onNotice: (n: WatchNotice) => this.emit({ type: 'watch-notice', at: Date.now(), message: n.message }),
    });
  }

  private onFileEvent(event: FileEvent): void {
    if (this.stopping) return;
    if (this.watched.ignoreFiles.has(event.path)) {
      // The .dockerignore decides what the rules match: compile them again (level work).
      this.rulesStale = true;
      this.applier.poke();
    }
    this.batcher.add(fileChangeOf(this.rules, event));
  }

  /** Compiles the rules again (a build ignore file changed). */
  private async refreshRules(reason: string): Promise<void> {
    const before = this.watched;
    this.watched = await watchedBy(before.services, before.inputFiles);
    await this.refreshFileSession(reason, before);
  }

  /** When the rules differ from `before`'s: a new file session first (no gap), the old one closed, every container caught up. */
  private async refreshFileSession(reason: string, before: Watched): Promise<void> {
    if (this.watched.key === before.key) return;
    const previous = this.fileSession;
    this.fileSession = await this.startFileSession(this.rules);
    await previous?.close();
    this.requestCatchUpOfAll(reason);
  }

  // ── reload ─────────────────────────────────────────────────────────────────────────────

  /**
   * A stack file changed: load and validate it again. Invalid: throw (the batch reports it with
   * its file:line:col) and keep everything as it is. Valid: apply it through `up` (only what
   * changed), then watch by the new rules.
   */
  async reload(): Promise<void> {
    const loaded = await loadWatchedModel(this.options.load);
    // Rules that cannot run refuse the model before anything changes.
    const next = await watchedBy(watchedServices(loaded.model, this.options.services ?? []), loaded.inputFiles);
    // The new model's rules decide which created containers need files before they start.
    const before = this.watched;
    this.watched = next;
    try {
      const { upWithFilesInPlace } = await import('./watch-actions.js');
      await upWithFilesInPlace(this.batchContext().actions, this.upOptions());
    } catch (e) {
      // Not applied: keep watching by the rules of the model that runs.
      this.watched = before;
      throw e;
    }
    this.model = loaded.model;
    this.redact = redactorFor({ model: loaded.model });
    await this.refreshFileSession('the watch rules changed', before);
  }

  private upOptions(): UpOptions {
    const named = this.options.services ?? [];
    const { services: _services, prune: _prune, clock: _clock, fileWatcher: _fw, manifestDir: _md, ...common } = this.options;
    return { ...common, gateway: this.connection.gateway, ...(named.length > 0 ? { reconcile: { services: named } } : {}) };
  }

  // ── catch-up requests ──────────────────────────────────────────────────────────────────

  private onContainer(event: ContainerLifecycle): void {
    if (event.action === 'destroy') {
      this.owners.forget(event.containerId);
      this.receivers?.forget(event.containerId);
      void this.manifests.forget(event.containerId);
      return;
    }
    if (!this.syncRulesOf(event.service).length) return;
    this.catchUps.add(event.service, event.containerId, event.action === 'create' ? 'created' : 'started');
    this.applier.poke();
  }

  private requestCatchUpOfAll(reason: string): void {
    for (const s of this.services) if (this.syncRulesOf(s.name).length > 0) this.catchUps.add(s.name, 'all', reason);
    this.applier.poke();
  }

  /** The sync rules of a service, as catch-up walks them. */
  private syncRulesOf(service: string): CatchUpRule[] {
    return this.rules.rules
      .filter((r) => r.service === service && SYNC_ACTIONS.has(r.rule.action) && r.rule.target !== undefined)
      .map((r) => ({ compiled: r, target: r.rule.target! }));
  }

  private takeLevelWork(): (() => Promise<void>) | undefined {
    if (this.stopping) return undefined;
    if (this.rulesStale) {
      this.rulesStale = false;
      return () => this.refreshRules('a build ignore file changed');
    }
    const requests = this.catchUps.take();
    if (requests.length === 0) return undefined;
    return async () => {
      const { runCatchUps } = await import('./watch-catch-up.js');
      await runCatchUps(this.batchContext(), requests);
    };
  }

  // ── batches ────────────────────────────────────────────────────────────────────────────

  private batchContext(): BatchContext {
    const sync: SyncContext = {
      gateway: this.connection.gateway,
      owners: this.owners,
      manifests: this.manifests,
      notice: (message) => this.emit({ type: 'watch-notice', at: Date.now(), message }),
      ...(this.receivers ? { receivers: this.receivers } : {}),
    };
    const actions: ActionContext = {
      gateway: this.connection.gateway,
      projectName: this.model.projectName,
      upOptions: this.upOptions(),
      prune: this.options.prune !== false,
      emit: (e) => this.emit(e),
      hasSyncRules: (service) => this.syncRulesOf(service).length > 0,
      catchUpNow: (services, reason) => this.catchUpNow(services, reason),
      signal: this.interrupt.signal,
      containersChanged: () => this.containers.invalidate(),
    };
    return {
      sync,
      actions,
      syncRulesOf: (service) => this.syncRulesOf(service),
      reload: () => this.reload(),
      requestCatchUp: (service, reason) => {
        this.catchUps.add(service, 'all', reason);
        this.applier.poke();
      },
      emit: (e) => this.emit(e),
      redact: () => this.redact,
      containers: () => this.containers.byService(),
    };
  }

  private onBatchReport(report: BatcherReport<WatchRuleSpec>): void {
    if (report.kind !== 'batch-finished') return;
    const { batch, failures } = report;
    const failureOf = (service: string | undefined) => failures.find((f) => f.service === service);
    const parts: WatchBatchPart[] = [];
    if (batch.stackFiles.length > 0) parts.push(this.part(undefined, 'reload', batch.stackFiles, failureOf(undefined)?.error));
    for (const s of batch.services) parts.push(this.part(s.service, s.action, s.files, failureOf(s.service)?.error));
    this.emit({ type: 'watch-batch', at: Date.now(), seq: batch.seq, elapsedMs: Math.round(report.elapsedMs), parts });
  }

  private part(service: string | undefined, action: string, files: readonly FileState[], error: unknown): WatchBatchPart {
    const paths = [...new Set(files.map((f) => f.hostPath))];
    return {
      ...(service !== undefined ? { service } : {}),
      action,
      files: paths.length,
      paths: paths.slice(0, MAX_LISTED).map((p) => relative(this.model.projectDirectory, p) || p),
      ok: error === undefined,
      ...(error !== undefined ? { error: errorSummary(error, this.redact) } : {}),
    };
  }

  private emit(event: WatchEvent | StackEvent): void {
    this.hooks.onEvent?.(event);
  }

  // ── stop ───────────────────────────────────────────────────────────────────────────────

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.interrupt.abort();
      this.engineEvents.abort();
      await this.fileSession?.close();
      const pending = await this.batcher.stop();
      await this.applier.stop();
      await this.receivers?.closeAll();
      await this.following;
      await this.manifests.flush();
      this.emit({ type: 'watch-stopped', at: Date.now(), pending: pending.length });
      this.resolveDone();
    })();
    return this.stopping;
  }
}

/** The synced manifests of this session: in the cache directory unless caching is off. */
function openManifests(options: WatchOptions): SyncedManifestStore {
  const dir = options.manifestDir === null ? undefined : (options.manifestDir ?? cacheDir('watch', options.connect.env as NodeJS.ProcessEnv));
  return openSyncedManifestStore(dir);
}
