#!/usr/bin/env node
// Before `npm pack` builds: start from an empty dist/, so that the compiled output of a source
// file removed since the last build cannot end up in the package.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
