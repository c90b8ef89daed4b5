#!/usr/bin/env bash
# The release binary and the Debian package, as a bastion host and an operator meet them.
#
# Usage: packaging/dist-test.sh BIN DEB   (run by `make dist-test`, as root)
#
# Runs in a private mount namespace of its own: the Swift toolchain's folder is hidden under
# an empty tmpfs, and the package is installed, upgraded, removed and purged on overlays of
# /etc, /usr and /var whose changes vanish with the namespace, so the machine is left as it
# was. Prints one PASS or FAIL line per check and a closing "dist-test: N passed, N failed";
# exits non-zero when anything failed. Every wait is for a condition, bounded in time.
set -uo pipefail

bin=${1:?usage: dist-test.sh BIN DEB}
deb=${2:?usage: dist-test.sh BIN DEB}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
case $deb in /*) ;; *) deb=$PWD/$deb ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -z "${DIST_TEST_NAMESPACE:-}" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "dist-test: needs root (mount namespaces, dpkg -i on overlays)" >&2
        echo "dist-test: 0 passed, 1 failed"
        exit 1
    fi
    started=$(date +%s)
    DIST_TEST_NAMESPACE=1 unshare --mount --propagation private bash "$0" "$@"
    status=$?
    echo "dist-test: took $(($(date +%s) - started)) s"
    exit $status
fi

passed=0
failed=0
pass() {
    echo "PASS $1"
    passed=$((passed + 1))
}
fail() {
    echo "FAIL $1"
    [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     | /' | head -40
    failed=$((failed + 1))
}
# check NAME COMMAND...: passes when COMMAND exits 0, shows its output when it does not.
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}
# wait_for SECONDS COMMAND...: polls COMMAND until it succeeds, for at most SECONDS.
wait_for() {
    local deadline=$(($(date +%s) + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$deadline" ] && return 1
        sleep 0.1
    done
}

work=$(mktemp -d /tmp/tollgate-dist-test.XXXXXX)
pids=()
tmux_socket=tollgate-dist-$$
cleanup() {
    # Children first: a traced server outlives a killed strace.
    for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null; done
    tmux -L "$tmux_socket" kill-server 2>/dev/null
    umount -l /etc /usr /var "$work/overlay" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
umask 077

# --- The binary: nothing from the toolchain ---------------------------------------------------

# The toolchain is wherever `swift` lives: <root>/usr/bin/swift, so <root> is the folder to hide.
swift=$(command -v swift || true)
toolchain=""
if [ -n "$swift" ]; then
    toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$swift")")")")
fi
if [ -z "$toolchain" ] || [ "$toolchain" = / ]; then
    # A toolchain installed into / itself: its runtime folder is what a binary would load from.
    toolchain=${toolchain:+/usr/lib/swift}
fi
if [ -n "$toolchain" ] && [ -d "$toolchain" ]; then pass "toolchain found at $toolchain"; else fail "toolchain found (swift on PATH: '${swift}')"; fi

libraries=$(ldd "$bin" 2>&1)
echo "     release binary needs: $(printf '%s\n' "$libraries" | awk '{print $1}' | grep -v '^linux-vdso' | tr '\n' ' ')"
check "ldd lists nothing from $toolchain" bash -c '! grep -F -- "$1/" <<<"$2"' _ "$toolchain" "$libraries"
check "ldd lists no Swift runtime, Foundation or Dispatch library" bash -c '! grep -E "libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime" <<<"$1"' _ "$libraries"
check "ldd finds every library" bash -c '! grep -F "not found" <<<"$1"' _ "$libraries"
check "no RPATH or RUNPATH in the binary" bash -c '! readelf -d "$1" | grep -E "RPATH|RUNPATH"' _ "$bin"

# --- The toolchain hidden ---------------------------------------------------------------------

mount -t tmpfs -o size=1m,mode=0755 tollgate-no-toolchain "$toolchain"
check "the toolchain is hidden (an empty $toolchain)" bash -c '[ -z "$(ls -A "$1")" ] && ! swift --version' _ "$toolchain"

version=$("$bin" --version 2>&1)
expected_commit=unknown
if commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null); then expected_commit=$commit; fi
check "--version says the version and the commit ($version)" \
    bash -c '[[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown)\)$ ]] && [[ $1 == *"(commit $2"* ]]' _ "$version" "$expected_commit"

state=$work/state
mkdir -p "$state"
"$bin" token add --file "$state/tokens.toml" --id deploy-bot --role agent --kind pipeline >"$state/agent.token" 2>"$state/token.err" &&
    "$bin" token add --file "$state/tokens.toml" --id alice@example.com --role approver --group sre >"$state/alice.token" 2>>"$state/token.err"
check "token add writes two tokens" bash -c '[ -s "$1/agent.token" ] && [ -s "$1/alice.token" ] || { cat "$1/token.err"; false; }' _ "$state"

"$bin" serve --listen 127.0.0.1:0 --db "$state/server.sqlite" --tokens "$state/tokens.toml" >"$state/serve.out" 2>"$state/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
url=""
if wait_for 30 grep -q 'listening on http://' "$state/serve.out"; then
    url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$state/serve.out" | head -1)
fi
check "serve starts ($url)" test -n "$url"
check "serve answers /v1/health" bash -c 'curl -fsS --max-time 10 "$1/v1/health" | grep -q "ok"' _ "$url"

export TOLLGATE_SERVER=$url
"$bin" request --token-file "$state/agent.token" --kind infra.restart --summary "dist-test: restart the log shipper" \
    --environment staging --wait >"$state/request.out" 2>"$state/request.err" &
request_pid=$!
pids+=("$request_pid")
wait_for 30 grep -qE '^[A-Za-z0-9_-]{6,}$' "$state/request.out"
action=$(head -1 "$state/request.out")
check "request submits and prints its id ($action)" test -n "$action"
check "approve through the server" "$bin" approve --token-file "$state/alice.token" --db "$state/alice.sqlite" "$action"
if wait_for 30 bash -c '! kill -0 "$1"' _ "$request_pid"; then
    wait "$request_pid"
    request_status=$?
else
    request_status=timeout
fi
check "request --wait exits 0 once approved (got $request_status)" test "$request_status" = 0

# The console, in a terminal: its first frame shows the server's pending action.
"$bin" request --token-file "$state/agent.token" --kind data.export --summary "dist-test: export the quarterly report" >/dev/null 2>&1
console=$(printf '%q ' env -u TMUX TERM=xterm-256color LANG=C.UTF-8 HOME="$state" XDG_CONFIG_HOME="$state/config" XDG_STATE_HOME="$state/xdg-state" \
    "$bin" console --server "$url" --token-file "$state/alice.token" --db "$state/console.sqlite")
tmux -L "$tmux_socket" -f /dev/null new-session -d -x 160 -y 40 "$console; sleep 600"
screen() { tmux -L "$tmux_socket" capture-pane -p; }
frame_drawn() { screen | grep -q 'live' && screen | grep -q 'export the quarterly report'; }
if wait_for 30 frame_drawn; then pass "the console draws its first frame in tmux"; else fail "the console draws its first frame in tmux" "$(screen)"; fi
tmux -L "$tmux_socket" kill-server 2>/dev/null

# stop_on_term PID: PID is running, and ends within 30 s of a SIGTERM.
stop_on_term() { kill -0 "$1" && kill -TERM "$1" && wait_for 30 bash -c '! kill -0 "$1"' _ "$1"; }
check "serve stops on SIGTERM" stop_on_term "$serve_pid"

# --- The package ------------------------------------------------------------------------------

contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
missing=""
for path in ./usr/bin/tollgate ./usr/share/man/man1/tollgate.1.gz \
    ./usr/share/tollgate/themes/default.toml ./usr/share/tollgate/themes/light.toml ./usr/share/tollgate/themes/high-contrast.toml \
    ./usr/share/tollgate/themes/solarized-dark.toml ./usr/share/tollgate/themes/monochrome.toml \
    ./usr/share/bash-completion/completions/tollgate ./usr/share/zsh/vendor-completions/_tollgate ./usr/share/fish/vendor_completions.d/tollgate.fish \
    ./etc/tollgate/server.toml ./lib/systemd/system/tollgate-serve.service \
    ./usr/share/doc/tollgate/copyright ./usr/share/doc/tollgate/changelog.gz ./usr/share/doc/tollgate/examples/server.toml \
    ./usr/share/lintian/overrides/tollgate; do
    grep -qxF "$path" <<<"$contents" || missing="$missing $path"
done
check "dpkg-deb --contents lists every file" bash -c '[ -z "$1" ] || { echo "missing:$1"; false; }' _ "$missing"
depends=$(dpkg-deb -f "$deb" Depends)
echo "     Depends: $depends"
check "Depends names Debian's libraries (dpkg-shlibdeps), no Swift" \
    bash -c 'for p in libc6 libcurl4 libncursesw6 libsqlite3-0 libstdc++6 adduser; do grep -q "\b$p\b" <<<"$1" || { echo "no $p"; exit 1; }; done; ! grep -qi swift <<<"$1"' _ "$depends"
check "conffiles: /etc/tollgate/server.toml" bash -c 'dpkg-deb -I "$1" conffiles | grep -qx /etc/tollgate/server.toml' _ "$deb"

lintian_out=$(lintian --fail-on error "$deb" 2>&1)
lintian_status=$?
printf '%s\n' "$lintian_out" | grep -E '^[EWI]:' | sed 's/^/     lintian: /'
check "lintian reports no errors" bash -c '[ "$1" -eq 0 ] && ! grep -q "^E:" <<<"$2"' _ "$lintian_status" "$lintian_out"

# --- Installed, on overlays that vanish with this namespace -----------------------------------

mkdir -p "$work/overlay"
mount -t tmpfs -o mode=0755 tollgate-dist-overlay "$work/overlay"
for dir in etc usr var; do
    # An overlay's root takes its upper folder's mode: 0755, as /etc, /usr and /var are.
    mkdir -m 0755 "$work/overlay/$dir-upper" "$work/overlay/$dir-work"
    mount -t overlay overlay -o "lowerdir=/$dir,upperdir=$work/overlay/$dir-upper,workdir=$work/overlay/$dir-work" "/$dir"
done
check "the system's /etc, /usr and /var are overlays" bash -c '[ "$(findmnt -n -o FSTYPE /usr)" = overlay ] && [ "$(findmnt -n -o FSTYPE /etc)" = overlay ]'

unit=/lib/systemd/system/tollgate-serve.service
check "dpkg -i installs the package" dpkg -i "$deb"
check "the tollgate system user (home /var/lib/tollgate, no login shell)" \
    bash -c 'IFS=: read -r name _ uid _ _ home shell < <(getent passwd tollgate) && [ "$uid" -lt 1000 ] && [ "$home" = /var/lib/tollgate ] && [ "$shell" = /usr/sbin/nologin ]'
modes_ok() { [ "$(stat -c '%U:%G %a' /etc/tollgate /var/lib/tollgate | sort -u)" = "tollgate:tollgate 700" ]; }
check "/etc/tollgate and /var/lib/tollgate: tollgate's, 0700" bash -c "$(declare -f modes_ok); modes_ok || stat -c '%n %U:%G %a' /etc/tollgate /var/lib/tollgate >&2 && modes_ok"
check "the installed binary answers --version without the toolchain" bash -c '/usr/bin/tollgate --version | grep -qF "$1"' _ "$version"
check "man tollgate reads the packaged manual" bash -c 'MANWIDTH=80 man -P cat tollgate 2>&1 | grep -q "EXIT STATUS"'
check "systemd-analyze verify accepts $unit" systemd-analyze verify "$unit"
security=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1 | grep -F 'Overall exposure level')
echo "     ${security:-no score}"
check "systemd-analyze security scores it OK or better" systemd-analyze security --offline=yes --no-pager --threshold=49 "$unit"

# The server as the unit runs it (no systemd here): the tollgate user, the packaged configuration.
runuser -u tollgate -- /usr/bin/tollgate token add --file /etc/tollgate/tokens.toml --id ops@example.com --role approver \
    >"$state/ops.token" 2>"$state/ops.err"
check "tollgate token add as the tollgate user creates /etc/tollgate/tokens.toml 0600" \
    bash -c '[ "$(stat -c "%U %a" /etc/tollgate/tokens.toml)" = "tollgate 600" ] || { cat "$1"; false; }' _ "$state/ops.err"

runuser -u tollgate -- /usr/bin/tollgate token add --file /etc/tollgate/tokens.toml --id deploy-bot --role agent --kind pipeline \
    >"$state/bot.token" 2>>"$state/ops.err"

# Traced, to hold the unit's SystemCallFilter= and RestrictAddressFamilies= to what serving needs.
strace -f -qq -u tollgate -o "$work/serve.trace" /usr/bin/tollgate serve --config /etc/tollgate/server.toml --listen 127.0.0.1:0 \
    >"$state/packaged.out" 2>"$state/packaged.err" &
tracer=$!
pids+=("$tracer")
packaged_url=""
if wait_for 60 grep -q 'listening on http://' "$state/packaged.out"; then
    packaged_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$state/packaged.out" | head -1)
fi
check "the packaged configuration serves as the tollgate user ($packaged_url)" \
    bash -c '[ -n "$1" ] && curl -fsS --max-time 10 "$1/v1/health" | grep -q ok || { cat "$2"; false; }' _ "$packaged_url" "$state/packaged.err"
check "the ledger is /var/lib/tollgate/server.sqlite, tollgate's, 0600" bash -c '[ "$(stat -c "%U %a" /var/lib/tollgate/server.sqlite)" = "tollgate 600" ]'
# A request the sample policy sends to review, decided and watched through the packaged server.
export TOLLGATE_SERVER=$packaged_url
packaged_action=$(/usr/bin/tollgate request --token-file "$state/bot.token" --kind db.migrate --summary "dist-test: migrate" --environment production 2>"$state/packaged-request.err")
check "request and approve through the packaged server" \
    /usr/bin/tollgate approve --token-file "$state/ops.token" --db "$state/ops.sqlite" "$packaged_action"
check "watch --once reads the feed" /usr/bin/tollgate watch --token-file "$state/ops.token" --once
server_pid=$(pgrep -P "$tracer" -x tollgate || echo none)
kill -HUP "$server_pid" 2>/dev/null
wait_for 30 grep -q "reloaded (SIGHUP)" "$state/packaged.err"
check "SIGHUP (ExecReload) reloads the tokens and policy, and the server keeps serving" \
    bash -c '{ grep -q "reloaded (SIGHUP)" "$2" || { cat "$2"; false; }; } && curl -fsS --max-time 10 "$1/v1/health" | grep -q ok' _ "$packaged_url" "$state/packaged.err"
check "the packaged server stops on SIGTERM (systemctl stop)" stop_on_term "$server_pid"
wait_for 30 bash -c '! kill -0 "$1"' _ "$tracer"
syscalls=$(python3 "$root/packaging/unit-fits-trace.py" "$unit" "$work/serve.trace" 2>&1)
syscall_status=$?
printf '%s\n' "$syscalls" | sed 's/^/     /'
check "the unit lets serve do all it did: system calls, socket families, files written, /proc, W^X memory" test "$syscall_status" = 0

check "reinstalling (an upgrade) keeps the folders tollgate's, 0700" bash -c "dpkg -i '$deb' >/dev/null && $(declare -f modes_ok); modes_ok"
check "dpkg -r removes the binary" bash -c 'dpkg -r tollgate >/dev/null && [ ! -e /usr/bin/tollgate ] && [ ! -e /lib/systemd/system/tollgate-serve.service ]'
check "dpkg -r keeps the ledger, the tokens and the configuration" \
    bash -c '[ -s /var/lib/tollgate/server.sqlite ] && [ -s /etc/tollgate/tokens.toml ] && [ -s /etc/tollgate/server.toml ] && getent passwd tollgate >/dev/null'
check "dpkg -P deletes them" bash -c 'dpkg -P tollgate >/dev/null && [ ! -e /var/lib/tollgate ] && [ ! -e /etc/tollgate ]'

echo "dist-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
