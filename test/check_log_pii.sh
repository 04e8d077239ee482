#!/usr/bin/env bash
# Fails if the server log holds any PII value used by the test suites. The values are
# those listed in test/pii_values.txt plus every finding comply.detect reports in the
# suites' own SQL (so a new test value is covered without editing the list). Needs the
# test cluster running (PG* variables set) with pg_comply installed.
set -euo pipefail
log=${1:?usage: check_log_pii.sh SERVER_LOG}
repo=$(cd "$(dirname "$0")/.." && pwd)

# The scan is meaningful only if pg_comply's errors do reach the log.
if ! grep -q "invalid redaction operators" "$log"; then
  echo "log check: no pg_comply error found in $log; is logging on?" >&2
  exit 1
fi

values=$(mktemp)
sources=$(mktemp)
trap 'rm -f "$values" "$sources"' EXIT
grep -v '^#' "$repo/test/pii_values.txt" | sed '/^$/d' >"$values"
# The suites' text is read by psql from a file: as a command-line argument it outgrew
# the kernel's limit for one argument (128 KiB).
cat "$repo"/sql/*.sql "$repo"/test/pgtap/*.sql >"$sources"
psql -X -q -At -v ON_ERROR_STOP=1 -v sources="$sources" -d postgres >>"$values" <<'SQL'
\set content `cat :'sources'`
CREATE EXTENSION IF NOT EXISTS pg_comply;
SELECT DISTINCT substr(:'content', start_pos, length)
  FROM comply.detect(:'content', 0.5)
 WHERE length >= 6 AND entity <> 'URL';
SQL

# Each line's own time stamp (log_line_prefix '%m ...') is not searched, nor are the
# dates of the days the log covers searched for (the server writes them in messages,
# "shut down at ..."): a test's date that happens to be today's is no leak.
for day in "$(date -u +%F)" "$(date +%F)" "$(date -u -d yesterday +%F)"; do
  grep -vxF -- "$day" "$values" >"$values.tmp" || true
  mv "$values.tmp" "$values"
done
body=$(mktemp)
trap 'rm -f "$values" "$sources" "$body"' EXIT
sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [A-Z+0-9-]+ //' "$log" >"$body"

count=$(sort -u "$values" | wc -l)
leaks=0
while IFS= read -r v; do
  [ -n "$v" ] || continue
  if grep -qF -- "$v" "$body"; then
    echo "log check: PII value from the tests found in the server log: $v"
    grep -nF -- "$v" "$body" | head -n 3
    leaks=$((leaks + 1))
  fi
done < <(sort -u "$values")
echo "log check: $count PII values searched in $(wc -l <"$log") log lines, $leaks found"
[ "$leaks" -eq 0 ]
