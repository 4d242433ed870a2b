#!/usr/bin/env node
// Entry point of the `onnx-workbench` command: runs the compiled CLI from dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/electron/cli/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('onnx-workbench: the CLI is not built yet; run `npm run build` in the project folder\n');
  process.exit(2);
}
const { runCli } = await import(pathToFileURL(entry).href);
const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
});
process.exitCode = code;
