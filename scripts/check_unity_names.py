#!/usr/bin/env python3
"""The libraries compile as unity builds (cmake/dhl.cmake, dhl_unity): each batch of up to 8 .cc
files of one folder is one translation unit, so a helper in one file's anonymous namespace is
visible to the files after it. A compile error catches two helpers with the same signature; this
check catches the silent cases, where a call in one file would bind to another file's helper:
  - a free function in a file's anonymous namespace named like a free function declared in a header
    of the same folder or of src/base (the namespaces that code sees unqualified);
  - the same name in the anonymous namespaces of two files of one folder (overloads on different
    arguments would be chosen between silently).
Files marked SKIP_UNITY_BUILD_INCLUSION in their folder's CMakeLists.txt are compiled alone and
exempt. Exit status 1 with one line per clash; 0 when there is none."""
import collections
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "src"
FUNCTION = re.compile(
    r"^(?:static |inline |constexpr |\[\[nodiscard\]\] |template <[^>]*> )*"
    r"[\w:<>,*&][\w:<>,*& ]*?[\s*&](\w+)\(")
KEYWORDS = {"if", "for", "while", "switch", "return", "operator"}


def anonymous_functions(path):
    names = set()
    inside = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("namespace {"):
            inside = True
        elif inside and re.match(r"^\}\s*// namespace", line):
            inside = False
        elif inside:
            match = FUNCTION.match(line)
            if match and match.group(1) not in KEYWORDS:
                names.add(match.group(1))
    return names


def header_functions(folder):
    names = set()
    for header in folder.glob("*.h"):
        for line in header.read_text(encoding="utf-8").splitlines():
            match = FUNCTION.match(line)
            if match and match.group(1) not in KEYWORDS:
                names.add(match.group(1))
    return names


def skipped(folder):
    cmake = folder / "CMakeLists.txt"
    if not cmake.exists():
        return set()
    text = cmake.read_text(encoding="utf-8")
    found = set()
    for block in re.findall(r"set_source_files_properties\(([^)]*)\)", text):
        if "SKIP_UNITY_BUILD_INCLUSION" in block:
            found.update(re.findall(r"[\w./-]+\.cc", block))
    return found


def main():
    base = header_functions(ROOT / "base")
    clashes = []
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        visible = header_functions(folder) | base
        exempt = skipped(folder)
        owners = collections.defaultdict(list)
        for source in sorted(folder.glob("*.cc")):
            if source.name.endswith(("_test.cc", "_fuzz.cc")) or source.name in exempt:
                continue
            for name in sorted(anonymous_functions(source)):
                owners[name].append(source.name)
                if name in visible:
                    clashes.append(f"src/{folder.name}/{source.name}: anonymous-namespace {name}() "
                                   f"shadows a function of that name declared in a header")
        for name, files in sorted(owners.items()):
            if len(files) > 1:
                clashes.append(f"src/{folder.name}: {name}() is defined in the anonymous namespaces "
                               f"of {', '.join(files)}")
    for clash in clashes:
        print(clash)
    if clashes:
        print("rename the helper, or move the shared one into a header (see cmake/dhl.cmake, dhl_unity)")
    return 1 if clashes else 0


if __name__ == "__main__":
    sys.exit(main())
