/**
 * Exit codes per DESIGN.md: 0 success / no changes, 1 error, 2 changes present
 * (--detailed-exitcode), 3 applied, but Kamailio was not told (apply).
 */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_CHANGES = 2;
/**
 * `apply`: the PBX rows are committed (and the state store and spreadsheet written), but a
 * command to Kamailio (domain.reload, ul.rm) failed; the warning names each to run by hand.
 * An error after the commit (exit 1) takes precedence.
 */
export const EXIT_KAMAILIO_NOT_TOLD = 3;
