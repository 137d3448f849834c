// Two folders, one project. Project names are normalised (`RBnorm` and `rb norm` are both
// `rbnorm`), so two unrelated stack files can name one project; each run would then recreate
// the other's containers (relative paths resolve elsewhere) and remove its services as
// orphans. Every container stack creates records the folder it was brought up from
// (`com.docker.compose.project.working_dir`). When a container of the project records another
// folder than this run's:
//   - the plan warns, naming both folders;
//   - every destructive step on such a container (a recreate's stop and remove, a scale-down,
//     a duplicate or orphan removal, a disconnect, and `down`) is refused before the engine is
//     touched, saying how to proceed: another project name, or `--take-over`;
//   - with `--take-over` the run is deliberate: nothing is refused, and this run's services
//     whose containers came from the other folder are recreated, so that they record this one.
// Adding containers (or starting stopped ones) is not destructive and goes ahead.

import { COMPOSE } from '../../api/labels.js';
import type { ObservedContainer } from '../../api/engine-types.js';
import { OperationError } from '../../errors.js';
import type { Operation } from '../types.js';

/** Our containers brought up from another folder than `projectDirectory`: container id → that folder. */
export function fromOtherFolders(managed: readonly ObservedContainer[], projectDirectory: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of managed) {
    const dir = c.labels[COMPOSE.workingDir];
    if (dir !== undefined && dir !== '' && dir !== projectDirectory) out.set(c.id, dir);
  }
  return out;
}

const folders = (others: ReadonlyMap<string, string>): string => [...new Set(others.values())].sort().join(', ');

export function otherFolderWarning(projectName: string, projectDirectory: string, others: ReadonlyMap<string, string>): string {
  return (
    `project ${projectName} was brought up from another folder (${folders(others)}), not from this run's (${projectDirectory}): ` +
    `stack recreates and removes none of the containers from there. Two stacks? Give this one its own project name (-p NAME, or name: in the file). ` +
    `This folder's file replaces the other? Run with --take-over`
  );
}

/** The refusal of destructive steps on containers from another folder. */
export function otherFolderRefusal(
  projectName: string,
  projectDirectory: string,
  others: ReadonlyMap<string, string>,
  containerNames: readonly string[],
  command: 'up' | 'down',
): OperationError {
  const verb = command === 'down' ? 'take down' : 'recreate or remove';
  return new OperationError(
    `project ${projectName} was brought up from another folder (${folders(others)}), not from this run's (${projectDirectory}): ` +
      `stack will not ${verb} its containers from there (${[...new Set(containerNames)].sort().join(', ')})`,
    {
      hint:
        `if these are two different stacks, give this one its own project name (-p NAME, or name: in the file); ` +
        `if this folder's file is meant to replace the other, run again with --take-over (stack ${command} --take-over)`,
    },
  );
}

/** The plan's operations that would stop, remove or disconnect a container from another folder: their container names. */
export function destructiveStepsOn(operations: readonly Operation[], others: ReadonlyMap<string, string>): string[] {
  const names: string[] = [];
  for (const op of operations) {
    if (op.kind !== 'container.stop' && op.kind !== 'container.remove' && op.kind !== 'network.disconnect') continue;
    if (op.container.id !== undefined && others.has(op.container.id)) names.push(op.container.name);
  }
  return names;
}
