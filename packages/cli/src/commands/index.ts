import type { CommandModule } from '../command.js';
import check from './check.js';
import get from './get.js';
import history from './history.js';
import init from './init.js';
import migrate from './migrate.js';
import policy from './policy.js';
import promote from './promote.js';
import register from './register.js';
import retire from './retire.js';
import rotate from './rotate.js';
import run from './run.js';
import scan from './scan.js';
import status from './status.js';
import verify from './verify.js';

/** Every `baton` command, in the order `--help` lists them. A new command is one file and one line here. */
export const COMMANDS: readonly CommandModule[] = [
  status,
  register,
  promote,
  retire,
  history,
  policy,
  rotate,
  verify,
  get,
  check,
  run,
  migrate,
  init,
  scan,
];
