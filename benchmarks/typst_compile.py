"""``typst compile`` of several files one after the other, as the Typst command-line tool would
run once for each: the fonts are loaded again for every file, from the folders given.

The ``typst`` package from PyPI (the one protdocs uses) has no command of its own; one Python
process running the compiles in turn stands for the command run once per file, without
charging the reference a Python start-up per document, which the command would not pay.

    python typst_compile.py --font-path DIR [--font-path DIR ...] IN.typ OUT.pdf [IN OUT ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import typst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font-path", action="append", default=[])
    parser.add_argument("files", nargs="+", help="pairs: a .typ file and the PDF to write")
    args = parser.parse_args()
    pairs = list(zip(args.files[::2], args.files[1::2], strict=True))
    for source, target in pairs:
        typst.compile(
            source,
            output=target,
            root=str(Path(source).parent),
            font_paths=args.font_path,
            ignore_system_fonts=True,
        )


if __name__ == "__main__":
    main()
