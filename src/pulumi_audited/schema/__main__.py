"""`python -m pulumi_audited.schema ddl ENGINE [raw|segments] [--location s3://BUCKET/PREFIX]`
prints a definition; `python -m pulumi_audited.schema json` prints the JSON Schema."""

import argparse
import sys

from pulumi_audited.schema import SCHEMA_FILE
from pulumi_audited.schema.ddl import ENGINES, KINDS, LOCATION, definition


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pulumi_audited.schema")
    commands = parser.add_subparsers(dest="command", required=True)
    ddl = commands.add_parser("ddl", help="a table definition for a query engine")
    ddl.add_argument("engine", choices=ENGINES)
    ddl.add_argument("kind", choices=KINDS, nargs="?", default="raw")
    ddl.add_argument("--location", default=LOCATION, help="the log's URL (s3://BUCKET/PREFIX)")
    commands.add_parser("json", help="the record's JSON Schema")
    args = parser.parse_args(argv)
    if args.command == "json":
        sys.stdout.write(SCHEMA_FILE.read_text(encoding="utf-8"))
    else:
        print(definition(args.engine, args.kind, args.location))
    return 0


if __name__ == "__main__":
    sys.exit(main())
