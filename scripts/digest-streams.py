#!/usr/bin/env python3
"""Print a compact Markdown digest of the recorded fixture streams (tests/streams/*.jsonl).

For each fixture and each compiler-message: level, code, message, every span label (with
primary/secondary and file:line:col), every child's level + message and its span labels.
A span inside a macro expansion is followed to its outermost call site, shown after `=>`;
a span carrying a suggestion shows it as (suggests `...`).

    scripts/digest-streams.py                       # print to stdout
    scripts/digest-streams.py --update tests/fixtures/NOTES.md
        # replace the text between <!-- digest:start --> and <!-- digest:end -->
"""
import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
STREAMS = REPO / "tests" / "streams"
START, END = "<!-- digest:start -->", "<!-- digest:end -->"


def short_file(name):
    # [CARGO_HOME]/registry/src/index.crates.io-<hash>/tokio-1.x/... -> [REG]/tokio-1.x/...
    prefix = "[CARGO_HOME]/registry/src/"
    if name.startswith(prefix):
        rest = name[len(prefix):].split("/", 1)
        return "[REG]/" + (rest[1] if len(rest) > 1 else rest[0])
    return name


def where(span):
    text = f"{short_file(span['file_name'])}:{span['line_start']}:{span['column_start']}"
    if span["line_end"] != span["line_start"]:
        text += f"-{span['line_end']}"
    outer = span
    while outer.get("expansion"):
        outer = outer["expansion"]["span"]
    if (outer["file_name"], outer["line_start"], outer["column_start"]) != (
        span["file_name"], span["line_start"], span["column_start"]
    ):
        text += f" => {short_file(outer['file_name'])}:{outer['line_start']}:{outer['column_start']}"
    return text


def one_line(text):
    return text.replace("\n", " \u23ce ")


def code(text):
    """Markdown code span that survives backticks inside rustc's text."""
    text = one_line(text)
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if longest else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def span_lines(spans, indent):
    out = []
    for s in spans:
        kind = "PRIMARY" if s["is_primary"] else "secondary"
        label = code(s["label"]) if s.get("label") else "(no label)"
        line = f"{indent}- {kind} {where(s)}: {label}"
        if s.get("suggested_replacement") is not None:
            line += f" (suggests {code(s['suggested_replacement']) if s['suggested_replacement'] else 'deleting it'})"
        out.append(line)
    return out


def digest_member(member):
    path = STREAMS / f"{member}.jsonl"
    lines = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
    finished = [l for l in lines if l["reason"] == "build-finished"]
    success = finished[-1]["success"] if finished else None
    out = [f"### `{member}`", "", f"build-finished success: `{str(success).lower()}`", ""]
    diags = [l["message"] for l in lines if l["reason"] == "compiler-message"]
    if not diags:
        out += ["(no diagnostics)", ""]
        return out
    for d in diags:
        code_id = d["code"]["code"] if d.get("code") else "-"
        out.append(f"- **{d['level']}** [{code_id}] {code(d['message'])}")
        out += span_lines(d["spans"], "  ")
        for c in d["children"]:
            out.append(f"  - child {c['level']}: {code(c['message'])}")
            out += span_lines(c["spans"], "    ")
    out.append("")
    return out


def workspace_members():
    """Member directory names, sorted, as cargo expands the `members` glob."""
    out = subprocess.run(
        [os.environ.get("CARGO", "cargo"), "metadata", "--no-deps", "--format-version", "1",
         "--manifest-path", str(FIXTURES / "Cargo.toml")],
        check=True, capture_output=True, text=True,
    ).stdout
    dirs = (pathlib.Path(p["manifest_path"]).parent.name for p in json.loads(out)["packages"])
    return sorted(dirs)


def main(argv):
    members = workspace_members()
    body = []
    for m in members:
        body += digest_member(m)
    text = "\n".join(body).rstrip() + "\n"
    if len(argv) == 2 and argv[0] == "--update":
        target = pathlib.Path(argv[1])
        notes = target.read_text()
        head, rest = notes.split(START, 1)
        _, tail = rest.split(END, 1)
        target.write_text(f"{head}{START}\n\n{text}\n{END}{tail}")
    elif argv:
        sys.exit("usage: digest-streams.py [--update NOTES.md]")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
