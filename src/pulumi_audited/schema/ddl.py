"""DuckDB, Athena and Spark definitions of the record, every column named with its type.

Engines that infer a JSON layout sample the first files, and a start record has no `outcome`,
while the first records of a bucket often have a null `reason`: named columns avoid both.
Each definition is written for raw record objects and for compacted segments (store/layout.py
spells both paths); docs/querying.md holds this module's output, checked by a test.
"""

from pulumi_audited.schema import Type, columns
from pulumi_audited.store import layout

ENGINES = ("duckdb", "athena", "spark")
KINDS = ("raw", "segments")
LOCATION = "s3://BUCKET/PREFIX"

_DUCKDB = {"string": "VARCHAR", "integer": "BIGINT", "boolean": "BOOLEAN",
           "timestamp": "TIMESTAMP"}  # fmt: skip
# Athena's JSON SerDe reads `time` as a string; from_iso8601_timestamp("time") converts it.
_ATHENA = {"string": "string", "integer": "bigint", "boolean": "boolean",
           "timestamp": "string"}  # fmt: skip
_SPARK = {"string": "StringType()", "integer": "LongType()", "boolean": "BooleanType()",
          "timestamp": "TimestampType()"}  # fmt: skip


def folder(location: str, kind: str) -> str:
    """Where the day folders of `kind` are: `LOCATION/v1/` or `LOCATION/v1/segments/`.
    LOCATION is a log's URL or, for a local copy of a bucket, the folder of its prefix."""
    scheme, separator, rest = location.partition("://")
    if not separator:
        bucket, prefix = location.rstrip("/"), ""
    else:
        bucket, _, prefix = rest.partition("/")
        bucket = f"{scheme}://{bucket}"
    root = layout.root(prefix)
    if kind == "segments":
        root += f"{layout.SEGMENTS_FOLDER}/"
    return f"{bucket}/{root}"


def glob(location: str, kind: str) -> str:
    suffix = layout.SEGMENT_SUFFIX if kind == "segments" else layout.SUFFIX
    return f"{folder(location, kind)}{layout.DATE_KEY}*/*{suffix}"


def definition(engine: str, kind: str, location: str = LOCATION) -> str:
    return {"duckdb": duckdb, "athena": athena, "spark": spark}[engine](kind, location)


def table_name(kind: str) -> str:
    return "pulumi_audit" if kind == "raw" else "pulumi_audit_segments"


def duckdb_type(column: Type) -> str:
    if column.kind == "list":
        assert column.item is not None
        return f"{duckdb_type(column.item)}[]"
    if column.kind == "map":
        assert column.item is not None
        return f"MAP(VARCHAR, {duckdb_type(column.item)})"
    if column.kind == "struct":
        inner = ", ".join(f'"{name}" {duckdb_type(sub)}' for name, sub in column.fields)
        return f"STRUCT({inner})"
    return _DUCKDB[column.kind]


def duckdb(kind: str, location: str = LOCATION) -> str:
    lines = [f"    {_sql_string(name)}: {_sql_string(duckdb_type(t))}" for name, t in columns()]
    body = ",\n".join(lines)
    return (
        f"CREATE OR REPLACE VIEW {table_name(kind)} AS\n"
        f"SELECT * FROM read_json(\n"
        f"  {_sql_string(glob(location, kind))},\n"
        f"  format = 'newline_delimited',\n"
        f"  compression = '{'gzip' if kind == 'segments' else 'uncompressed'}',\n"
        f"  hive_partitioning = true,\n"
        f"  hive_types = {{'date': 'DATE'}},\n"
        f"  columns = {{\n{body}\n  }}\n"
        f");"
    )


def athena_type(column: Type) -> str:
    if column.kind == "list":
        assert column.item is not None
        return f"array<{athena_type(column.item)}>"
    if column.kind == "map":
        assert column.item is not None
        return f"map<string,{athena_type(column.item)}>"
    if column.kind == "struct":
        inner = ",".join(f"{name}:{athena_type(sub)}" for name, sub in column.fields)
        return f"struct<{inner}>"
    return _ATHENA[column.kind]


def athena(kind: str, location: str = LOCATION) -> str:
    body = ",\n".join(f"  `{name}` {athena_type(t)}" for name, t in columns())
    where = folder(location, kind)
    return (
        f"CREATE EXTERNAL TABLE {table_name(kind)} (\n{body}\n)\n"
        f"PARTITIONED BY (`date` string)\n"
        f"ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
        f"LOCATION '{where}'\n"
        f"TBLPROPERTIES (\n"
        f"  'projection.enabled' = 'true',\n"
        f"  'projection.date.type' = 'date',\n"
        f"  'projection.date.format' = 'yyyy-MM-dd',\n"
        f"  'projection.date.range' = '2025-01-01,NOW',\n"
        f"  'projection.date.interval' = '1',\n"
        f"  'projection.date.interval.unit' = 'DAYS',\n"
        f"  'storage.location.template' = '{where}{layout.DATE_KEY}${{date}}/'\n"
        f");"
    )


def spark_type(column: Type, indent: str) -> str:
    if column.kind == "list":
        assert column.item is not None
        return f"ArrayType({spark_type(column.item, indent)})"
    if column.kind == "map":
        assert column.item is not None
        return f"MapType(StringType(), {spark_type(column.item, indent)})"
    if column.kind == "struct":
        return _spark_struct(column.fields, indent + "    ")
    return _SPARK[column.kind]


def _spark_struct(fields: tuple[tuple[str, Type], ...], indent: str) -> str:
    inner = "".join(
        f'{indent}    StructField("{name}", {spark_type(t, indent)}),\n' for name, t in fields
    )
    return f"StructType([\n{inner}{indent}])"


def spark(kind: str, location: str = LOCATION) -> str:
    names = ", ".join(sorted({"ArrayType", "MapType", "StructType", "StructField"} | {
        value.removesuffix("()") for value in _SPARK.values()
    }))  # fmt: skip
    source = glob(location, kind).replace("s3://", "s3a://", 1)
    base = folder(location, kind).replace("s3://", "s3a://", 1)
    return (
        f"from pyspark.sql.types import {names}\n\n"
        f"RECORD = {_spark_struct(tuple(columns()), '')}\n\n"
        f"{table_name(kind)} = (\n"
        f"    spark.read.schema(RECORD)\n"
        f'    .option("basePath", "{base}")\n'
        f'    .option("timestampFormat", "yyyy-MM-dd\'T\'HH:mm:ss.SSSSSSX")\n'
        f'    .json("{source}")\n'
        f")  # the date=... folders become a `date` column"
    )


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
