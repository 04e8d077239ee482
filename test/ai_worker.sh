#!/usr/bin/env bash
# Tests the openai provider and the job worker on a throwaway cluster of their own, with
# real libcurl against test/ai_server.py (a scriptable OpenAI-compatible server on
# 127.0.0.1 that records every request):
#   - synchronous classify: answer, API key sent (and never stored), redacted prompt,
#     malformed answers and labels outside the set are errors, cancellation and
#     statement_timeout abort a hanging request at once;
#   - the worker: jobs done and routed (decision or review case, both in the ledger);
#     retries with backoff (500, 429 with Retry-After, dropped connections);
#     dead-lettering after comply.ai_max_attempts, and at once of a job whose outcome
#     cannot be recorded (the others of its round done); the circuit breaker pauses a failing
#     provider instead of hammering it; no job lost across a provider outage, a worker
#     killed mid-request and a server crash mid-request; review upkeep (expired claims,
#     SLA escalation announced with NOTIFY comply_review);
#   - a row a protected table rejects is recorded in the ledger by the worker;
#   - alerts (dead letters, escalations, drift) reach a webhook once each, through
#     failures and while the receiver is down for a while; they are announced with
#     NOTIFY at once; the worker compares the server with the baseline;
#   - no PII value of the test data ever reached the provider.
# Needs the extension installed. Prints one line per check and "N passed, M failed".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export COMPLY_CLUSTER_DIR="$repo/build/ai-worker-cluster"
work=$(mktemp -d)
chmod 755 "$work"
conf="$work/extra.conf"
cat >"$conf" <<'CONF'
log_min_messages = warning
log_min_error_statement = panic
max_worker_processes = 16
comply.ledger_worker = off
comply.ai_retry_base = '100ms'
comply.ai_retry_max = '1s'
comply.ai_breaker_threshold = 3
comply.ai_breaker_cooldown = '2s'
# Commits must survive the crash below.
fsync = on
synchronous_commit = on
CONF
chmod 644 "$conf"
export COMPLY_PG_CONF="$conf"

