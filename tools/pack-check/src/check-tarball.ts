import {
  type Analysis,
  checkPackage,
  createPackageFromTarballData,
  type ResolutionKind,
  type Problem as TypesProblem,
} from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

/**
 * The Node versions where `require()` of an ES module works without a flag: every package is
 * ESM only, and this range is what lets CommonJS apps load it too.
 */
export const ESM_ONLY_ENGINES = '^20.19 || >=22.12';
/** attw's `esm-only` profile: resolutions an ESM-only package does not serve. */
const ESM_ONLY_IGNORED: ReadonlySet<ResolutionKind> = new Set(['node10', 'node16-cjs']);
const REPOSITORY_URL = 'git+https://github.com/baton-secrets/baton.git';

export interface TarballExpectations {
  /** The package's folder in the repository, e.g. `packages/core`. */
  directory: string;
}

/**
 * Checks a packed package the way a registry user meets it: publint (every message, errors,
 * warnings and suggestions), Are the Types Wrong with the `esm-only` profile, and what this
 * repository asks of every package (README and LICENSE shipped, no tests shipped, MIT,
 * repository, keywords, public access, ESM with the engines where `require(esm)` works).
 * Answers one line per problem; none means ready to publish.
 *
 * @example
 * const problems = await checkTarball(await readFile(tarball), files, { directory: 'packages/core' });
 */
export async function checkTarball(
  tarball: Uint8Array,
  files: readonly string[],
  expectations: TarballExpectations,
): Promise<string[]> {
  const problems: string[] = [];

  const { messages, pkg } = await publint({
    pack: { tarball: tarball.slice().buffer },
    level: 'suggestion',
  });
  for (const message of messages) {
    const text = formatMessage(message, pkg, { color: false }) ?? message.code;
    problems.push(`publint ${message.type}: ${text}`);
  }

  const analysis = await checkPackage(createPackageFromTarballData(tarball));
  if (analysis.types === false) problems.push('attw: the package ships no types');
  else problems.push(...esmOnlyProblems(analysis).map((problem) => `attw: ${problem}`));

  problems.push(...metadataProblems(pkg, files, expectations));
  return problems;
}

/**
 * attw's problems that matter to an ESM-only package, as the CLI's `--profile esm-only` counts
 * them: those met by ESM importers (`node16-esm`, `bundler`), each with where it is met.
 */
function esmOnlyProblems(analysis: Analysis): string[] {
  const seenAt = new Map<number, string[]>();
  for (const entrypoint of Object.values(analysis.entrypoints)) {
    for (const [kind, resolution] of Object.entries(entrypoint.resolutions)) {
      if (ESM_ONLY_IGNORED.has(kind as ResolutionKind)) continue;
      for (const index of resolution.visibleProblems ?? []) {
        seenAt.set(index, [...(seenAt.get(index) ?? []), `"${entrypoint.subpath}" under ${kind}`]);
      }
    }
  }
  const found: string[] = [];
  analysis.problems.forEach((problem, index) => {
    const where =
      'resolutionKind' in problem
        ? ESM_ONLY_IGNORED.has(problem.resolutionKind)
          ? []
          : [`"${problem.entrypoint}" under ${problem.resolutionKind}`]
        : (seenAt.get(index) ?? []);
    if (where.length > 0) found.push(`${problem.kind} (${where.join(', ')}${files(problem)})`);
  });
  return found;
}

function files(problem: TypesProblem): string {
  const inPackage = (path: string) => path.replace(/^\/node_modules\/(@[^/]+\/)?[^/]+\//, '');
  const named = [
    'typesFileName' in problem ? `types ${inPackage(problem.typesFileName)}` : undefined,
    'implementationFileName' in problem
      ? `implementation ${inPackage(problem.implementationFileName)}`
      : undefined,
    'fileName' in problem ? `in ${inPackage(problem.fileName)}` : undefined,
  ].filter((part) => part !== undefined);
  return named.length === 0 ? '' : `; ${named.join(', ')}`;
}

function metadataProblems(
  pkg: Record<string, unknown>,
  files: readonly string[],
  { directory }: TarballExpectations,
): string[] {
  const problems: string[] = [];
  if (!files.some((file) => file.startsWith('dist/'))) {
    problems.push('the tarball has no dist/: build the package first (npx nx run-many -t build)');
  }
  for (const required of ['README.md', 'LICENSE']) {
    if (!files.includes(required)) problems.push(`the tarball has no ${required}`);
  }
  const tests = files.filter((file) => /(^|\/)test\/|\.test\.[cm]?[jt]s$/.test(file));
  if (tests.length > 0) problems.push(`the tarball ships tests: ${tests.join(', ')}`);
  if (pkg.license !== 'MIT') problems.push('"license" must be "MIT"');
  if (pkg.type !== 'module') problems.push('"type" must be "module": the packages are ESM only');
  const engines = (pkg.engines as { node?: unknown } | undefined)?.node;
  if (engines !== ESM_ONLY_ENGINES) {
    problems.push(
      `"engines.node" must be "${ESM_ONLY_ENGINES}", the versions where require() of an ES module works (found ${JSON.stringify(engines)})`,
    );
  }
  const repository = pkg.repository as
    | { type?: unknown; url?: unknown; directory?: unknown }
    | undefined;
  if (
    repository?.type !== 'git' ||
    repository.url !== REPOSITORY_URL ||
    repository.directory !== directory
  ) {
    problems.push(
      `"repository" must be { "type": "git", "url": "${REPOSITORY_URL}", "directory": "${directory}" }`,
    );
  }
  const keywords = pkg.keywords;
  if (!Array.isArray(keywords) || keywords.length === 0) problems.push('"keywords" is missing');
  if ((pkg.publishConfig as { access?: unknown } | undefined)?.access !== 'public') {
    problems.push(
      '"publishConfig" must be { "access": "public" }: scoped packages are private by default',
    );
  }
  return problems;
}
