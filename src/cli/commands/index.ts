// Every command, in the order `stack --help` lists them. Each module registers itself and
// lazily imports what its action needs.
import type { Command } from 'commander';
import { registerUp } from './up.js';
import { registerPlan } from './plan.js';
import { registerDown } from './down.js';
import { registerConfig } from './config.js';
import { registerPs } from './ps.js';
import { registerLs } from './ls.js';
import { registerLogs } from './logs.js';
import { registerExec } from './exec.js';
import { registerRun } from './run.js';
import { registerStart } from './start.js';
import { registerStop } from './stop.js';
import { registerRestart } from './restart.js';
import { registerKill } from './kill.js';
import { registerRm } from './rm.js';
import { registerPause } from './pause.js';
import { registerUnpause } from './unpause.js';
import { registerTop } from './top.js';
import { registerPort } from './port.js';
import { registerEvents } from './events.js';
import { registerWatch } from './watch.js';
import { registerBuild } from './build.js';
import { registerPull } from './pull.js';
import { registerPush } from './push.js';

export type RegisterCommand = (program: Command) => Command;

export const commands: RegisterCommand[] = [registerUp, registerPlan, registerDown, registerBuild, registerPull, registerPush, registerConfig, registerPs, registerLs, registerLogs, registerExec, registerRun, registerStart, registerStop, registerRestart, registerKill, registerRm, registerPause, registerUnpause, registerTop, registerPort, registerEvents, registerWatch];
