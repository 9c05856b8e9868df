#!/usr/bin/env python3
"""Reads a chatarchive Parquet dataset with DuckDB as docs/parquet.md tells a data team to, and
prints what it finds as one JSON object; tests/e2e/parquet.rs compares it with SQLite on each archive.

Input: a JSON file named on the command line:
  {"dir": DATASET, "setup": SQL, "views": SQL with DIR, "tables": [...], "archives": [ids],
   "queries": {name: sql}}
Output: {"all": {table: rows}, "archives": {id: {"counts": {table: rows},
          "queries": {name: [[value, ...], ...]}}}, "partitions": {table: [[provider, account]]}}
"""
import datetime
import decimal
import json
import sys

import duckdb


def value(v):
    """A DuckDB value as the archive's SQLite writes it (timestamps as ISO text, milliseconds)."""
    if isinstance(v, datetime.datetime):
        v = v.astimezone(datetime.timezone.utc)
        return v.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (v.microsecond // 1000)
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, bool):
        return int(v)
    return v


def main():
    spec = json.load(open(sys.argv[1]))
    # No network here or in CI: never try to fetch an extension.
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    # No progress bar: it is drawn on stdout, which carries the JSON.
    con.execute("SET enable_progress_bar = false")
    con.execute(spec["setup"])
    views = spec["views"].replace("DIR", spec["dir"])
    con.execute(views)
    out = {"all": {}, "archives": {}, "partitions": {}}
    for table in spec["tables"]:
        out["all"][table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        out["partitions"][table] = [
            list(r)
            for r in con.execute(
                f"SELECT DISTINCT provider, account FROM {table} ORDER BY ALL"
            ).fetchall()
        ]
    for archive in spec["archives"]:
        # The same views, each restricted to one archive's rows.
        con.execute(f"CREATE SCHEMA IF NOT EXISTS a; USE a")
        for table in spec["tables"]:
            con.execute(
                f"CREATE OR REPLACE VIEW a.{table} AS SELECT * FROM memory.main.{table} "
                f"WHERE archive_id = '{archive}'"
            )
        result = {"counts": {}, "queries": {}}
        for table in spec["tables"]:
            result["counts"][table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for name, sql in spec["queries"].items():
            try:
                rows = con.execute(sql).fetchall()
            except duckdb.Error as e:
                sys.exit(f"query {name}: {e}")
            result["queries"][name] = [[value(v) for v in row] for row in rows]
        out["archives"][archive] = result
        con.execute("USE memory.main")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
