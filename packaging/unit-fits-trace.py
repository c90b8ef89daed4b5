#!/usr/bin/env python3
"""Checks that a strace of `tollgate serve` stays inside a unit's sandbox.

Usage: unit-fits-trace.py UNIT TRACE

Reads the unit's SystemCallFilter= and RestrictAddressFamilies= lines, expands the system-call
groups with `systemd-analyze syscall-filter` (so the groups are this systemd's, not a copy), and
exits 1 naming every system call the trace made that the filter would refuse, every address
family it opened a socket in that the unit does not allow, every file it opened for writing
outside what ProtectSystem=strict leaves writable (StateDirectory=, ReadWritePaths=, the private
/tmp, /dev), under ProcSubset=pid every /proc file outside a process's own folder, and under
MemoryDenyWriteExecute=yes every mapping made writable and executable, or made executable later. No
systemd needs to run for this: it is how the unit is tested on a machine whose PID 1 is not
systemd. strace must have been run with -f, and without -s limits that cut paths short.
"""

import re
import subprocess
import sys


def unit_settings(path, key):
    """Every value of `key=` in the [Service] section, in order, continuation lines joined."""
    values, section, pending = [], None, ""
    with open(path, encoding="utf-8") as unit:
        for raw in unit:
            line = pending + raw.rstrip("\n")
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", ";")):
                continue
            if stripped.startswith("["):
                section = stripped
                continue
            name, _, value = stripped.partition("=")
            if section == "[Service]" and name.strip() == key:
                values.append(value.strip())
    return values


def syscall_groups():
    """Each @group's members as this systemd lists them (members may be groups themselves)."""
    text = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], check=True, capture_output=True, text=True).stdout
    groups, current = {}, None
    for line in text.splitlines():
        if line.startswith("@"):
            current = line.strip()
            groups[current] = []
        elif current and line.strip() and not line.strip().startswith("#"):
            groups[current].append(line.strip())
    return groups


def expand(names, groups, seen=None):
    """System-call names in `names`, with every @group replaced by its members, recursively."""
    seen = set() if seen is None else seen
    result = set()
    for name in names:
        if name.startswith("@"):
            if name in seen:
                continue
            seen.add(name)
            result |= expand(groups.get(name, []), groups, seen)
        else:
            result.add(name)
    return result


def allowed_syscalls(unit, groups):
    """The system calls the unit's SystemCallFilter= lines leave allowed; None when there is no filter."""
    allow, deny, mode = set(), set(), None
    for value in unit_settings(unit, "SystemCallFilter"):
        invert = value.startswith("~")
        names = expand(value.lstrip("~").split(), groups)
        if mode is None:
            mode = "deny" if invert else "allow"
            if mode == "allow":
                # systemd adds @default to the first allow list.
                allow |= expand(["@default"], groups)
        if mode == "allow":
            allow = allow - names if invert else allow | names
        else:
            deny = deny | names if invert else deny - names
    if mode is None:
        return None
    return allow if mode == "allow" else ("deny", deny)


CALL = re.compile(r"^\d+\s+([a-z0-9_]+)\(")
SOCKET = re.compile(r"^\d+\s+socket\((AF_[A-Z0-9]+)")
# openat(AT_FDCWD, "/path", O_RDWR|O_CREAT|O_CLOEXEC, 0600) = 5, and open("/path", ...) alike.
OPEN = re.compile(r'^\d+\s+(?:openat\([^,]+,|open\()\s*"([^"]*)",\s*([A-Z_|]+)')
# Calls that change the file system by path: the first quoted argument is the path.
CHANGE = re.compile(r'^\d+\s+(?:mkdir|mkdirat|unlink|unlinkat|rename|renameat2?|rmdir|symlink|symlinkat|link|linkat|truncate|chmod|fchmodat|chown|fchownat)\([^"]*"([^"]*)"')
# What MemoryDenyWriteExecute= refuses: mmap asking for both, mprotect asking for execute at all.
WRITE_EXECUTE = re.compile(r"^\d+\s+(?:mmap|mmap2)\([^,]+,\s*[^,]+,\s*[A-Z_|]*(?:PROT_WRITE[A-Z_|]*PROT_EXEC|PROT_EXEC[A-Z_|]*PROT_WRITE)")
LATE_EXECUTE = re.compile(r"^\d+\s+(?:mprotect|pkey_mprotect)\([^,]+,\s*[^,]+,\s*[A-Z_|]*PROT_EXEC")
OWN_PROC = re.compile(r"^/proc/(self|thread-self|\d+)(/|$)")


def writable_roots(unit):
    """Where a ProtectSystem=strict service may write: its state folders, the rest it names, and the API folders."""
    roots = ["/dev", "/proc", "/sys"]
    for value in unit_settings(unit, "StateDirectory"):
        roots += ["/var/lib/" + name for name in value.split()]
    for key in ("ReadWritePaths",):
        for value in unit_settings(unit, key):
            roots += [path.lstrip("-+") for path in value.split()]
    if any(value in ("yes", "true") for value in unit_settings(unit, "PrivateTmp")):
        roots += ["/tmp", "/var/tmp"]
    return roots


def under(path, roots):
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def main():
    unit, trace = sys.argv[1], sys.argv[2]
    groups = syscall_groups()
    used, families, reads, writes, executable = set(), set(), set(), set(), []
    try:
        lines = open(trace, encoding="utf-8", errors="replace")
    except OSError as error:
        print(f"no trace to check: {error}")
        return 1
    with lines:
        for line in lines:
            call = CALL.match(line)
            if call:
                used.add(call.group(1))
            family = SOCKET.match(line)
            if family:
                families.add(family.group(1))
            opened = OPEN.match(line)
            if opened:
                path, flags = opened.groups()
                reads.add(path)
                if re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", flags):
                    writes.add(path)
            if WRITE_EXECUTE.match(line) or LATE_EXECUTE.match(line):
                executable.append(line.strip())
            changed = CHANGE.match(line)
            if changed:
                writes.add(changed.group(1))
    if not used:
        print(f"no system calls in {trace}: nothing was traced")
        return 1

    problems = []
    allowed = allowed_syscalls(unit, groups)
    if isinstance(allowed, tuple):
        refused = sorted(used & allowed[1])
    elif allowed is None:
        refused = []
    else:
        refused = sorted(used - allowed)
    if refused:
        problems.append("system calls the filter refuses: " + " ".join(refused))

    permitted = set()
    for value in unit_settings(unit, "RestrictAddressFamilies"):
        permitted |= set(value.split())
    if permitted and not any(p.startswith("~") for p in permitted):
        outside = sorted(families - permitted)
        if outside:
            problems.append("sockets in families the unit does not allow: " + " ".join(outside))

    if any(value in ("strict",) for value in unit_settings(unit, "ProtectSystem")):
        outside = sorted(path for path in writes if not under(path, writable_roots(unit)))
        if outside:
            problems.append("files written where ProtectSystem=strict forbids it: " + " ".join(outside))
    if any(value == "pid" for value in unit_settings(unit, "ProcSubset")):
        hidden = sorted(path for path in reads if path.startswith("/proc/") and not OWN_PROC.match(path))
        if hidden:
            problems.append("/proc files ProcSubset=pid hides: " + " ".join(hidden))

    if any(value in ("yes", "true") for value in unit_settings(unit, "MemoryDenyWriteExecute")) and executable:
        problems.append("memory MemoryDenyWriteExecute= refuses: " + "; ".join(executable[:5]))

    print(f"{len(used)} distinct system calls traced; socket families: {' '.join(sorted(families)) or 'none'}; files written: {' '.join(sorted(writes)) or 'none'}")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
