#!/usr/bin/env bash
# Applies exactly the saved plans in $PLANS (made by plan.sh) to the tenant files in $TENANTS.
# A saved plan is refused, changing nothing, when the PBX rows, the tenant's record, the tenant
# file or the master key differ from what it was made from: plan again then (see the README).
# Spreadsheets are written only encrypted (spreadsheet.encrypt_to): a plaintext .xlsx left beside
# the tenant files is removed and fails the job, so that it can never reach an artifact.
set -euo pipefail
: "${TENANTS:=tenants/}" "${PLANS:=plans/}"

code=0
pbxsync apply "$TENANTS" --plan "$PLANS" --auto-approve || code=$?

folder=$TENANTS
[[ -d "$folder" ]] || folder=$(dirname -- "$folder")
plaintext=$(find "$folder" -name '*.xlsx' -type f -print)
if [[ -n "$plaintext" ]]; then
  echo "error: plaintext credentials spreadsheets were written; set spreadsheet.encrypt_to in their tenant files:" >&2
  echo "$plaintext" >&2
  echo "$plaintext" | while IFS= read -r f; do rm -f -- "$f"; done
  exit 1
fi
exit "$code"
