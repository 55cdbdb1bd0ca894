#!/usr/bin/env bash
# Plans every tenant file in $TENANTS: one saved plan per tenant in $PLANS (for apply.sh) and
# the pull-request comment in $COMMENT (the marker line first, so that the next run edits the
# same comment). Exits 0 when the plans were made (changes or not), 1 when a tenant failed;
# the comment is written either way. Sets `changes=true|false` for GitHub when it can.
set -euo pipefail
: "${TENANTS:=tenants/}" "${PLANS:=plans/}" "${COMMENT:=pbxsync-comment.md}"
MARKER='<!-- pbxsync-plan -->'
LIMIT=65536 # GitHub's limit for a comment, in characters; GitLab's is larger

markdown=$(mktemp) log=$(mktemp)
trap 'rm -f "$markdown" "$log"' EXIT
case $PLANS in */) ;; *) mkdir -p -- "$(dirname -- "$PLANS")" ;; esac # one tenant file: PLANS is the plan's file
code=0
pbxsync plan "$TENANTS" --markdown --out "$PLANS" --detailed-exitcode >"$markdown" 2>"$log" || code=$?
cat "$log" >&2 # notices and errors: pbxsync never prints a secret or an expanded value

{
  echo "$MARKER"
  if ((code != 0 && code != 2)); then
    # the messages as an indented code block: nothing in them can end it or become markup
    printf '### pbxsync plan failed (exit %s)\n\n' "$code"
    tail -n 40 "$log" | sed 's/^/    /'
  fi
  echo
  cat "$markdown"
  if [[ -n "${RUN_URL:-}" ]]; then
    printf '\n<sub>Planned at %s by [this run](%s). Merging applies exactly the saved plans in its artifact; a plan that no longer fits the PBX is refused.</sub>\n' "${COMMIT_SHA:-HEAD}" "$RUN_URL"
  fi
} >"$COMMENT"
if (($(wc -m <"$COMMENT") > LIMIT)); then
  printf '%s\n### pbxsync plan\n\nThe plan is too long for a comment; see the saved plans in the artifact of %s.\n' "$MARKER" "${RUN_URL:-this run}" >"$COMMENT"
fi

changes=false
((code == 2)) && changes=true
[[ -n "${GITHUB_OUTPUT:-}" ]] && echo "changes=$changes" >>"$GITHUB_OUTPUT"
echo "pbxsync plan exited $code (changes: $changes); comment in $COMMENT, saved plans in $PLANS" >&2
((code == 0 || code == 2))
