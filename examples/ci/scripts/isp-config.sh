#!/usr/bin/env bash
# Writes the ISP configuration from the CI secret $PBXSYNC_ISP_CONFIG_YAML to a private file
# outside the checkout and points PBXSYNC_ISP_CONFIG at it for the later steps (GitHub's
# $GITHUB_ENV). A pull request cannot change it: it is not in the tenant repository. (GitLab
# needs no script: a CI/CD variable of type File named PBXSYNC_ISP_CONFIG is such a file.)
set -euo pipefail
: "${PBXSYNC_ISP_CONFIG_YAML:?the ISP configuration secret is not set}"
file="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/pbxsync-isp.yaml"
(umask 077 && printf '%s\n' "$PBXSYNC_ISP_CONFIG_YAML" >"$file")
echo "PBXSYNC_ISP_CONFIG=$file" >>"${GITHUB_ENV:?}"
