// Before anything else: a project Docker Compose brought up is not ours to plan over.
//
// Its containers carry the project's labels but not our mark (api/ownership.ts). Planning
// beside them would create a second set of containers (the names differ: Compose 1.x names
// them `P_web_1`) that then fail on the ports Compose's containers hold, and "remove or
// rename it" hints only lead there. So the plan stops at once, saying whose project it is and
// what to do. Decision: no adoption flag. Taking a Compose project over would mean removing
// Compose's containers for ours, which is exactly `docker-compose down` then `stack up`,
// said plainly instead of hidden behind a flag.

import { OperationError } from '../../errors.js';
import { composeCommand, ownerOf } from '../../api/ownership.js';
import type { ReconcileContext } from './context.js';

export function refuseComposeProject(ctx: ReconcileContext): void {
  const { observed, projectName } = ctx;
  const made = observed.containers
    .map((c) => ({ name: c.name, owner: ownerOf(c.labels, projectName) }))
    .filter((c) => c.owner.kind === 'compose')
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (made.length === 0) return;
  const version = made[0]!.owner.kind === 'compose' ? made[0]!.owner.version : undefined;
  const tool = composeCommand(version);
  throw new OperationError(
    `project ${projectName} was brought up by ${tool}${version ? ` ${version}` : ''}: its containers (${made.map((c) => c.name).join(', ')}) are Compose's, and stack does not take them over`,
    {
      hint:
        `take it down with Compose first (${tool} -p ${projectName} down), then run stack again; Compose's volumes stay and stack will not adopt them: ` +
        `add -v to delete them, or declare them external: true to keep their data. Or give this stack another project name (-p NAME)`,
    },
  );
}
