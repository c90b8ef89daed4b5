#!/usr/bin/env python3
"""Measures tollgate binaries side by side: size, start-up time and memory (BENCHMARKS.md).

Usage: measure-binaries.py LABEL=PATH [LABEL=PATH ...]

For each binary, in one run so the ratios compare like with like: its size as built and
stripped; the median wall time and the peak RSS of `tollgate --version` (process start-up:
loading, relocation and the Swift runtime's initialisation, then argument parsing); and the
median time from exec to serve's "listening" line, with serve's resident memory once it
listens, idle. Runs alternate between the binaries, so a slow moment of the machine lands on
all of them alike. Prints a Markdown table.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

VERSION_RUNS = 41
SERVE_RUNS = 9


def run_version(path):
    """Wall seconds and peak RSS (KiB) of one `PATH --version`."""
    start = time.perf_counter()
    pid = os.posix_spawn(path, [path, "--version"], os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{path} --version failed")
    return elapsed, usage.ru_maxrss


def run_serve(path, folder):
    """Seconds from exec to serve's "listening" line, and its VmRSS (KiB) then."""
    tokens = os.path.join(folder, "tokens.toml")
    if not os.path.exists(tokens):
        with open(os.devnull, "w") as sink:
            subprocess.run([path, "token", "add", "--file", tokens, "--id", "a", "--role", "approver"], stdout=sink, check=True)
    database = os.path.join(folder, f"server-{time.monotonic_ns()}.sqlite")
    start = time.perf_counter()
    server = subprocess.Popen(
        [path, "serve", "--listen", "127.0.0.1:0", "--db", database, "--tokens", tokens], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = server.stdout.readline()
        elapsed = time.perf_counter() - start
        if "listening" not in line:
            raise SystemExit(f"{path} serve did not start: {line!r}")
        with open(f"/proc/{server.pid}/status", encoding="ascii") as status:
            rss = next(int(field.split()[1]) for field in status if field.startswith("VmRSS:"))
        return elapsed, rss
    finally:
        server.terminate()
        server.wait(timeout=30)


def stripped_size(path):
    with tempfile.NamedTemporaryFile() as copy:
        subprocess.run(["strip", "-o", copy.name, path], check=True)
        return os.path.getsize(copy.name)


def main():
    binaries = [argument.split("=", 1) for argument in sys.argv[1:]]
    if not binaries or any(len(pair) != 2 for pair in binaries):
        raise SystemExit(__doc__)
    version = {label: [] for label, _ in binaries}
    serve = {label: [] for label, _ in binaries}
    with tempfile.TemporaryDirectory() as folder:
        for label, path in binaries:
            run_version(path)  # warm the page cache before anything is timed
        for _ in range(VERSION_RUNS):
            for label, path in binaries:
                version[label].append(run_version(path))
        for _ in range(SERVE_RUNS):
            for label, path in binaries:
                serve[label].append(run_serve(path, folder))

    rows = []
    for label, path in binaries:
        rows.append(
            {
                "label": label,
                "size": os.path.getsize(path),
                "stripped": stripped_size(path),
                "start": statistics.median(t for t, _ in version[label]),
                "rss": statistics.median(r for _, r in version[label]),
                "listen": statistics.median(t for t, _ in serve[label]),
                "serve_rss": statistics.median(r for _, r in serve[label]),
            }
        )
    base = rows[0]
    print(f"| binary | size | stripped | `--version` wall (median of {VERSION_RUNS}) | `--version` peak RSS | serve: exec to listening (median of {SERVE_RUNS}) | serve RSS, listening |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = "" if row is base else f" ({row['start'] / base['start']:.2f}×)"
        print(
            f"| {row['label']} | {row['size'] / 1e6:.0f} MB | {row['stripped'] / 1e6:.0f} MB | {row['start'] * 1e3:.1f} ms{ratio} "
            f"| {row['rss'] / 1024:.1f} MiB | {row['listen'] * 1e3:.0f} ms | {row['serve_rss'] / 1024:.1f} MiB |"
        )


if __name__ == "__main__":
    main()
