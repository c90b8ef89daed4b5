#!/usr/bin/env bash
# A throwaway PostgreSQL cluster around one command: `make test` runs the test suite inside it.
#
# Usage: scripts/with-postgres.sh CMD [ARGS...]
#
# initdb in a fresh temporary folder as an unprivileged user (`postgres` when run as root, else
# the caller), the server on a free port of 127.0.0.1 and no other address, its unix socket in
# that folder (never /var/run/postgresql), and a role `tollgate` (LOGIN CREATEDB) with a random
# password, asked for with scram-sha-256 over TCP (pg_hba trusts nothing). CMD then runs with:
#   TOLLGATE_TEST_POSTGRES_URL            postgres://tollgate@127.0.0.1:PORT/postgres
#   TOLLGATE_TEST_POSTGRES_PASSWORD_FILE  the password on its first line (the caller's, owner-only)
#   TOLLGATE_TEST_POSTGRES_PASSFILE       the same password as a libpq passfile, for psql
#   TOLLGATE_TEST_POSTGRES_PSQL           the psql of the cluster's PostgreSQL version
#   TOLLGATE_TEST_POSTGRES_CTL            one program, nothing to split: `CTL stop`, `CTL start`
#                                         (returns once the server accepts connections) and
#                                         `CTL status` are pg_ctl on this cluster, run as its owner
#   TOLLGATE_TEST_POSTGRES_CA             the PEM of the throwaway CA that signed the server's
#                                         certificate (IP 127.0.0.1, DNS localhost): the server
#                                         speaks TLS as well as plain TCP (`ssl = on`; pg_hba's
#                                         `host` lines take both), for the sslmode tests
# When TLS cannot be set up (openssl missing or failing), the cluster runs without it: one line
# on stderr says why, TOLLGATE_TEST_POSTGRES_CA is unset and TOLLGATE_TEST_POSTGRES_TLS_ERROR
# holds the reason, so only the TLS tests fail, with it.
# When the cluster cannot start, one line on stderr says why (with the server log's last lines)
# and CMD still runs, with TOLLGATE_TEST_POSTGRES_ERROR set to that reason instead, so the
# PostgreSQL tests fail with it while the rest of the suite runs.
# Whatever ends the run (CMD, a failure here, SIGINT, SIGTERM, SIGHUP), the cluster is stopped
# and the folder removed; on a signal CMD is interrupted first (SIGINT to its process group) and
# waited for. Exits with CMD's status (128+N when signal N ended the wrapper). Only SIGKILL of
# the wrapper leaves a cluster behind.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: with-postgres.sh CMD [ARGS...]" >&2
    exit 2
fi

# An outer run's cluster is not this one's.
unset TOLLGATE_TEST_POSTGRES_URL TOLLGATE_TEST_POSTGRES_PASSWORD_FILE TOLLGATE_TEST_POSTGRES_PASSFILE \
    TOLLGATE_TEST_POSTGRES_PSQL TOLLGATE_TEST_POSTGRES_CTL TOLLGATE_TEST_POSTGRES_ERROR \
    TOLLGATE_TEST_POSTGRES_CA TOLLGATE_TEST_POSTGRES_TLS_ERROR

# The folder stays the caller's (the password files are); only cluster/ is the server owner's,
# so that user can replace nothing the caller later reads or runs.
folder=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-postgres.XXXXXXXXXX")
cluster=$folder/cluster
data=$cluster/data
log=$cluster/server.log
ctl=$folder/pg_ctl
bin=""
run_as=()
child=""

# initdb and psql as the cluster's owner, from a folder that user may enter.
as_owner() { (cd "$cluster" && "${run_as[@]}" "$@"); }

cleanup() {
    # A second signal must not cut the cleanup short (an `exit` in on_signal would end it here).
    trap '' INT TERM HUP
    if [ -x "$ctl" ] && [ -f "$data/postmaster.pid" ]; then
        "$ctl" stop -m immediate >/dev/null 2>&1 ||
            echo "with-postgres.sh: could not stop the PostgreSQL test cluster in $data" >&2
    fi
    rm -rf "$folder"
}
trap cleanup EXIT

# Interrupts CMD's whole process group and waits for it, so the cluster outlives no test. SIGINT
# whatever the wrapper got: `swift test` stops its test runner on SIGINT only (on SIGTERM it dies
# and leaves the runner going), and a shell script waiting on it then ends too.
on_signal() {
    if [ -n "$child" ]; then
        kill -s INT -- "-$child" 2>/dev/null || true
        wait "$child" || true
    fi
    exit $((128 + $1))
}
trap 'on_signal 2' INT
trap 'on_signal 15' TERM
trap 'on_signal 1' HUP

