"""Reads changed paths on stdin, prints what they are as in messageformat.txt: e.g. src:3,tests:1,docs:2."""
import re, sys
counts = {}
for path in filter(None, (l.strip() for l in sys.stdin)):
    if path == "package-lock.json": kind = "lockfile"
    elif path.endswith("package.json"): kind = "manifest"
    elif path.startswith(".github/"): kind = "ci"
    elif path.startswith("docs/") or path.endswith(".md"): kind = "docs"
    elif path.startswith("test/") or re.search(r"\.test\.tsx?$", path): kind = "tests"
    elif path.startswith("packages/") and "/src/" in path: kind = "src"
    else: kind = "config"
    counts[kind] = counts.get(kind, 0) + 1
print(",".join(f"{k}:{v}" for k, v in sorted(counts.items())) or "none")
