#!/usr/bin/env node
import { existsSync } from 'node:fs';

// From a clone, dist/ exists only after `npm run build` (a package always has it): say so in
// one line instead of an ERR_MODULE_NOT_FOUND stack.
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('pbxsync is not built: run `npm run build` in its folder (or install the package)\n');
  process.exit(1);
}
import(main.href)
  .then((m) => m.main(process.argv))
  .catch((err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  });
