#!/usr/bin/env python3
"""No function in lib/ or daemon/ longer than 80 lines (from the line of its name to its
closing brace): a function a reader cannot see at once has grown two jobs. And daemon/ holds
at most 600 lines in all: the executable parses arguments and wires lib/ together, the work
is done in lib/ where tests reach it. (A subcommand's options and help take 50 to 60 lines;
600 leaves room for the nine it has and one more.)

    function_length.py SOURCE_DIR [--limit 80] [--daemon-limit 600] [--list N]

Exits 1 and names each function over the limit (or daemon/'s size); --list N prints the N
longest functions instead.
Reads clang-formatted C++: comments, strings and character literals are skipped, braces
are matched, and a brace opens a function when it follows a parameter list at namespace
or class scope. Lambdas count as part of the function they are written in."""
import argparse
import pathlib
import re
import sys


def strip(text):
    """The text with comments, string and character literals blanked, newlines kept."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if at_line_start and text[i:text.find("\n", i) if "\n" in text[i:] else n].lstrip().startswith("#"):
            j = i
            while True:  # a preprocessor line, with its continuations
                j = text.find("\n", j)
                if j < 0 or text[j - 1] != "\\":
                    break
                j += 1
            j = n if j < 0 else j
            out.append("".join(ch for ch in text[i:j] if ch == "\n"))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch for ch in text[i:j] if ch == "\n"))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append('""' + "".join(ch for ch in text[i:j] if ch == "\n"))
            i = j
        elif c in "\"'" and not (c == "'" and i > 0 and text[i - 1].isalnum()):
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, last line) of every function body in the file."""
    text = strip(path.read_text(errors="replace"))
    scopes = []  # "namespace", "class", "function" or "block", with the function's start
    header_start = 0
    found = []
    for i, c in enumerate(text):
        if c == "{":
            header = text[header_start:i]
            words = header.strip()
            enclosing = scopes[-1][0] if scopes else "namespace"
            if enclosing in ("namespace", "class"):
                if re.match(r"(inline\s+)?namespace\b", words) or words.startswith('extern "C"'):
                    scopes.append(("namespace", None))
                elif re.search(r"\b(class|struct|union|enum)\b[^()]*$", words):
                    scopes.append(("class", None))
                elif re.search(r"\)[\w\s:&<>,*\->]*$", words) or re.search(r"\)\s*:", words):
                    name = re.findall(r"([~\w:]+(?:operator\S*)?)\s*\(", words)
                    line = text.count("\n", 0, header_start + len(header) - len(header.lstrip()))
                    scopes.append(("function", (name[0] if name else "?", line + 1)))
                else:
                    scopes.append(("block", None))
            else:
                scopes.append(("block", None))
            header_start = i + 1
        elif c == "}":
            if scopes:
                kind, info = scopes.pop()
                if kind == "function":
                    found.append((info[0], info[1], text.count("\n", 0, i) + 1))
            header_start = i + 1
        elif c == ";":
            if not scopes or scopes[-1][0] in ("namespace", "class"):
                header_start = i + 1
        elif c == ":" and scopes and scopes[-1][0] == "class":
            # access specifiers: "public:" ends a header
            if re.search(r"\b(public|private|protected)\s*$", text[header_start:i]):
                header_start = i + 1
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source_dir")
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--daemon-limit", type=int, default=600)
    ap.add_argument("--list", type=int, default=0)
    args = ap.parse_args()
    root = pathlib.Path(args.source_dir)
    rows = []
    for top in ("lib", "daemon"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix in (".cpp", ".hpp"):
                for name, first, last in functions(path):
                    rows.append((last - first + 1, f"{path.relative_to(root)}:{first}", name))
    rows.sort(reverse=True)
    if args.list:
        for length, where, name in rows[:args.list]:
            print(f"{length:4d}  {where}  {name}")
        return 0
    over = [r for r in rows if r[0] > args.limit]
    for length, where, name in over:
        print(f"{where}: {name} is {length} lines long (limit {args.limit})")
    print(f"{len(rows)} functions read, {len(over)} over {args.limit} lines")
    daemon_lines = sum(len(p.read_text().splitlines()) for p in sorted((root / "daemon").rglob("*"))
                       if p.is_file())
    too_big = daemon_lines > args.daemon_limit
    print(f"daemon/: {daemon_lines} lines{' (limit ' + str(args.daemon_limit) + ')' if too_big else ''}")
    return 1 if over or too_big else 0


if __name__ == "__main__":
    sys.exit(main())
