# Helpers of the shell tests, sourced by each: `check NAME COMMAND...` runs COMMAND and
# prints "ok - NAME" or "not ok - NAME", counting both in $passed and $failed; `as_pg`
# (an array) runs a command as the server's user when the test runs as root.
passed=0
failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $name"
  else failed=$((failed + 1)); echo "not ok - $name"; fi
}
as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u "${COMPLY_PG_USER:-postgres}" --); fi
