#!/usr/bin/env python3
"""Reads TOML documents with Python's tomllib and prints each one's canonical form.

Input (stdin): one JSON string per line, each a whole TOML document. Output (stdout): one line
per document, "OK <canonical JSON>" or "ERR <reason>". TOMLDifferentialTests writes the same
canonical form from TollgateCore's TOMLDocument and compares line by line.

The canonical form, exactly: tables are JSON objects with keys sorted by UTF-16 code units
(RFC 8785); arrays and arrays of tables are JSON arrays; booleans are JSON booleans; every other
value is a JSON string with a type prefix: "i:" + the decimal integer, "f:" + the 16 lowercase
hex digits of the IEEE 754 binary64 bits (or "f:nan" for any NaN), "s:" + the string,
"odt:YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM" (a zero offset as +00:00), "ldt:YYYY-MM-DDTHH:MM:SS.ffffff",
"ld:YYYY-MM-DD", "lt:HH:MM:SS.ffffff" (fractions truncated to microseconds, as tomllib keeps them).
Strings are escaped as json.dumps(ensure_ascii=False) does, which is RFC 8785's escaping.

Where TOML 1.0 lets a reader choose, Tollgate's choices are applied here too, so both sides
answer the same question: a leading byte order mark is skipped; an integer outside 64 bits and
a float literal that overflows binary64 are errors (tomllib keeps Python's unbounded ints and
reads 1e400 as inf).
"""
import datetime
import json
import math
import struct
import sys
import tomllib


class Refused(Exception):
    """A value Tollgate's reader refuses by its documented choices."""


def checked_float(text):
    value = float(text)
    if math.isinf(value) and "inf" not in text:
        raise Refused(f"float {text} overflows binary64")
    return value


def two(n):
    return f"{n:02d}"


def clock(t):
    return f"{two(t.hour)}:{two(t.minute)}:{two(t.second)}.{t.microsecond:06d}"


def day(d):
    return f"{d.year:04d}-{two(d.month)}-{two(d.day)}"


def canonical(value):
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise Refused(f"integer {value} is outside 64 bits")
        text = f"i:{value}"
    elif isinstance(value, float):
        text = "f:nan" if math.isnan(value) else "f:" + struct.pack(">d", value).hex()
    elif isinstance(value, str):
        text = "s:" + value
    elif isinstance(value, datetime.datetime):
        text = f"{day(value)}T{clock(value)}"
        offset = value.utcoffset()
        if offset is None:
            text = "ldt:" + text
        else:
            minutes = int(offset.total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            text = f"odt:{text}{sign}{two(abs(minutes) // 60)}:{two(abs(minutes) % 60)}"
    elif isinstance(value, datetime.date):
        text = "ld:" + day(value)
    elif isinstance(value, datetime.time):
        text = "lt:" + clock(value)
    else:
        raise TypeError(f"unexpected value {value!r}")
    return json.dumps(text, ensure_ascii=False)


def main():
    out = []
    for line in sys.stdin:
        document = json.loads(line)
        if document.startswith("\ufeff"):
            document = document[1:]
        try:
            out.append("OK " + canonical(tomllib.loads(document, parse_float=checked_float)))
        except (tomllib.TOMLDecodeError, Refused, RecursionError) as error:
            out.append("ERR " + " ".join(str(error).split()))
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()
