export type { Action, CommandModule, Runner } from './command.js';
export type { BatonConfig, MigrateTarget, RotationConfig, TargetFactory } from './config.js';
export { CONFIG_FILES, defineConfig, loadConfig } from './config.js';
export type { CliContext, GlobalOptions } from './context.js';
export { formatDuration } from './duration.js';
export { CheckFailedError, EXIT, UsageError } from './errors.js';
export type { CliIo } from './main.js';
export { main } from './main.js';
