import { loadTenant } from '../../config/load-tenant.js';
import { formatProblem, hasErrors } from '../../config/problem.js';
import { snapshotProblems } from '../../app/snapshot-problems.js';
import { expandTenantArgs } from '../../app/tenant-files.js';
import { findConflicts, type LoadedTenant } from '../../app/tenant-conflicts.js';
import { EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import { terminalProblem } from '../report-error.js';

/**
 * Validates each file (a folder: each tenant file in it): the file itself, then (offline) its
 * snapshot directory if it has one; with several files, also that no two of them conflict.
 */
export default async function validate(args: string[]): Promise<number> {
  const { files } = expandTenantArgs(args);
  let failed = 0;
  const loaded: LoadedTenant[] = [];
  for (const file of files) {
    const { config, problems } = await loadTenant(file);
    const all = config ? [...problems, ...(await snapshotProblems(config))] : problems;
    for (const p of all) process.stderr.write(`${formatProblem(terminalProblem(p))}\n`);
    if (config) loaded.push({ file, config });
    if (config && !hasErrors(all)) {
      const warnings = all.length > 0 ? ` (${all.length} warning${all.length === 1 ? '' : 's'})` : '';
      process.stdout.write(`${file}: ok${warnings}\n`);
    } else failed++;
  }
  if (failed > 0) process.stderr.write(`${failed} of ${files.length} tenant file${files.length === 1 ? '' : 's'} invalid.\n`);
  const conflicts = findConflicts(loaded);
  for (const p of conflicts) process.stderr.write(`${formatProblem(terminalProblem(p))}\n`);
  if (conflicts.length > 0) process.stderr.write(`${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} between the tenant files.\n`);
  return failed > 0 || conflicts.length > 0 ? EXIT_ERROR : EXIT_OK;
}
