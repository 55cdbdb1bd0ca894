#!/usr/bin/env bash
# Posts $COMMENT on pull request $PR_NUMBER of $GITHUB_REPOSITORY, or edits the comment that an
# earlier run posted (the one by $BOT_LOGIN that starts with the marker line): one comment per
# pull request, kept up to date. Needs gh and GH_TOKEN (pull-requests: write).
set -euo pipefail
: "${COMMENT:=pbxsync-comment.md}" "${BOT_LOGIN:=github-actions[bot]}"
MARKER='<!-- pbxsync-plan -->'

id=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.user.login == \"$BOT_LOGIN\" and (.body | startswith(\"$MARKER\"))) | .id" | head -n 1)
if [[ -n "$id" ]]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$COMMENT" --jq .html_url
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$COMMENT" --jq .html_url
fi
