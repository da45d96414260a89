import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The type errors of one file, as `line: TSxxxx message`, compiled as a user's project would
 * compile it: strict, NodeNext modules, workspace packages through their sources, and the
 * options given (`{ exactOptionalPropertyTypes: true }`, say). Errors inside the packages it
 * imports are not reported: a user's compiler reads their declarations, not their bodies.
 *
 * @example
 * expect(typeErrors(new URL('./fixtures/user-code.ts', import.meta.url), { exactOptionalPropertyTypes: true })).toEqual([]);
 */
export function typeErrors(file: string | URL, options: ts.CompilerOptions = {}): string[] {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  const program = ts.createProgram([path], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@baton/source'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    ...options,
  });
  const source = program.getSourceFile(path);
  if (source === undefined) throw new Error(`${path} is not part of the program`);
  return [
    ...program.getSyntacticDiagnostics(source),
    ...program.getSemanticDiagnostics(source),
  ].map((diagnostic) => {
    const line =
      diagnostic.start === undefined
        ? 0
        : source.getLineAndCharacterOfPosition(diagnostic.start).line + 1;
    return `${line}: TS${diagnostic.code} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}

/** The 1-based number of the first line of `file` that starts with `start`. */
export function lineOf(file: string | URL, start: string): number {
  const lines = readFileSync(file instanceof URL ? fileURLToPath(file) : file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.startsWith(start));
  if (index === -1) throw new Error(`no line starts with ${start}`);
  return index + 1;
}
