#!/usr/bin/env bash
# Writes the one-symbol object that tells `tollgate --version` its commit, and prints its path.
#
# Usage: packaging/build-commit.sh DIR
#
# The object defines `const char tollgate_build_commit[]` (BuildCommit.swift looks it up at run
# time). Its file name carries the commit, so a new commit changes the link command and SwiftPM
# relinks; the same commit reuses the object. Outside a git checkout (a tarball) the commit is
# "unknown", as for a plain `swift build`.
set -euo pipefail
dir=${1:?usage: build-commit.sh DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
commit=unknown
if id=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null); then
    commit=$id
    # Tracked files changed since that commit: the binary is not quite that commit.
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit-dirty"; fi
fi
mkdir -p "$dir"
object="$dir/tollgate-commit-$commit.o"
if [ ! -s "$object" ]; then
    rm -f "$dir"/tollgate-commit-*.o
    printf 'const char tollgate_build_commit[] = "%s";\n' "$commit" | "${CC:-cc}" -x c -c -fPIC -o "$object.tmp" -
    mv "$object.tmp" "$object"
fi
echo "$object"
