export type { DotenvSourceOptions } from './dotenv-source.js';
export { dotenvSource } from './dotenv-source.js';
export type { FileStoreOptions } from './file-store.js';
export { fileStore } from './file-store.js';
export type { FilesSourceOptions } from './files-source.js';
export { filesSource } from './files-source.js';
export type { ReadBodyResult } from './read-body.js';
export { readBody } from './read-body.js';
