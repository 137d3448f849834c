// Every command, in the order `stack --help` lists them. Each module registers itself and
// lazily imports what its action needs.
import type { Command } from 'commander';
import { registerUp } from './up.js';
import { registerPlan } from './plan.js';
import { registerDown } from './down.js';
import { registerConfig } from './config.js';

export type RegisterCommand = (program: Command) => Command;

export const commands: RegisterCommand[] = [registerUp, registerPlan, registerDown, registerConfig];
