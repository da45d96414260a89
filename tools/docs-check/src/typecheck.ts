import { join } from 'node:path';
import ts from 'typescript';
import type { Problem } from './problem.js';

/** A block written to its own module: `path` on disk, `file`/`line` where it came from. */
export interface BlockModule {
  path: string;
  file: string;
  /** The line of the opening fence: line `n` of the module is line `line + n` of `file`. */
  line: number;
}

/**
 * Typechecks every block module in one program, with the repository's compiler options
 * (`tsconfig.base.json`: strict, NodeNext, the `@baton/source` condition, so workspace packages
 * resolve to their sources) plus what documentation needs: each file is a module even
 * without an import, and Nest's decorators compile. Answers one problem per diagnostic, at
 * the markdown line it belongs to.
 *
 * @example
 * const problems = typecheckBlocks(root, [{ path: '/repo/tools/docs-check/.blocks-1/a.ts', file: 'README.md', line: 40 }]);
 */
export function typecheckBlocks(root: string, modules: readonly BlockModule[]): Problem[] {
  if (modules.length === 0) return [];
  const options = compilerOptions(root);
  const program = ts.createProgram(
    modules.map((module) => module.path),
    options,
  );
  const problems: Problem[] = program
    .getOptionsDiagnostics()
    .concat(program.getGlobalDiagnostics())
    .map((diagnostic) => ({ file: 'tsconfig.base.json', line: 1, message: describe(diagnostic) }));
  for (const module of modules) {
    const source = program.getSourceFile(module.path);
    if (source === undefined) {
      problems.push({
        file: module.file,
        line: module.line,
        message: 'the block was not compiled',
      });
      continue;
    }
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    for (const diagnostic of diagnostics) {
      const offset =
        diagnostic.start === undefined
          ? 0
          : source.getLineAndCharacterOfPosition(diagnostic.start).line + 1;
      problems.push({
        file: module.file,
        line: module.line + offset,
        message: describe(diagnostic),
      });
    }
  }
  return problems;
}

function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.base.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error !== undefined) throw new Error(describe(read.error));
  const raw = (read.config as { compilerOptions?: object }).compilerOptions ?? {};
  const converted = ts.convertCompilerOptionsFromJson(raw, root, configPath);
  if (converted.errors.length > 0) throw new Error(converted.errors.map(describe).join('\n'));
  return {
    ...converted.options,
    // Type roots (`types: ["node"]`) are looked up from the configuration's folder.
    configFilePath: configPath,
    noEmit: true,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    moduleDetection: ts.ModuleDetectionKind.Force,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
  };
}

function describe(diagnostic: ts.Diagnostic): string {
  return `TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
}
