import { loadTenant } from '../../config/load-tenant.js';
import { formatProblem, hasErrors } from '../../config/problem.js';
import { snapshotProblems } from '../../app/snapshot-problems.js';
import { EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import { terminalProblem } from '../report-error.js';

/** Validates each file: the file itself, then (offline) its snapshot directory if it has one. */
export default async function validate(files: string[]): Promise<number> {
  let failed = 0;
  for (const file of files) {
    const { config, problems } = await loadTenant(file);
    const all = config ? [...problems, ...(await snapshotProblems(config))] : problems;
    for (const p of all) process.stderr.write(`${formatProblem(terminalProblem(p))}\n`);
    if (config && !hasErrors(all)) {
      const warnings = all.length > 0 ? ` (${all.length} warning${all.length === 1 ? '' : 's'})` : '';
      process.stdout.write(`${file}: ok${warnings}\n`);
    } else failed++;
  }
  if (failed > 0) process.stderr.write(`${failed} of ${files.length} tenant file${files.length === 1 ? '' : 's'} invalid.\n`);
  return failed > 0 ? EXIT_ERROR : EXIT_OK;
}
