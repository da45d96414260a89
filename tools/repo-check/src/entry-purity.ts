import { builtinModules } from 'node:module';
import { dirname, relative } from 'node:path';
import ts from 'typescript';

/** One rule broken at one place. */
export interface Violation {
  file: string;
  line: number;
  rule: 'node-import' | 'import-time-work';
  detail: string;
}

const NODE_BUILTINS = new Set(builtinModules);
/** ECMAScript classes that every runtime has; extending one reads no host global. */
const ERROR_CLASSES = new Set([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'AggregateError',
]);

/**
 * Checks every module reachable from `entry` through relative imports: none may import a Node
 * built-in, and the top level of each may only declare things (imports, types, functions,
 * classes, and constants built from literals), so importing the entry does no work and reads
 * no global. That is what lets one build run on Node, workerd, Bun and Deno.
 */
export function checkEntryPurity(entry: string, root = dirname(entry)): Violation[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ['@baton/source'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const program = ts.createProgram([entry], options);
  const checker = program.getTypeChecker();
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const queue = [ts.sys.resolvePath(entry)];

  while (queue.length > 0) {
    const fileName = queue.pop() as string;
    if (seen.has(fileName)) continue;
    seen.add(fileName);
    const file = program.getSourceFile(fileName);
    if (file === undefined) throw new Error(`cannot read ${fileName}`);
    const report = (node: ts.Node, rule: Violation['rule'], detail: string) => {
      const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
      violations.push({ file: relative(root, fileName), line: line + 1, rule, detail });
    };

    for (const statement of file.statements) {
      const specifier = moduleSpecifier(statement);
      if (specifier !== undefined) {
        if (specifier.startsWith('node:') || NODE_BUILTINS.has(specifier)) {
          report(statement, 'node-import', `imports "${specifier}"`);
        } else if (specifier.startsWith('.')) {
          const resolved = ts.resolveModuleName(
            specifier,
            fileName,
            options,
            ts.sys,
          ).resolvedModule;
          if (resolved === undefined)
            report(statement, 'node-import', `cannot resolve "${specifier}"`);
          else queue.push(resolved.resolvedFileName);
        }
        continue;
      }
      const problem = topLevelWork(statement, file, checker);
      if (problem !== undefined) report(problem.node, 'import-time-work', problem.detail);
    }
  }
  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function moduleSpecifier(statement: ts.Statement): string | undefined {
  if (
    (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
    statement.moduleSpecifier !== undefined &&
    ts.isStringLiteral(statement.moduleSpecifier)
  ) {
    return statement.moduleSpecifier.text;
  }
  return undefined;
}

interface Problem {
  node: ts.Node;
  detail: string;
}

/** What a top-level statement would do on import, if anything. */
function topLevelWork(
  statement: ts.Statement,
  file: ts.SourceFile,
  checker: ts.TypeChecker,
): Problem | undefined {
  if (
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isFunctionDeclaration(statement) ||
    ts.isEmptyStatement(statement) ||
    (ts.isModuleDeclaration(statement) && hasDeclareModifier(statement))
  ) {
    return undefined;
  }
  if (ts.isClassDeclaration(statement)) return classWork(statement, file, checker);
  if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) {
      if (declaration.initializer === undefined) continue;
      const impure = impurePart(declaration.initializer, file, checker);
      if (impure !== undefined)
        return { node: impure, detail: `initializer runs ${describeNode(impure, file)}` };
    }
    return undefined;
  }
  if (ts.isExportAssignment(statement)) {
    const impure = impurePart(statement.expression, file, checker);
    return impure === undefined
      ? undefined
      : { node: impure, detail: `export default runs ${describeNode(impure, file)}` };
  }
  return {
    node: statement,
    detail: `top-level statement runs on import: ${describeNode(statement, file)}`,
  };
}

function classWork(
  node: ts.ClassLikeDeclaration,
  file: ts.SourceFile,
  checker: ts.TypeChecker,
): Problem | undefined {
  if (ts.getDecorators(node)?.length) return { node, detail: 'class decorators run on import' };
  for (const member of node.members) {
    if (ts.isClassStaticBlockDeclaration(member))
      return { node: member, detail: 'static blocks run on import' };
    if (ts.canHaveDecorators(member) && ts.getDecorators(member)?.length) {
      return { node: member, detail: 'member decorators run on import' };
    }
    const isStatic =
      ts.canHaveModifiers(member) &&
      ts.getModifiers(member)?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
    if (isStatic && ts.isPropertyDeclaration(member) && member.initializer !== undefined) {
      const impure = impurePart(member.initializer, file, checker);
      if (impure !== undefined)
        return { node: impure, detail: `static initializer runs ${describeNode(impure, file)}` };
    }
  }
  if (node.heritageClauses !== undefined) {
    for (const clause of node.heritageClauses) {
      for (const type of clause.types) {
        const base = type.expression;
        const intrinsic =
          ts.isIdentifier(base) &&
          ERROR_CLASSES.has(base.text) &&
          !isPureReference(base, file, checker);
        if (
          clause.token === ts.SyntaxKind.ExtendsKeyword &&
          !intrinsic &&
          !isPureReference(base, file, checker)
        ) {
          return { node: type, detail: `extends ${describeNode(type.expression, file)}` };
        }
      }
    }
  }
  return undefined;
}

/**
 * The first sub-expression that would do work or read a global when evaluated, or
 * `undefined` when the expression only builds values from literals and local names.
 */
function impurePart(
  node: ts.Expression,
  file: ts.SourceFile,
  checker: ts.TypeChecker,
): ts.Node | undefined {
  if (
    ts.isStringLiteral(node) ||
    ts.isNumericLiteral(node) ||
    ts.isBigIntLiteral(node) ||
    ts.isNoSubstitutionTemplateLiteral(node) ||
    ts.isRegularExpressionLiteral(node) ||
    node.kind === ts.SyntaxKind.TrueKeyword ||
    node.kind === ts.SyntaxKind.FalseKeyword ||
    node.kind === ts.SyntaxKind.NullKeyword ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node)
  ) {
    return undefined;
  }
  if (ts.isClassExpression(node)) return classWork(node, file, checker)?.node;
  if (
    ts.isParenthesizedExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isTypeAssertionExpression(node)
  ) {
    return impurePart(node.expression, file, checker);
  }
  if (ts.isPrefixUnaryExpression(node)) return impurePart(node.operand, file, checker);
  if (ts.isBinaryExpression(node)) {
    return impurePart(node.left, file, checker) ?? impurePart(node.right, file, checker);
  }
  if (ts.isConditionalExpression(node)) {
    return (
      impurePart(node.condition, file, checker) ??
      impurePart(node.whenTrue, file, checker) ??
      impurePart(node.whenFalse, file, checker)
    );
  }
  if (ts.isTemplateExpression(node)) {
    for (const span of node.templateSpans) {
      const impure = impurePart(span.expression, file, checker);
      if (impure !== undefined) return impure;
    }
    return undefined;
  }
  if (ts.isArrayLiteralExpression(node)) {
    for (const element of node.elements) {
      const impure = ts.isSpreadElement(element) ? element : impurePart(element, file, checker);
      if (impure !== undefined) return impure;
    }
    return undefined;
  }
  if (ts.isObjectLiteralExpression(node)) {
    for (const property of node.properties) {
      if (ts.isPropertyAssignment(property)) {
        if (ts.isComputedPropertyName(property.name)) {
          const impure = impurePart(property.name.expression, file, checker);
          if (impure !== undefined) return impure;
        }
        const impure = impurePart(property.initializer, file, checker);
        if (impure !== undefined) return impure;
      } else if (ts.isShorthandPropertyAssignment(property)) {
        if (!isPureReference(property.name, file, checker)) return property;
      } else if (!ts.isMethodDeclaration(property)) {
        return property; // spreads and accessors run code
      }
    }
    return undefined;
  }
  if (ts.isIdentifier(node)) return isPureReference(node, file, checker) ? undefined : node;
  if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
    if (!isAllowedConstructorOrCall(node)) return node;
    for (const argument of node.arguments ?? []) {
      const impure = impurePart(argument, file, checker);
      if (impure !== undefined) return impure;
    }
    return undefined;
  }
  return node;
}

