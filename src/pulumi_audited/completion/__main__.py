"""`python -m pulumi_audited.completion --write|--check FOLDER`: the committed scripts.

The viewer's group is handed to the completion functions here, so the package itself never
imports viewer.cli (which imports it to register the completion commands).
"""

import argparse
import sys
from pathlib import Path

from pulumi_audited.completion import stale_scripts, write_scripts
from pulumi_audited.viewer.cli import audit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_audited.completion")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="FOLDER", type=Path, help="write the scripts")
    action.add_argument("--check", metavar="FOLDER", type=Path, help="fail if they are stale")
    options = parser.parse_args(argv)
    if options.write:
        for path in write_scripts(options.write, audit):
            print(f"wrote {path}")
        return 0
    stale = stale_scripts(options.check, audit)
    for path in stale:
        print(f"stale: {path} (run `make completions`)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
