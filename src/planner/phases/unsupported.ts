// Phase 1, after the scope: what the model can hold but stack does not do, said before anything
// is planned. A provider service (Compose delegates it to an external program) cannot be
// applied: a problem, so the plan is refused naming it, rather than "neither an image nor a
// build section" or a container that is not what the file asked for. Lifecycle hooks
// (pre_start, post_start, pre_stop) are read but not run: a warning, once per service, so
// nobody relies on a hook that never ran.

import type { ReconcileContext } from './context.js';

export function checkUnsupported(ctx: ReconcileContext, services: Iterable<string>): void {
  for (const name of [...services].sort()) {
    const service = ctx.model.services[name];
    if (!service) continue;
    if (service.provider !== undefined) {
      ctx.problems.push(
        `service ${name} is managed by the provider '${service.provider.type}' (provider.type), which stack does not support: run it with docker compose, or replace it with an image`,
      );
    }
    const hooks = service.hooks;
    if (hooks === undefined) continue;
    const kinds = [
      ...(hooks.preStart.length > 0 ? ['pre_start'] : []),
      ...(hooks.postStart.length > 0 ? ['post_start'] : []),
      ...(hooks.preStop.length > 0 ? ['pre_stop'] : []),
    ];
    if (kinds.length === 0) continue;
    const list = kinds.length === 1 ? kinds[0]! : `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1]!}`;
    ctx.warnings.push({ service: name, message: `${name} has ${list} hooks, which stack does not run: they are ignored` });
  }
}