server_pid=
start_server() {  # start_server [PORT]: starts test/ai_server.py, sets $port
  rm -f "$work/port"
  python3 test/ai_server.py --port "${1:-0}" --port-file "$work/port" --log "$work/requests.log" \
    >>"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
}
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=; fi; }
cleanup() {
  stop_server
  if [ "${COMPLY_TEST_KEEP:-0}" = 1 ]; then echo "# kept: $COMPLY_CLUSTER_DIR and $work"; return; fi
  scripts/pgcluster.sh destroy >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server
scripts/pgcluster.sh destroy
scripts/pgcluster.sh start
eval "$(scripts/pgcluster.sh env)"
bindir=$(pg_config --bindir)
key="sk-test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
scripts/pgcluster.sh key comply_ai.key "$key" >/dev/null
datadir=$(psql -X -At -d postgres -c "SHOW data_directory")

# shellcheck source=test/lib.sh
source "$repo/test/lib.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
is_true() { [ "$(q -c "$1")" = t ]; }
wait_for() {  # wait_for QUERY SECONDS: until QUERY returns t
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [ "$(q -c "$1" 2>/dev/null)" = t ] && return 0
    sleep 0.1
  done
  return 1
}
ctl() { curl -s -X POST -H 'Content-Type: application/json' --data "$2" "http://127.0.0.1:$port/_control/$1" >/dev/null; }
requests() { curl -s "http://127.0.0.1:$port/_control/requests"; }
request_count() { curl -s "http://127.0.0.1:$port/_control/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
configure() {  # points the server's settings at the test server
  q -c "ALTER SYSTEM SET comply.ai_endpoint = 'http://127.0.0.1:$port/v1'" \
    -c "ALTER SYSTEM SET comply.ai_api_key_file = '$datadir/comply_ai.key'" \
    -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.3
}
configure
q -c "CREATE EXTENSION pg_comply"
labels="ARRAY['phi', 'pci', 'general']"

# --- Synchronous calls --------------------------------------------------------------
ctl mode '{"mode": "ok", "rules": {"chargeback": "pci", "patient": "phi"}, "confidence": 0.93}'
out=$(q -c "SELECT label || ' ' || confidence || ' ' || provider || ' ' || model FROM comply.classify('Chargeback on the card of Maria Garcia, SSN 536-22-8714', $labels, 'openai:test-model')")
check "classify returns the provider's label and confidence" [ "$out" = "pci 0.93 openai test-model" ]
check "the API key is sent as a bearer token" \
  python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if r and r[-1].get("authorization") == "Bearer " + sys.argv[1] else 1)' "$key" <<<"$(requests)"
check "the request asks for JSON with the allowed labels" \
  python3 -c 'import json,sys; b=json.load(sys.stdin)[-1]["body"]; s=b["response_format"]["json_schema"]["schema"]; sys.exit(0 if s["properties"]["label"]["enum"] == ["phi","pci","general"] else 1)' <<<"$(requests)"
check "the provider got redacted text" \
  python3 -c 'import json,sys; t=json.dumps(json.load(sys.stdin)[-1]["body"]); sys.exit(0 if "[US_SSN]" in t and "536-22-8714" not in t and "Garcia" not in t else 1)' <<<"$(requests)"
check "the interaction is kept, redacted, with host and tokens, without the key" \
  is_true "SELECT provider = 'openai' AND endpoint_host = '127.0.0.1:$port' AND outcome = 'ok' AND http_status = 200
             AND prompt LIKE '%[US_SSN]%' AND prompt NOT LIKE '%8714%' AND prompt_tokens > 0
             AND response::jsonb ->> 'label' = 'pci'
             AND NOT EXISTS (SELECT 1 FROM comply.ai_interactions i WHERE i::text LIKE '%$key%')
           FROM comply.ai_interactions ORDER BY id DESC LIMIT 1"
check "the key file setting is hidden from ordinary roles and pg_settings" \
  is_true "SELECT NOT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'comply.ai_api_key_file')"
out=$(q -c "SELECT label FROM comply.classify('Chargeback on card 4111 1111 1111 1111', $labels, 'openai:test-model', '{\"clear_text\": true}')")
check "clear text is sent only when asked, and that is recorded in the ledger" \
  bash -c '[ "$1" = pci ] && python3 -c "import json,sys; t=json.dumps(json.load(sys.stdin)[-1][\"body\"]); sys.exit(0 if \"4111 1111 1111 1111\" in t else 1)" <<<"$2"' _ "$out" "$(requests)"
check "... and the stored prompt is still redacted" \
  is_true "SELECT clear_text AND prompt NOT LIKE '%4111 1111%' FROM comply.ai_interactions ORDER BY id DESC LIMIT 1"
check "... and a ledger entry says clear text was sent" \
  is_true "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'ai.clear_text_sent'"
check "... naming where it went and who asked (the host kept, not redacted as an IP address)" \
  is_true "SELECT details ->> 'endpoint_host' = '127.0.0.1:$port' AND details ->> 'requested_by' = current_user
             AND details ->> 'outcome' = 'ok' FROM comply.audit_log WHERE action = 'ai.clear_text_sent'"
# A call's record outlives the transaction or statement that made it, when that rolls
# back after the call: the provider has the text all the same (QA 15). The job worker
# writes it, and a clear-text call's ledger entry.
q -c "BEGIN" -c "SELECT label FROM comply.classify('Chargeback rolled back after the call', $labels, 'openai:test-model', '{\"clear_text\": true}')" \
  -c "ROLLBACK" >/dev/null
q -c "BEGIN" -c "SAVEPOINT s" -c "SELECT label FROM comply.classify('Chargeback in a savepoint rolled back', $labels, 'openai:test-model')" \
  -c "ROLLBACK TO s" -c "SELECT label FROM comply.classify('Chargeback in a savepoint kept', $labels, 'openai:test-model')" \
  -c "COMMIT" >/dev/null
check "a call whose transaction rolled back is recorded, and its clear text in the ledger" \
  wait_for "SELECT count(*) = 1 FROM comply.ai_interactions WHERE prompt = 'Chargeback rolled back after the call'
              AND clear_text AND outcome = 'ok' AND label = 'pci'
            AND (SELECT count(*) FROM comply.audit_log WHERE action = 'ai.clear_text_sent') = 2" 20
check "... so is one whose savepoint rolled back, and the calls committed are recorded once" \
  wait_for "SELECT count(*) FILTER (WHERE prompt = 'Chargeback in a savepoint rolled back') = 1
              AND count(*) FILTER (WHERE prompt = 'Chargeback in a savepoint kept') = 1
              AND count(*) FILTER (WHERE prompt LIKE 'Chargeback on card [CREDIT_CARD]%') = 1
            FROM comply.ai_interactions" 20
ctl mode '{"mode": "error", "status": 500}'
q -c "SELECT label FROM comply.classify('Chargeback that fails', $labels, 'openai:test-model', '{\"clear_text\": true}')" >/dev/null 2>&1 || true
check "a clear-text call that failed is in the ledger too" \
  wait_for "SELECT count(*) = 3 FROM comply.audit_log WHERE action = 'ai.clear_text_sent'
            AND EXISTS (SELECT 1 FROM comply.audit_log a JOIN comply.ai_interactions i
                          ON a.object = 'comply.ai_interactions/' || i.id
                        WHERE a.action = 'ai.clear_text_sent' AND i.prompt = 'Chargeback that fails'
                          AND i.outcome = 'http_error' AND a.details ->> 'outcome' = 'http_error')" 20
ctl mode '{"mode": "ok", "rules": {"chargeback": "pci", "patient": "phi"}, "confidence": 0.93}'

for mode in malformed badlabel badjson refusal; do
  ctl mode "{\"mode\": \"$mode\"}"
  err=$(psql -X -At -d postgres -v VERBOSITY=verbose -c "SELECT * FROM comply.classify('Patient note for Maria Garcia', $labels, 'openai:test-model')" 2>&1 || true)
  check "a $mode answer is an error (22P02), not a guess, and names no content" \
    bash -c '[[ "$1" == *22P02* ]] && [[ "$1" != *Garcia* ]] && [[ "$1" != *test\ *rationale* ]]' _ "$err"
done
ctl mode '{"mode": "error", "status": 401}'
err=$(psql -X -At -d postgres -c "SELECT * FROM comply.classify('x', $labels, 'openai:test-model')" 2>&1 || true)
check "an HTTP error is reported with its status and without the key" \
  bash -c '[[ "$1" == *"HTTP 401"* ]] && [[ "$1" != *"$2"* ]]' _ "$err" "$key"

# TLS verification is always on: a server whose certificate nobody signed is refused.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
python3 test/ai_server.py --port 0 --port-file "$work/tls.port" --tls-cert "$work/tls.crt" \
  --tls-key "$work/tls.key" >>"$work/server.out" 2>&1 &
tls_pid=$!
for _ in $(seq 100); do [ -s "$work/tls.port" ] && break; sleep 0.1; done
q -c "ALTER SYSTEM SET comply.ai_endpoint = 'https://127.0.0.1:$(cat "$work/tls.port")/v1'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.3
err=$(psql -X -At -d postgres -c "SELECT * FROM comply.classify('x', $labels, 'openai:test-model')" 2>&1 || true)
check "https with an unverifiable certificate is refused" \
  bash -c '[[ "$1" == *"AI provider call failed"* ]] && [[ "$1" == *[Cc]ertificate* || "$1" == *SSL* ]]' _ "$err"
kill "$tls_pid" 2>/dev/null || true
wait "$tls_pid" 2>/dev/null || true
configure

ctl mode '{"mode": "hang"}'
start=$(date +%s%N)
err=$(psql -X -At -d postgres -c "SET statement_timeout = '500ms'" -c "SELECT * FROM comply.classify('x', $labels, 'openai:test-model')" 2>&1 || true)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "statement_timeout aborts a hanging request at once (${elapsed} ms)" \
  bash -c '[[ "$1" == *"statement timeout"* ]] && [ "$2" -lt 5000 ]' _ "$err" "$elapsed"
psql -X -At -d postgres -c "SELECT * FROM comply.classify('x', $labels, 'openai:test-model')" >"$work/cancel.out" 2>&1 &
client=$!
sleep 1
q -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%comply.classify(''x''%' AND pid <> pg_backend_pid()" >/dev/null
start=$(date +%s%N)
wait "$client" || true
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "a query cancel aborts a hanging request at once (${elapsed} ms)" \
  bash -c 'grep -q "canceling statement due to user request" "$1" && [ "$2" -lt 5000 ]' _ "$work/cancel.out" "$elapsed"
ctl mode '{"mode": "ok"}'
check "the backend is usable after a cancelled call" \
  is_true "SELECT label = 'phi' FROM comply.classify('x', $labels, 'openai:test-model')"
check "the cancelled calls are still recorded (handed to the worker, outcome cancelled)" \
  wait_for "SELECT count(*) = 2 FROM comply.ai_interactions WHERE outcome = 'cancelled'" 20
check "so are the failed ones (a clear-text call's HTTP 500 above, malformed, bad label, bad JSON, refusal, HTTP 401)" \
  wait_for "SELECT count(*) = 6 FROM comply.ai_interactions WHERE outcome IN ('invalid_answer', 'http_error') AND job_id IS NULL" 20

# --- The worker ---------------------------------------------------------------------
check "a job worker runs for the database" \
  wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'pg_comply job worker' AND datname = 'postgres'" 20
ctl reset '{}'
ctl mode '{"mode": "ok", "rules": {"oncology": "phi"}, "confidence": 0.95}'
q -c "SELECT comply.classify_async('Oncology referral for Maria Garcia, DOB 1984-03-12', $labels, 'openai:test-model', jsonb_build_object('id', g)) FROM generate_series(1, 10) g" >/dev/null
check "queued jobs are done by the worker" \
  wait_for "SELECT count(*) = 10 FROM comply.ai_jobs WHERE status = 'done'" 20
check "confident answers become automatic decisions in the ledger" \
  is_true "SELECT (SELECT count(*) FROM comply.model_decisions WHERE label = 'phi') = 10
            AND (SELECT count(*) FROM comply.audit_log WHERE action = 'ai.decision') = 10"
ctl mode '{"mode": "ok", "confidence": 0.4}'
q -c "SELECT comply.classify_async('Unclear note', $labels, 'openai:test-model', '{\"id\": 99}')" >/dev/null
check "unsure answers become review cases in the ledger" \
  wait_for "SELECT EXISTS (SELECT 1 FROM comply.review_cases c JOIN comply.ai_jobs j ON j.case_id = c.id
                          WHERE c.subject = '{\"id\": 99}' AND c.status = 'pending' AND c.confidence = 0.4)
           AND EXISTS (SELECT 1 FROM comply.audit_log WHERE action = 'ai.review_needed')" 10

# Retries: two failures (500, a dropped connection) then success; a 429 honours Retry-After.
ctl mode '{"mode": "ok"}'
ctl script '[{"mode": "error", "status": 500}, {"mode": "drop"}]'
job=$(q -c "SELECT comply.classify_async('retry me', $labels, 'openai:test-model')")
check "a job is retried after a 500 and a dropped connection, then done" \
  wait_for "SELECT status = 'done' AND attempts = 3 FROM comply.ai_jobs WHERE id = $job" 15
check "each attempt is an interaction with its outcome" \
  is_true "SELECT array_agg(outcome ORDER BY id) = ARRAY['http_error', 'transport_error', 'ok'] FROM comply.ai_interactions WHERE job_id = $job"
ctl script '[{"mode": "ratelimit", "retry_after": 2}]'
job=$(q -c "SELECT comply.classify_async('rate limited', $labels, 'openai:test-model')")
check "a 429 is retried no sooner than its Retry-After" \
  wait_for "SELECT status = 'done' AND attempts = 2 FROM comply.ai_jobs WHERE id = $job" 15
check "... (second attempt at least 2 s after the first)" \
  is_true "SELECT max(at) - min(at) >= interval '1.9 s' FROM comply.ai_interactions WHERE job_id = $job"

# A long rationale (the model's to write) is kept cut, and redacted: its redaction failed
# beyond comply.max_input_bytes, and with it the worker's round, again and again, the
# job sent each time and never counted.
q -c "ALTER SYSTEM SET comply.max_input_bytes = '64kB'" -c "SELECT pg_reload_conf()" >/dev/null
# Makes the server answer with the rationale python3 prints for $1, and queues a job of
# the text $2: prints the job's id.
rationale_job() {
  local long
  long=$(python3 -c "print($1)")
  ctl mode "{\"mode\": \"ok\", \"rationale\": \"$long\"}"
  q -c "SELECT comply.classify_async('$2', $labels, 'openai:test-model')"
}
job=$(rationale_job '"SSN 536-22-8714 " + "word " * 20000' 'long rationale')
check "a job whose answer has a 100 kB rationale is done, in one attempt" \
  wait_for "SELECT status = 'done' AND attempts = 1 FROM comply.ai_jobs WHERE id = $job" 15
check "... its rationale kept cut to 4 kB and redacted" \
  is_true "SELECT response::jsonb ->> 'rationale' LIKE 'SSN [US_SSN] word%[rationale cut: % bytes]'
                  AND octet_length(response::jsonb ->> 'rationale') < 4200
             FROM comply.ai_interactions WHERE job_id = $job"
check "... and so is a synchronous call's (no 54000 for a 14-byte input)" \
  is_true "SELECT label = 'phi' FROM comply.classify('long rationale', $labels, 'openai:test-model')"
# A label across the cut: dropped whole, its '[' too (the rationale ended in "word [").
job=$(rationale_job '"word " * 817 + "a.person@example.com " + "word " * 100' 'label across the cut')
check "a label across the rationale's cut is dropped with its bracket" \
  wait_for "SELECT status = 'done' FROM comply.ai_jobs WHERE id = $job" 15
check "... (the rationale ends 'word [rationale cut: ...]')" \
  is_true "SELECT response::jsonb ->> 'rationale' LIKE '%word word [rationale cut: % bytes]'
             FROM comply.ai_interactions WHERE job_id = $job"
# A card number written in groups across the cut (at 4,096 bytes): redacted whole before the
# rationale is cut (cut first, its first 12 digits stayed in clear).
job=$(rationale_job '"word " * 816 + "x " + "4111 1111 1111 1111 " + "word " * 100' 'card across the cut')
check "a card number across the rationale's cut is not kept in part" \
  wait_for "SELECT status = 'done' FROM comply.ai_jobs WHERE id = $job" 15
check "... (no group of its digits in the interaction's response)" \
  is_true "SELECT count(*) = 1 AND bool_and(response NOT LIKE '%4111 1111%' AND response NOT LIKE '%1111 1111%')
             FROM comply.ai_interactions WHERE job_id = $job"
ctl mode '{"mode": "ok"}'
q -c "ALTER SYSTEM RESET comply.max_input_bytes" -c "SELECT pg_reload_conf()" >/dev/null

# Dead letters: a job that keeps failing stops after comply.ai_max_attempts.
q -c "ALTER SYSTEM SET comply.ai_max_attempts = 3" -c "SELECT pg_reload_conf()" >/dev/null
ctl script '[{"mode": "badlabel"}, {"mode": "badlabel"}, {"mode": "badlabel"}]'
job=$(q -c "SELECT comply.classify_async('always wrong', $labels, 'openai:test-model')")
check "a job whose answers are always invalid is dead-lettered after 3 attempts" \
  wait_for "SELECT status = 'dead' AND attempts = 3 AND last_error LIKE '%outside the allowed set%' FROM comply.ai_jobs WHERE id = $job" 15
check "... with a ledger entry" \
  is_true "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'ai.dead_letter' AND object = 'comply.ai_jobs/$job'"
q -c "ALTER SYSTEM RESET comply.ai_max_attempts" -c "SELECT pg_reload_conf()" >/dev/null

# A job whose outcome cannot be recorded (its 4 kB subject can no longer be redacted once
# comply.max_input_bytes is lowered below it) is dead-lettered on its own: it failed the
# worker's whole round, with the jobs claimed with it, and every later round (QA 15).
# Queued while the worker is off, so that the four are claimed in one round.
q -c "ALTER SYSTEM SET comply.ai_worker = off" -c "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_comply job worker'" 15 || true
ctl mode '{"mode": "ok", "confidence": 0.95}'
big=$(q -c "SELECT comply.classify_async('unrecordable', $labels, 'openai:test-model', jsonb_build_object('note', repeat('word ', 800)))")
q -c "SELECT comply.classify_async('recordable ' || g, $labels, 'openai:test-model', jsonb_build_object('id', g)) FROM generate_series(1, 3) g" >/dev/null
q -c "ALTER SYSTEM SET comply.max_input_bytes = '2kB'" -c "ALTER SYSTEM RESET comply.ai_worker" \
  -c "SELECT pg_reload_conf()" >/dev/null
check "a job whose outcome cannot be recorded does not hold back the jobs claimed with it" \
  wait_for "SELECT count(*) = 3 FROM comply.ai_jobs WHERE input LIKE 'recordable%' AND status = 'done'" 20
check "... it is dead-lettered at once, the reason in last_error (SQLSTATE 54000)" \
  wait_for "SELECT status = 'dead' AND attempts = 1
                   AND last_error LIKE 'its outcome could not be recorded: % (SQLSTATE 54000)'
              FROM comply.ai_jobs WHERE id = $big" 10
check "... with its call on record (it was sent), its ledger entry and an alert" \
  is_true "SELECT (SELECT count(*) FROM comply.ai_interactions WHERE job_id = $big AND outcome = 'ok') = 1
              AND (SELECT count(*) FROM comply.audit_log WHERE action = 'ai.dead_letter' AND object = 'comply.ai_jobs/$big') = 1
              AND (SELECT count(*) FROM comply.alerts WHERE kind = 'dead_letter' AND subject = 'comply.ai_jobs/$big') = 1"
q -c "ALTER SYSTEM RESET comply.max_input_bytes" -c "SELECT pg_reload_conf()" >/dev/null

# Circuit breaker: with the provider failing, 20 jobs do not make 20 x attempts requests.
ctl reset '{}'
ctl mode '{"mode": "error", "status": 503}'
q -c "ALTER SYSTEM SET comply.ai_max_attempts = 50" -c "SELECT pg_reload_conf()" >/dev/null
q -c "SELECT comply.classify_async('outage ' || g, $labels, 'openai:test-model') FROM generate_series(1, 20) g" >/dev/null
sleep 5
n=$(request_count)
check "the circuit breaker pauses a failing provider (${n} requests in 5 s for 20 jobs)" [ "$n" -le 14 ]
check "... and shows it open in comply.ai_provider_status" \
  is_true "SELECT state IN ('open', 'half-open') AND consecutive_failures >= 3 FROM comply.ai_provider_status"
check "... while no job is lost or dead" \
  is_true "SELECT count(*) = 20 FROM comply.ai_jobs WHERE input LIKE 'outage%' AND status IN ('queued', 'running')"
# The breaker is the server's, not each process's: comply.run_jobs() from new sessions (a
# cron job's connections) holds back while it is open, where each new session used to
# start with a closed breaker of its own and send a batch. The jobs are made due at once,
# so that only the breaker holds them back.
q -c "ALTER SYSTEM SET comply.ai_worker = off" -c "SELECT pg_reload_conf()" >/dev/null
wait_for "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'pg_comply job worker'" 15 || true
attempts_before=$(q -c "SELECT sum(attempts) FROM comply.ai_jobs WHERE input LIKE 'outage%'")
before=$(request_count)
for _ in 1 2 3; do
  q -c "UPDATE comply.ai_jobs SET next_attempt_at = now() WHERE input LIKE 'outage%' AND status = 'queued'" \
    -c "SELECT comply.run_jobs()" >/dev/null
done
sent=$(( $(request_count) - before ))
attempts_spent=$(( $(q -c "SELECT sum(attempts) FROM comply.ai_jobs WHERE input LIKE 'outage%'") - attempts_before ))
check "with the circuit open, comply.run_jobs() in three new sessions sends at most one probe (${sent} requests)" [ "$sent" -le 1 ]
check "... and spends no attempt of the jobs it holds back (${attempts_spent} spent)" [ "$attempts_spent" -le 1 ]
q -c "ALTER SYSTEM RESET comply.ai_worker" -c "SELECT pg_reload_conf()" >/dev/null

# Provider down (connection refused), then back on the same port: every job is done.
stop_server
sleep 2
start_server "$port"
ctl mode '{"mode": "ok"}'
check "after the outage every job is done, none lost" \
  wait_for "SELECT count(*) = 20 FROM comply.ai_jobs WHERE input LIKE 'outage%' AND status = 'done'" 30
check "... and the circuit is closed again" \
  wait_for "SELECT state = 'closed' FROM comply.ai_provider_status" 5
q -c "ALTER SYSTEM RESET comply.ai_max_attempts" -c "SELECT pg_reload_conf()" >/dev/null

# The worker killed in the middle of a request: the job is not lost.
ctl mode '{"mode": "hang", "max_seconds": 30}'
job=$(q -c "SELECT comply.classify_async('worker dies', $labels, 'openai:test-model')")
wait_for "SELECT status = 'running' FROM comply.ai_jobs WHERE id = $job" 10 || true
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_comply job worker'" >/dev/null
ctl mode '{"mode": "ok"}'
check "a job whose worker was killed mid-request is done by the next worker" \
  wait_for "SELECT status = 'done' FROM comply.ai_jobs WHERE id = $job" 30
check "... and the request the stopped worker had out is on record as an interaction (cancelled)" \
  wait_for "SELECT count(*) = 1 FROM comply.ai_interactions WHERE job_id = $job AND outcome = 'cancelled'
              AND error LIKE 'cancelled while the request was out%'" 5

# The server crashes in the middle of a request: the job is not lost.
ctl mode '{"mode": "hang", "max_seconds": 30}'
job=$(q -c "SELECT comply.classify_async('server dies', $labels, 'openai:test-model')")
wait_for "SELECT status = 'running' FROM comply.ai_jobs WHERE id = $job" 10 || true
"${as_pg[@]}" "$bindir/pg_ctl" -D "$datadir" stop -m immediate >/dev/null 2>&1 || true
ctl mode '{"mode": "ok"}'
# (Restarted with proxies in its environment, which libcurl would use by default: the
# provider must still be reached directly, not through 127.0.0.1:9, where nothing listens.)
http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 \
  scripts/pgcluster.sh start >/dev/null
postmaster=$(head -1 "$datadir/postmaster.pid")
check "the server now has proxies in its environment" \
  bash -c 'tr "\0" "\n" <"/proc/$1/environ" | grep -q "^http_proxy=http://127.0.0.1:9"' _ "$postmaster"
check "... which a provider call does not use (it reaches the provider directly)" \
  is_true "SELECT label = 'phi' FROM comply.classify('x', $labels, 'openai:test-model')"
check "a job running when the server crashed is done after the restart" \
  wait_for "SELECT status = 'done' FROM comply.ai_jobs WHERE id = $job" 40
check "no job is left behind" \
  wait_for "SELECT count(*) = 0 FROM comply.ai_jobs WHERE status IN ('queued', 'running')" 20

# A protected row deleted, or forgotten, while its job is with the provider: the answer
# is discarded (no decision, no review case), the call is still on record for the row
# deleted (it was disclosed), not for the row forgotten.
q -c "CREATE TABLE intake_notes (id int PRIMARY KEY, note text)"
q -c "SELECT comply.protect('intake_notes', '{\"columns\": {\"note\": {\"classify\": {\"labels\": [\"phi\", \"pci\", \"general\"], \"model\": \"openai:test-model\"}}}}')" >/dev/null
ctl mode '{"mode": "delay", "delay_ms": 3000, "confidence": 0.4}'
q -c "INSERT INTO intake_notes VALUES (1, 'Oncology referral, follow-up in two weeks'), (2, 'Chargeback on an order')"
running="SELECT count(*) = 2 FROM comply.ai_jobs WHERE subject ->> 'table' = 'public.intake_notes' AND status = 'running'"
check "both rows' jobs are with the provider" wait_for "$running" 10
q -c "DELETE FROM intake_notes WHERE id = 1"
q -c "SELECT * FROM comply.forget('intake_notes', '{\"id\": 2}')" >/dev/null
ctl mode '{"mode": "ok"}'
check "a job cancelled or forgotten while with the provider has its answer discarded" \
  wait_for "SELECT count(*) = 2 FROM comply.audit_log WHERE action = 'ai.discarded'" 15
check "... no decision and no review case for either row" \
  is_true "SELECT NOT EXISTS (SELECT 1 FROM comply.review_cases WHERE subject ->> 'table' = 'public.intake_notes')
            AND NOT EXISTS (SELECT 1 FROM comply.model_decisions WHERE subject ->> 'table' = 'public.intake_notes')"
check "... the deleted row's job stays cancelled, its call on record; nothing left of the forgotten row's" \
  is_true "SELECT (SELECT array_agg(j.status) FROM comply.ai_jobs j WHERE j.subject ->> 'table' = 'public.intake_notes') = ARRAY['cancelled']
            AND (SELECT count(*) FROM comply.ai_interactions i JOIN comply.ai_jobs j ON j.id = i.job_id
                  WHERE j.subject ->> 'table' = 'public.intake_notes' AND i.outcome = 'ok') = 1
            AND (SELECT count(*) FILTER (WHERE details ? 'interaction_id') = 1
                        AND count(*) FILTER (WHERE details ->> 'reason' LIKE '%forgotten%') = 1
                   FROM comply.audit_log WHERE action = 'ai.discarded')"
# A row taken away while its job is with the provider, without the protect triggers
# seeing it (a DELETE in replica mode; a partition dropped would do the same): the worker
# looks the row up before it records the answer, and discards it.
ctl mode '{"mode": "delay", "delay_ms": 3000, "confidence": 0.4}'
q -c "INSERT INTO intake_notes VALUES (3, 'Refund issued for a duplicate charge')"
check "the third row's job is with the provider" \
  wait_for "SELECT count(*) = 1 FROM comply.ai_jobs WHERE subject ->> 'table' = 'public.intake_notes' AND status = 'running'" 10
q -c "SET session_replication_role = replica" -c "DELETE FROM intake_notes WHERE id = 3" 2>/dev/null
ctl mode '{"mode": "ok"}'
check "a job whose row went without the triggers has its answer discarded" \
  wait_for "SELECT count(*) = 3 FROM comply.audit_log WHERE action = 'ai.discarded'" 15
check "... the job cancelled as its row was gone, no decision and no review case" \
  is_true "SELECT j.status = 'cancelled' AND j.last_error = 'the row was no longer in its table when its answer came'
                  AND NOT EXISTS (SELECT 1 FROM comply.review_cases r WHERE r.job_id = j.id)
                  AND NOT EXISTS (SELECT 1 FROM comply.model_decisions d WHERE d.job_id = j.id)
             FROM comply.ai_jobs j WHERE j.subject -> 'primary_key' ->> 'id' = '3'
              AND j.subject ->> 'table' = 'public.intake_notes'"
# A writer's transaction left open on a row whose job is with the provider (its UPDATE
# cancels the job, and holds the job's row): the worker records the call and goes on,
# rather than wait for that transaction with every other job, alert and rejected row
# behind it; the job is the transaction's to end.
ctl mode '{"mode": "delay", "delay_ms": 3000, "confidence": 0.95}'
q -c "INSERT INTO intake_notes VALUES (4, 'Oncology referral, held open')"
check "the fourth row's job is with the provider" \
  wait_for "SELECT count(*) = 1 FROM comply.ai_jobs WHERE subject ->> 'table' = 'public.intake_notes' AND status = 'running'" 10
psql -X -q -d postgres -c "BEGIN" -c "UPDATE intake_notes SET note = 'Chargeback, held open' WHERE id = 4" \
  -c "SELECT pg_sleep(12)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
wait_for "SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(12)'" 5 || true
ctl mode '{"mode": "ok"}'
job=$(q -c "SELECT comply.classify_async('a job behind the held one', $labels, 'openai:test-model')")
check "a transaction holding a job's row does not hold the worker: a later job is done meanwhile" \
  wait_for "SELECT (SELECT status = 'done' FROM comply.ai_jobs WHERE id = $job)
              AND EXISTS (SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(12)')" 10
check "... the held job's answer is discarded" \
  is_true "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'ai.discarded'
             AND details ->> 'reason' LIKE 'another transaction held the job%'"
held_job=$(q -c "SELECT (details ->> 'job_id') FROM comply.audit_log WHERE action = 'ai.discarded'
                   AND details ->> 'reason' LIKE 'another transaction held the job%'")
wait "$holder" 2>/dev/null || true
check "... and its call is on record once the holder has ended" \
  wait_for "SELECT count(*) = 1 FROM comply.ai_interactions WHERE job_id = $held_job AND outcome = 'ok'" 15
check "... and once that transaction commits, its job is cancelled and the row's new text classified" \
  wait_for "SELECT array_agg(status ORDER BY id) = ARRAY['cancelled', 'done'] FROM comply.ai_jobs
              WHERE subject ->> 'table' = 'public.intake_notes' AND subject -> 'primary_key' ->> 'id' = '4'" 15
# The holder is comply.forget in a transaction left open: the call is not recorded
# after the erasure (it was handed over, and dropped once the job was gone).
ctl mode '{"mode": "delay", "delay_ms": 3000, "confidence": 0.95}'
q -c "INSERT INTO intake_notes VALUES (5, 'Oncology referral, to be forgotten')"
check "the fifth row's job is with the provider" \
  wait_for "SELECT count(*) = 1 FROM comply.ai_jobs WHERE subject -> 'primary_key' ->> 'id' = '5' AND status = 'running'" 10
forgotten_job=$(q -c "SELECT id FROM comply.ai_jobs WHERE subject -> 'primary_key' ->> 'id' = '5'")
psql -X -q -d postgres -c "BEGIN" -c "SELECT * FROM comply.forget('intake_notes', '{\"id\": 5}')" \
  -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
ctl mode '{"mode": "ok"}'
check "a job held by an open comply.forget has its answer discarded" \
  wait_for "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'ai.discarded' AND details ->> 'job_id' = '$forgotten_job'" 10
wait "$holder" 2>/dev/null || true
q -c "SELECT comply.run_jobs()" >/dev/null
check "... and once the erasure commits, nothing of the call is left (no interaction of the job)" \
  is_true "SELECT NOT EXISTS (SELECT 1 FROM comply.ai_interactions WHERE job_id = $forgotten_job)
             AND NOT EXISTS (SELECT 1 FROM comply.ai_jobs WHERE id = $forgotten_job)"
q -c "SELECT comply.unprotect('intake_notes')" -c "DROP TABLE intake_notes" >/dev/null

# --- Review upkeep by the worker ----------------------------------------------------
q -c "CREATE ROLE worker_reviewer IN ROLE comply_reviewer"
q -c "ALTER SYSTEM SET comply.review_sla = '2s'" -c "SELECT pg_reload_conf()" >/dev/null
case_id=$(q -c "SELECT comply.review_enqueue('{\"id\": 500}', 'overdue case', NULL, NULL, NULL, 'sla')")
psql -X -d postgres -c "LISTEN comply_review" -c "SELECT pg_sleep(9)" >"$work/listen.out" 2>&1 &
listener=$!
check "the worker escalates a case past its SLA" \
  wait_for "SELECT status = 'escalated' FROM comply.review_cases WHERE id = $case_id" 15
wait "$listener" || true
check "... announced with NOTIFY comply_review" \
  grep -q "\"case_id\": $case_id" "$work/listen.out"
q -c "ALTER SYSTEM RESET comply.review_sla" -c "SELECT pg_reload_conf()" >/dev/null
claimed=$(q -c "SET comply.review_claim_timeout = '1s'" -c "SET ROLE worker_reviewer" -c "SELECT id FROM comply.review_next('sla')")
check "the worker returns an expired claim to the queue" \
  wait_for "SELECT status = 'escalated' AND assignee IS NULL FROM comply.review_cases WHERE id = $claimed" 15

# --- A row a protected table rejects is recorded by the worker ----------------------
q -c "SELECT comply.register_schema('w_intake', '{\"required\": [\"id\"]}')" >/dev/null
q -c "CREATE TABLE w_intake (id serial PRIMARY KEY, doc jsonb)"
q -c "SELECT comply.protect('w_intake', '{\"columns\": {\"doc\": {\"validate\": \"w_intake\"}}}')" >/dev/null
err=$(psql -X -At -d postgres -c "INSERT INTO w_intake (doc) VALUES ('{\"name\": \"Maria Garcia\"}')" 2>&1 || true)
check "a protected table rejects an invalid row without echoing it" \
  bash -c '[[ "$1" == *"row rejected by the policy"* ]] && [[ "$1" != *Garcia* ]]' _ "$err"
check "the job worker records the rejected attempt in the ledger although it rolled back" \
  wait_for "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'public.w_intake'" 15

# --- Alerts reach the webhook once each, also after it was down ----------------------
ctl reset '{}'
ctl script '[{"mode": "error", "status": 500}, {"mode": "drop"}]'
ctl mode '{"mode": "ok"}'
q -c "ALTER SYSTEM SET comply.alert_webhook_url = 'http://127.0.0.1:$port/hook'" -c "SELECT pg_reload_conf()" >/dev/null
check "there are alerts to deliver (dead letters, escalations, drift)" \
  is_true "SELECT count(DISTINCT kind) >= 3 FROM comply.alerts"
check "every alert is delivered despite a 500 and a dropped connection" \
  wait_for "SELECT count(*) = 0 FROM comply.alerts WHERE delivered_at IS NULL" 30
hooks() {  # hook requests the server answered with a 2xx, per alert id
  requests | python3 -c '
import collections, json, sys
ok = collections.Counter(r["body"]["alert_id"] for r in json.load(sys.stdin)
                         if r["path"].endswith("/hook") and r["mode"] == "ok")
print(json.dumps(ok))'
}
alert_ids=$(q -c "SELECT string_agg(id::text, ',' ORDER BY id) FROM comply.alerts")
check "each alert arrived exactly once" \
  python3 -c 'import json,sys; ok=json.loads(sys.argv[1]); ids=sys.argv[2].split(","); sys.exit(0 if all(ok.get(i) == 1 for i in ids) and len(ok) == len(ids) else 1)' "$(hooks)" "$alert_ids"
check "an alert is Slack-compatible JSON with a text" \
  python3 -c 'import json,sys; r=[x for x in json.load(sys.stdin) if x["path"].endswith("/hook")]; sys.exit(0 if r and all(isinstance(x["body"].get("text"), str) and x["body"]["text"].startswith("[pg_comply]") for x in r) else 1)' <<<"$(requests)"
stop_server
q -c "ALTER SYSTEM SET comply.seal_batch = 999" -c "SELECT pg_reload_conf()" >/dev/null
check "while the receiver is down the alert waits, with its failed attempts counted" \
  wait_for "SELECT attempts >= 1 AND delivered_at IS NULL FROM comply.alerts ORDER BY id DESC LIMIT 1" 15
q -c "SELECT comply._raise_alert('drift', 'down ' || g, 'a test alert') FROM generate_series(1, 4) g" >/dev/null
check "... one alert counts the failures of a receiver that is down, the others wait without them" \
  wait_for "SELECT max(attempts) >= 3 AND count(*) FILTER (WHERE attempts > 0) = 1
              FROM comply.alerts WHERE delivered_at IS NULL" 30
start_server "$port"
ctl mode '{"mode": "ok"}'
check "once the receiver is back, the alert is delivered" \
  wait_for "SELECT count(*) = 0 FROM comply.alerts WHERE delivered_at IS NULL" 30
check "... exactly once" \
  python3 -c 'import json,sys; ok=json.loads(sys.argv[1]); sys.exit(0 if ok and set(ok.values()) == {1} else 1)' "$(hooks)"
# A receiver that hangs holds the worker for one post's timeout per round, not one per
# alert: the records it writes for the ledger (a rejected row here) do not wait behind
# twenty alerts of ten seconds each.
ctl mode '{"mode": "hang", "max_seconds": 120}'
q -c "SELECT comply._raise_alert('drift', 'hang ' || g, 'a test alert') FROM generate_series(1, 12) g" >/dev/null
sleep 2
q -c "SELECT comply.register_schema('hang_probe', '{\"type\": \"object\", \"required\": [\"a\"]}')" \
  -c "CREATE TABLE hang_probe (id int PRIMARY KEY, doc jsonb)" \
  -c "SELECT comply.protect('hang_probe', '{\"columns\": {\"doc\": {\"validate\": \"hang_probe\"}}}')" >/dev/null
q -c "INSERT INTO hang_probe VALUES (1, '{}')" >/dev/null 2>&1 || true
check "with the webhook hanging, a rejected row still reaches the ledger within 30 s" \
  wait_for "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'protect.rejected' AND object = 'public.hang_probe'" 30
check "... and the alerts not tried wait with the one that failed, their attempts not counted" \
  is_true "SELECT count(*) FILTER (WHERE attempts = 0) >= 10 FROM comply.alerts WHERE subject LIKE 'hang %' AND delivered_at IS NULL"
ctl mode '{"mode": "ok"}'
q -c "SELECT comply.unprotect('hang_probe')" -c "DROP TABLE hang_probe" >/dev/null
# An alert the receiver refuses for good does not hold back those raised after it.
check "the alerts left from the hang are delivered" \
  wait_for "SELECT count(*) = 0 FROM comply.alerts WHERE delivered_at IS NULL" 40
ctl mode '{"mode": "ok", "reject_containing": "POISON"}'
q -c "SELECT comply._raise_alert('drift', 'POISON', 'a test alert the receiver refuses')" \
  -c "SELECT comply._raise_alert('drift', 'after ' || g, 'a test alert') FROM generate_series(1, 3) g" >/dev/null
check "an alert the receiver refuses for good does not hold back the later ones" \
  wait_for "SELECT count(*) = 3 FROM comply.alerts WHERE subject LIKE 'after %' AND delivered_at IS NOT NULL" 20
check "... while it waits, its attempts counted" \
  is_true "SELECT attempts >= 1 AND delivered_at IS NULL FROM comply.alerts WHERE subject = 'POISON'"
# Refused for good, it is never given up by itself; check_server says so, and a person
# ends its delivery with a reason recorded in the ledger.
check "after three refusals check_server's alert_delivery fails, naming the HTTP status" \
  wait_for "SELECT status = 'fail' AND evidence -> 'last_errors' ? 'HTTP 400 (bad request)' AND (evidence ->> 'failing')::int = 1
              FROM comply.check_server() WHERE check_name = 'alert_delivery'" 30
check "... and its evidence says nothing of what the alert says" \
  is_true "SELECT evidence::text !~ '(POISON|test alert)' FROM comply.check_server() WHERE check_name = 'alert_delivery'"
q -c "CREATE ROLE alert_outsider LOGIN" >/dev/null
check "... unknown to a role that cannot read comply.alerts" \
  [ "$(psql -X -At -U alert_outsider -d postgres -c "SELECT status FROM comply.check_server() WHERE check_name = 'alert_delivery'")" = unknown ]
check "a role without the grant cannot dismiss an alert (42501)" \
  bash -c '[ "$(psql -X -At -U alert_outsider -d postgres -v VERBOSITY=sqlstate -c "SELECT comply.dismiss_alert(1, '"'"'x'"'"')" 2>&1)" = "ERROR:  42501" ]'
q -c "DROP ROLE alert_outsider" >/dev/null
poison=$(q -c "SELECT id FROM comply.alerts WHERE subject = 'POISON'")
q -c "SELECT comply.dismiss_alert($poison, 'read in comply.alerts; receiver rejects it, ticket OPS-17')" >/dev/null
check "a dismissed alert is an alert.dismissed ledger entry with its last error and the reason" \
  is_true "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'alert.dismissed' AND object = 'comply.alerts/$poison'
             AND details ->> 'last_error' = 'HTTP 400 (bad request)' AND details ->> 'reason' LIKE '%OPS-17' AND details ->> 'kind' = 'drift'"
attempts=$(q -c "SELECT attempts FROM comply.alerts WHERE id = $poison")
sleep 4
check "... it is posted no more" \
  is_true "SELECT attempts = $attempts AND delivered_at IS NULL AND dismissed_at IS NOT NULL FROM comply.alerts WHERE id = $poison"
check "... and alert_delivery passes again" \
  is_true "SELECT status = 'pass' FROM comply.check_server() WHERE check_name = 'alert_delivery'"
check "dismissing it again is 55000" \
  [ "$(q -v VERBOSITY=sqlstate -c "SELECT comply.dismiss_alert($poison, 'again')" 2>&1)" = "ERROR:  55000" ]
# A worker stopped while it posts: the alerts it had claimed are posted by the next one
# first, without waiting for the claim to expire (two minutes).
ctl mode '{"mode": "hang", "max_seconds": 60}'
q -c "SELECT comply._raise_alert('drift', 'stopped ' || g, 'a test alert') FROM generate_series(1, 2) g" >/dev/null
wait_for "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'pg_comply job worker' AND query = 'posting alerts')" 10 || true
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'pg_comply job worker'" >/dev/null
ctl mode '{"mode": "ok"}'
q -c "SELECT comply._raise_alert('drift', 'after the stop', 'a test alert')" >/dev/null
check "alerts claimed by a worker stopped mid-post are delivered by the next one, not after the claim's two minutes" \
  wait_for "SELECT count(*) = 3 FROM comply.alerts WHERE (subject LIKE 'stopped %' OR subject = 'after the stop') AND delivered_at IS NOT NULL" 40
check "... before the alert raised after them" \
  is_true "SELECT max(delivered_at) FILTER (WHERE subject LIKE 'stopped %') <= min(delivered_at) FILTER (WHERE subject = 'after the stop')
             FROM comply.alerts"
ctl mode '{"mode": "ok"}'
q -c "ALTER SYSTEM RESET comply.seal_batch" -c "ALTER SYSTEM RESET comply.alert_webhook_url" -c "SELECT pg_reload_conf()" >/dev/null

# --- Alerts are announced at once; the worker compares with the baseline -----------
psql -X -d postgres -c "LISTEN comply_alerts" -c "SELECT pg_sleep(4)" >"$work/alerts_listen.out" 2>&1 &
listener=$!
sleep 1
q -c "ALTER SYSTEM SET comply.drift_interval = '1s'" -c "SELECT pg_reload_conf()" >/dev/null
wait "$listener" || true
check "an alert is announced with NOTIFY comply_alerts at once" \
  grep -q '"kind": "drift"' "$work/alerts_listen.out"
# Any role may listen: the payload carries the alert's id and kind, not its text.
check "... with its id and kind only" \
  bash -c '! grep -q "\"message\"\|\"subject\"" "$1"' _ "$work/alerts_listen.out"
q -c "SELECT comply.snapshot_baseline()" >/dev/null
q -c "CREATE ROLE drift_by_worker"
check "the worker notices a difference from the baseline and records it once" \
  wait_for "SELECT count(*) = 1 FROM comply.audit_log WHERE action = 'drift' AND object = 'role drift_by_worker'" 15
sleep 2
check "... and only once" \
  is_true "SELECT count(*) = 1 FROM comply.alerts WHERE subject = 'role drift_by_worker'"
q -c "DROP ROLE drift_by_worker" -c "ALTER SYSTEM RESET comply.drift_interval" -c "SELECT pg_reload_conf()" >/dev/null

# --- Storage limitation: comply.ai_retention ------------------------------------------
# The worker purges, after a reload that sets it, the finished jobs older than it with
# their interactions, decisions and closed cases; open cases and their jobs stay.
finished_before=$(q -c "SELECT count(*) FROM comply.ai_jobs WHERE status IN ('done', 'dead', 'cancelled')")
check "there are finished jobs to purge" [ "$finished_before" -gt 0 ]
q -c "ALTER SYSTEM SET comply.ai_retention = '1s'" -c "SELECT pg_reload_conf()" >/dev/null
check "with comply.ai_retention set, the worker purges the finished jobs and records it" \
  wait_for "SELECT EXISTS (SELECT 1 FROM comply.audit_log WHERE action = 'ai.purged') AND NOT EXISTS (SELECT 1 FROM comply.ai_jobs j WHERE j.status IN ('done', 'dead', 'cancelled') AND j.finished_at < now() - interval '5 seconds' AND (j.worker_pid IS NULL OR j.locked_until < now()) AND NOT EXISTS (SELECT 1 FROM comply.review_cases r WHERE r.job_id = j.id AND (r.status NOT IN ('approved', 'rejected', 'withdrawn') OR r.decided_at IS NULL OR r.decided_at > now() - interval '5 seconds')))" 20
q -c "SELECT j.id, j.status, j.worker_pid IS NOT NULL AS held, j.locked_until > now() AS leased, r.status AS case_status, r.decided_at IS NULL AS undecided FROM comply.ai_jobs j LEFT JOIN comply.review_cases r ON r.job_id = j.id WHERE j.status IN ('done', 'dead', 'cancelled')" | sed 's/^/# left: /' | head -8
check "... with their interactions" \
  is_true "SELECT NOT EXISTS (SELECT 1 FROM comply.ai_interactions i WHERE i.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM comply.ai_jobs j WHERE j.id = i.job_id))"
check "... and not the open review cases nor their jobs" \
  is_true "SELECT NOT EXISTS (SELECT 1 FROM comply.review_cases r WHERE r.status IN ('pending', 'claimed', 'escalated') AND r.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM comply.ai_jobs j WHERE j.id = r.job_id))"
q -c "ALTER SYSTEM RESET comply.ai_retention" -c "SELECT pg_reload_conf()" >/dev/null

# --- No PII reached the provider ----------------------------------------------------
leaks=0
for value in "Maria Garcia" "Garcia" "536-22-8714" "1984-03-12" "$key"; do
  if grep -qF -- "$value" "$work/requests.log"; then
    echo "# leaked to the provider: $value"; leaks=$((leaks + 1))
  fi
done
check "no PII value of the test data reached the provider" [ "$leaks" -eq 0 ]
log_leaks=0
for value in "Maria Garcia" "Garcia" "536-22-8714" "1984-03-12" "4111 1111 1111 1111" "$key"; do
  if grep -qF -- "$value" "$(scripts/pgcluster.sh log)"; then
    echo "# in the server log: a PII value or the key"; log_leaks=$((log_leaks + 1))
  fi
done
check "the server log holds none of them, nor the API key" [ "$log_leaks" -eq 0 ]

echo
echo "ai_worker: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
