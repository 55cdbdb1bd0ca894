import { loadTenant } from '../../config/load-tenant.js';
import { formatProblem } from '../../config/problem.js';
import { EXIT_ERROR, EXIT_OK } from '../exit-codes.js';

export default async function validate(files: string[]): Promise<number> {
  let failed = 0;
  for (const file of files) {
    const { config, problems } = await loadTenant(file);
    for (const p of problems) process.stderr.write(`${formatProblem(p)}\n`);
    if (config) process.stdout.write(`${file}: ok${problems.length > 0 ? ` (${problems.length} warning${problems.length === 1 ? '' : 's'})` : ''}\n`);
    else failed++;
  }
  if (failed > 0) process.stderr.write(`${failed} of ${files.length} tenant file${files.length === 1 ? '' : 's'} invalid.\n`);
  return failed > 0 ? EXIT_ERROR : EXIT_OK;
}
