#!/usr/bin/env bash
# On a push to main: puts into $PLANS (and $COMMENT) the saved plans of the pull request merged as $GITHUB_SHA
# (the artifact of its last successful plan run, for the commit reviewed), so that the apply
# applies what was reviewed. Without one (a push that was no pull request, an artifact that has
# expired, a run by hand), it plans afresh with plan.sh; the plan is then in the job summary for the approver.
# Either way apply.sh refuses a saved plan that no longer fits the PBX or the tenant files.
set -euo pipefail
: "${PLANS:=plans/}" "${PLAN_WORKFLOW:=pbxsync-plan.yml}" "${COMMENT:=pbxsync-comment.md}"
here=$(dirname -- "$0")

head=
# Run by hand (workflow_dispatch): plan afresh, e.g. after the pull request's plan was refused as stale.
[[ "${GITHUB_EVENT_NAME:-push}" == workflow_dispatch ]] ||
head=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" \
  --jq '[.[] | select(.merged_at != null and .base.ref == "main")][0].head.sha // empty')
run=
if [[ -n "$head" ]]; then
  run=$(gh run list --repo "$GITHUB_REPOSITORY" --workflow "$PLAN_WORKFLOW" --commit "$head" \
    --status success --limit 1 --json databaseId --jq '.[0].databaseId // empty')
fi
source=fresh
if [[ -n "$run" ]] && gh run download "$run" --repo "$GITHUB_REPOSITORY" --name "pbxsync-plans-$head" --dir .; then
  source="pull request (run $run, commit $head)"
else
  echo "no saved plan of a merged pull request for $GITHUB_SHA: planning afresh" >&2
  "$here/plan.sh"
fi
{
  printf 'Saved plans from: %s\n\n' "$source"
  if [[ -f "$COMMENT" ]]; then cat "$COMMENT"; fi
} >>"${GITHUB_STEP_SUMMARY:-/dev/null}"
