"""Runs docs/querying.md's Spark definitions (raw and segments) on a local copy of a bucket in
a local Spark and prints the answers as JSON, by kind: `python spark_queries.py LOCATION`.
A script of its own, since pyspark starts a JVM the test process should not keep."""

import json
import sys

from pyspark.sql import SparkSession
from query_questions import SHARED

from pulumi_audited.schema.ddl import definition, table_name

QUERIES = {
    **SHARED,
    "types": "SELECT DISTINCT typeof(`date`), typeof(`time`), typeof(seq) FROM {table}",
    "days": "SELECT CAST(`date` AS STRING), count(*), "
    "date_format(min(`time`), \"yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'\") FROM {table} "
    "GROUP BY `date` ORDER BY `date`",
}


def main(location: str) -> None:
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    answers = {}
    for kind in ("raw", "segments"):
        scope: dict = {"spark": spark}
        exec(definition("spark", kind, location), scope)
        table = table_name(kind)
        scope[table].createOrReplaceTempView(table)
        answers[kind] = {
            name: [list(row) for row in spark.sql(query.format(table=table)).collect()]
            for name, query in QUERIES.items()
        }
    print(json.dumps(answers))
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
