import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_KEYS } from './fake-keys.js';
import { LOWER, type Random, seededRandom } from './random.js';

export interface LargeTree {
  /** Files written, scanned or not. */
  readonly files: number;
  readonly bytes: number;
  /** Secrets planted in source files: a scanner should find each one. */
  readonly planted: readonly { readonly path: string; readonly value: string }[];
}

const TEMPLATES = [
  (w: () => string) => `import { ${w()} } from './${w()}.js';`,
  (w: () => string) => `export async function ${w()}(${w()}: string): Promise<void> {`,
  (w: () => string) => `  const ${w()} = await client.get(\`/v1/${w()}/\${id}\`);`,
  (w: () => string) => `  return items.filter((item) => item.${w()} === '${w()}');`,
  (w: () => string) => `  // Retry once: the ${w()} endpoint drops idle connections.`,
  (w: () => string) => `  if (!password) throw new Error('${w()}: password required');`,
  (w: () => string) => `  const tokenCount = ${w()}.tokens.length;`,
  (w: () => string) => `  "${w()}": "${w()}-${w()}",`,
  (w: () => string) => `${w()}_key: ${w()}.${w()}`,
  (w: () => string) => `def ${w()}(self, ${w()}=None):`,
  (w: () => string) => `    return self.${w()}.secret_name`,
  (w: () => string) => `The ${w()} service reads its api key from the environment at start-up.`,
  () => '}',
  () => '',
];

function linePool(r: Random): string[] {
  const words = Array.from({ length: 400 }, () => r.string(LOWER, r.int(3, 10)));
  const w = () => r.pick(words);
  return Array.from({ length: 4000 }, () => r.pick(TEMPLATES)(w));
}

function textOf(r: Random, pool: readonly string[], bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = r.pick(pool);
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes a tree of about `bytes` that looks like a service's repository: sources in many
 * folders (80 %), installed dependencies under node_modules (10 %), a lock file, and binary
 * images; a few secrets are planted in the sources.
 *
 * @example
 * const tree = await writeLargeTree(dir, 100 * 1024 * 1024);
 */
export async function writeLargeTree(root: string, bytes: number, seed = 7): Promise<LargeTree> {
  const r = seededRandom(seed);
  const pool = linePool(r);
  const extensions = ['ts', 'ts', 'js', 'py', 'json', 'yaml', 'md'];
  const planted: { path: string; value: string }[] = [];
  let files = 0;
  let written = 0;
  const put = async (path: string, content: string | Buffer) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
    files++;
    written += content.length;
  };
  const sourceBytes = bytes * 0.8;
  for (let n = 0; written < sourceBytes; n++) {
    const path = `src/module-${n % 97}/${r.string(LOWER, 8)}-${n}.${r.pick(extensions)}`;
    let text = textOf(r, pool, r.int(4_000, 40_000));
    if (n % 500 === 250) {
      const value = FAKE_KEYS.githubClassic(r);
      planted.push({ path, value });
      text += `const fallbackToken = '${value}';\n`;
    }
    await put(path, text);
  }
  for (let n = 0; written < bytes * 0.9; n++) {
    await put(`node_modules/dep-${n % 40}/lib/file-${n}.js`, textOf(r, pool, 20_000));
  }
  await put('package-lock.json', textOf(r, pool, 2_000_000));
  for (let n = 0; written < bytes; n++) {
    const image = Buffer.alloc(50_000);
    for (let i = 8; i < image.length; i += 7) image[i] = r.int(1, 255);
    await put(`assets/image-${n}.png`, image);
  }
  return { files, bytes: written, planted };
}