# The server log's last lines on one line, for a one-line reason.
log_tail() { tail -n 3 "$log" 2>/dev/null | paste -sd ' ' || true; }

# A port of 127.0.0.1 nothing listens on now (another program may take it before the server does:
# start_cluster then tries another).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A value for postgresql.conf: single-quoted, quotes doubled.
conf_quote() { printf "'%s'" "${1//\'/\'\'}"; }

# Writes $ctl, the program that runs pg_ctl on the cluster as its owner (waiting: -w): for this
# script and for the tests. It closes what it inherited first (descriptors without close-on-exec):
# Foundation's Process learns that a child ended when a socket it handed down closes, so a
# server started by a test must not keep that socket open.
write_ctl() {
    {
        echo '#!/usr/bin/env bash'
        echo '# pg_ctl on the throwaway cluster of scripts/with-postgres.sh, as its owner: stop, start, status.'
        cat <<'CLOSE'
for info in /proc/$$/fdinfo/*; do
    fd=${info##*/}
    [ "$fd" -gt 2 ] || continue
    while read -r key value; do
        if [ "$key" = flags: ] && (((8#$value & 8#2000000) == 0)); then eval "exec $fd>&-"; fi
    done 2>/dev/null <"$info"
done
CLOSE
        printf 'cd %q && exec' "$cluster"
        [ ${#run_as[@]} -eq 0 ] || printf ' %q' "${run_as[@]}"
        printf ' %q -D %q -l %q -w "$@"\n' "$bin/pg_ctl" "$data" "$log"
    } >"$ctl" && chmod 755 "$ctl"
}

# Makes a throwaway CA and the server's certificate for 127.0.0.1 and localhost in $cluster/tls
# as the cluster's owner (PostgreSQL wants its key owned by it, mode 0600), turns `ssl` on and
# copies the CA's certificate to $folder/ca.pem for the tests; the CA's key is deleted, as
# nothing signs anything else. On failure sets `tls_error` and returns 1 (the cluster then runs
# without TLS). Runs as an `if` condition, like start_cluster.
setup_tls() {
    local tls=$cluster/tls output
    # -config /dev/null: only what is written here goes into the certificates, whatever the
    # machine's openssl.cnf says.
    local common=(-new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 7 -config /dev/null)
    command -v openssl >/dev/null || { tls_error="no openssl command"; return 1; }
    as_owner mkdir -m 700 "$tls" || { tls_error="cannot create $tls"; return 1; }
    if ! output=$(as_owner sh -c 'umask 077 && exec "$@"' sh openssl req -x509 "${common[@]}" \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" -subj "/CN=Tollgate test cluster CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>&1); then
        tls_error="openssl could not make the CA: $(printf '%s\n' "$output" | tail -n 2 | paste -sd ' ')"
        return 1
    fi
    if ! output=$(as_owner sh -c 'umask 077 && exec "$@"' sh openssl req -x509 "${common[@]}" \
        -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -keyout "$tls/server.key" -out "$tls/server.pem" \
        -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" 2>&1); then
        tls_error="openssl could not make the server certificate: $(printf '%s\n' "$output" | tail -n 2 | paste -sd ' ')"
        return 1
    fi
    as_owner rm -f "$tls/ca.key" || { tls_error="cannot remove $tls/ca.key"; return 1; }
    # Read by the caller (root, or the owner itself), so the tests may read it whoever the owner is.
    (umask 077 && as_owner cat "$tls/ca.pem" >"$folder/ca.pem") || { tls_error="cannot copy the CA to $folder/ca.pem"; return 1; }
    printf 'ssl = on\nssl_cert_file = %s\nssl_key_file = %s\n' \
        "$(conf_quote "$tls/server.pem")" "$(conf_quote "$tls/server.key")" >>"$data/postgresql.conf" || {
        tls_error="cannot write $data/postgresql.conf"
        return 1
    }
}

# Sets up and starts the cluster; on failure sets `error` and returns 1. Runs as an `if`
# condition (where `set -e` is off), so every step checks its own status.
start_cluster() {
    local output attempt port password
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ] || [ ! -x "$bin/psql" ]; then
        bin=""
        error="no PostgreSQL server under /usr/lib/postgresql/*/bin (install it: make test-deps)"
        return 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        # PostgreSQL refuses to run as root.
        if ! id -u postgres >/dev/null 2>&1; then
            error="no user postgres to run the cluster as (PostgreSQL does not run as root)"
            return 1
        fi
        run_as=(runuser -u postgres --)
    fi
    mkdir -m 700 "$cluster" || { error="cannot create $cluster"; return 1; }
    if [ ${#run_as[@]} -gt 0 ]; then
        chmod 711 "$folder" && chown postgres: "$cluster" || { error="cannot hand $cluster to postgres"; return 1; }
    fi
    write_ctl || { error="cannot write $ctl"; return 1; }
    # --no-sync only skips flushing initdb's own files; the server still fsyncs every commit.
    if ! output=$(as_owner "$bin/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions 2>&1); then
        error="initdb failed: $(printf '%s\n' "$output" | tail -n 3 | paste -sd ' ')"
        return 1
    fi
    # Replicas each hold a pool and a listening connection, and a test may run several.
    printf 'listen_addresses = %s\nunix_socket_directories = %s\nmax_connections = 200\n' \
        "'127.0.0.1'" "$(conf_quote "$cluster")" >>"$data/postgresql.conf" || {
        error="cannot write $data/postgresql.conf"
        return 1
    }
    tls_error=""
    if ! setup_tls; then
        tls_error="PostgreSQL test cluster without TLS: $tls_error"
        echo "with-postgres.sh: $tls_error" >&2
    fi
    as_owner touch "$log" || { error="cannot create $log"; return 1; }
    for attempt in 1 2 3; do
        port=$(free_port) || { error="cannot find a free port on 127.0.0.1"; return 1; }
        printf 'port = %d\n' "$port" >>"$data/postgresql.conf"
        : >"$log"
        "$ctl" start >/dev/null 2>&1 && break
        if [ "$attempt" -eq 3 ] || ! grep -q "Address already in use" "$log"; then
            error="pg_ctl start failed; server log: $(log_tail)"
            return 1
        fi
    done
    password=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    if [ ${#password} -ne 48 ]; then
        error="cannot read a random password from /dev/urandom"
        return 1
    fi
    # The password reaches psql on its standard input, never on a command line.
    if ! output=$(as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$cluster" -p "$port" -d postgres -f - 2>&1 <<SQL
CREATE ROLE tollgate LOGIN CREATEDB PASSWORD '$password';
-- DROP DATABASE ... WITH (FORCE) at a test's teardown must be able to end every session on its
-- database, background workers with no role of their own included (seen failing otherwise).
GRANT pg_signal_backend TO tollgate;
SQL
    ); then
        error="cannot create the role tollgate: $(printf '%s\n' "$output" | paste -sd ' ')"
        return 1
    fi
    if ! (umask 077 && printf '%s\n' "$password" >"$folder/password" &&
        printf '127.0.0.1:%d:*:tollgate:%s\n' "$port" "$password" >"$folder/pgpass"); then
        error="cannot write the password files in $folder"
        return 1
    fi
    export TOLLGATE_TEST_POSTGRES_URL="postgres://tollgate@127.0.0.1:$port/postgres"
    export TOLLGATE_TEST_POSTGRES_PASSWORD_FILE="$folder/password"
    export TOLLGATE_TEST_POSTGRES_PASSFILE="$folder/pgpass"
    export TOLLGATE_TEST_POSTGRES_PSQL="$bin/psql"
    export TOLLGATE_TEST_POSTGRES_CTL="$ctl"
    if [ -z "$tls_error" ]; then
        export TOLLGATE_TEST_POSTGRES_CA="$folder/ca.pem"
    else
        export TOLLGATE_TEST_POSTGRES_TLS_ERROR="$tls_error"
    fi
    echo "with-postgres.sh: PostgreSQL test cluster on 127.0.0.1:$port ($data)" >&2
}

error=""
tls_error=""
if ! start_cluster; then
    error="PostgreSQL test cluster not started: $error"
    echo "with-postgres.sh: $error" >&2
    export TOLLGATE_TEST_POSTGRES_ERROR="$error"
fi

# In the background so that a signal reaches on_signal at once (bash runs traps only between
# commands), and with job control for this one command: CMD gets a process group of its own for
# on_signal (the wrapper stays in its caller's, in the terminal's foreground), keeps its standard
# input and does not ignore SIGINT.
set -m
"$@" &
child=$!
set +m
status=0
wait "$child" || status=$?
child=""
exit "$status"
