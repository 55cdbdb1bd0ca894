/** Exit codes per DESIGN.md: 0 success / no changes, 1 error, 2 changes present (--detailed-exitcode). */
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_CHANGES = 2;