/** Freezing a literal, interning a symbol, or an empty collection: values, not work. */
function isAllowedConstructorOrCall(node: ts.CallExpression | ts.NewExpression): boolean {
  const callee = node.expression.getText();
  if (ts.isNewExpression(node)) return ['Map', 'Set', 'WeakMap', 'WeakSet'].includes(callee);
  return ['Object.freeze', 'Symbol', 'Symbol.for'].includes(callee);
}

/** A name declared in this module or imported into it; `undefined` is a literal too. */
function isPureReference(
  node: ts.Expression,
  file: ts.SourceFile,
  checker: ts.TypeChecker,
): boolean {
  if (!ts.isIdentifier(node)) return false;
  if (node.text === 'undefined') return true;
  const symbol = checker.getSymbolAtLocation(node);
  const declaration = symbol?.declarations?.[0];
  if (declaration === undefined) return false;
  return (
    declaration.getSourceFile() === file &&
    (ts.isImportSpecifier(declaration) ||
      ts.isImportClause(declaration) ||
      ts.isNamespaceImport(declaration) ||
      declaration.parent?.parent?.parent === file ||
      declaration.parent === file)
  );
}

function hasDeclareModifier(node: ts.ModuleDeclaration): boolean {
  return (
    ts.getModifiers(node)?.some((modifier) => modifier.kind === ts.SyntaxKind.DeclareKeyword) ??
    false
  );
}

function describeNode(node: ts.Node, file: ts.SourceFile): string {
  const text = node.getText(file).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
