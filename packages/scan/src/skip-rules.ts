/** Why a file was not scanned. */
export type SkipReason = 'binary' | 'lockfile' | 'vendored' | 'too-large';

/** Folders of other people's code, installed or copied in: never where a team commits keys. */
const VENDORED_DIRS = new Set([
  'node_modules',
  'bower_components',
  'jspm_packages',
  '.yarn',
  '.pnpm-store',
  'vendor',
  'third_party',
  'third-party',
  '.venv',
  'venv',
  'site-packages',
  '__pycache__',
  '.tox',
  'Pods',
  'Carthage',
]);

/** A version control system's own folder: its objects are not files of the project. */
const VCS_DIRS = new Set(['.git', '.hg', '.svn']);

/** Lock files: integrity hashes and resolved URLs, written by tools. */
const LOCKFILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lockb',
  'bun.lock',
  'deno.lock',
  'Cargo.lock',
  'Gemfile.lock',
  'Pipfile.lock',
  'poetry.lock',
  'uv.lock',
  'pdm.lock',
  'composer.lock',
  'go.sum',
  'mix.lock',
  'pubspec.lock',
  'packages.lock.json',
  'flake.lock',
  'Podfile.lock',
  'gradle.lockfile',
]);

/** Extensions of formats that are binary by definition. */
const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif webp bmp tif tiff ico icns psd avif heic svgz ' +
    'woff woff2 ttf otf eot ' +
    'zip gz tgz bz2 xz 7z rar zst lz4 jar war ear whl nupkg apk ipa dmg iso ' +
    'pdf doc docx xls xlsx ppt pptx odt ' +
    'mp3 mp4 m4a wav flac ogg mov avi mkv webm ' +
    'exe dll so dylib a o obj lib class pyc pyo wasm node bin dat ' +
    'sqlite sqlite3 db mdb parquet avro pb onnx pt ckpt safetensors'
  ).split(' '),
);

/** The default bound on a file's size: bigger files are data, not configuration. */
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * Whether a path is skipped by its name alone: a vendored folder on the way, a lock file, or
 * a binary format's extension. Paths use `/` separators.
 *
 * @example
 * skipByPath('node_modules/x/index.js'); // 'vendored'
 */
export function skipByPath(path: string): SkipReason | undefined {
  const parts = path.split('/');
  const name = parts[parts.length - 1] ?? '';
  for (let i = 0; i < parts.length - 1; i++) {
    if (VENDORED_DIRS.has(parts[i] ?? '')) return 'vendored';
  }
  return skipByName(name);
}

/** Whether a directory's entries are skipped as vendored. */
export function isVendoredDir(name: string): boolean {
  return VENDORED_DIRS.has(name);
}

/** Whether a directory is a version control system's own (skipped, and not counted). */
export function isVcsDir(name: string): boolean {
  return VCS_DIRS.has(name);
}

/** Whether a file is skipped by its name: a lock file or a binary format. */
export function skipByName(name: string): SkipReason | undefined {
  if (LOCKFILES.has(name)) return 'lockfile';
  const dot = name.lastIndexOf('.');
  if (dot > 0 && BINARY_EXTENSIONS.has(name.slice(dot + 1).toLowerCase())) return 'binary';
  return undefined;
}

/** Whether content is binary: a NUL byte in its first 8 KiB, as git decides. */
export function isBinaryContent(content: Uint8Array): boolean {
  return content.subarray(0, 8192).indexOf(0) !== -1;
}
