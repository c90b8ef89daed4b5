#!/usr/bin/env bash
# Runs each built fuzz target for FUZZ_SECONDS from its seed corpus; crashes land in fuzz-out/<target>/.
#
# libFuzzer writes the inputs it finds into the first corpus directory, so that is a scratch copy
# under fuzz-out/ and the committed seeds (Tests/Fuzz/corpus) stay small. FUZZ_JOBS targets run at
# once (default 1), each under `nice`. Exits non-zero when any target found a crash.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${FUZZ_SECONDS:-600}
JOBS=${FUZZ_JOBS:-1}
TARGETS=${*:-sse action-json diff sanitizer theme config masker policy}

# Longest input per target: enough for a realistic action, diff or config, small enough to stay fast.
max_len() {
    case $1 in
        sse|action-json) echo 16384 ;;
        diff|theme) echo 16384 ;;
        *) echo 4096 ;;
    esac
}

run_one() {
    local target=$1 out=fuzz-out/$1
    mkdir -p "$out/corpus"
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS=suppressions=fuzz/lsan.supp nice -n 19 ".build-fuzz/fuzz/bin/fuzz-$target" "$out/corpus" "Tests/Fuzz/corpus/$target" \
        -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$target")" -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$out/" -print_final_stats=1 >"$out/log" 2>&1
    local status=$?
    # The last status line and the final stats are what RELIABILITY.md records.
    echo "fuzz-$target: exit $status; $(grep -E '^#[0-9]+' "$out/log" | tail -1)"
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$out/log" | sed "s/^/  $target /"
    return $status
}
export -f run_one max_len
export SECONDS_EACH

printf '%s\n' $TARGETS | xargs -P "$JOBS" -I{} bash -c 'run_one {}'
