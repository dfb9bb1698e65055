"""Structural check of rendered Spark SQL (run by /usr/bin/python3 with Debian's python3-sqlglot).

Usage: spark_sql_check.py STATEMENTS.json
STATEMENTS.json is a list of {"where": "...", "sql": "..."}. Each statement is parsed with sqlglot's
Spark dialect (parse only: sqlglot's translations are not trusted) and its tree walked: every
function must be in ALLOWED_FUNCTIONS (the Spark functions our renderings use; a DuckDB-only name
such as list_contains, strftime or epoch_ms fails), and no construct in FORBIDDEN_NODES may appear.
Prints one line per problem and exits 1 when there is any.

sqlglot 10.6 lacks TIMESTAMP_NTZ as a type name: it is read as TIMESTAMP before parsing.
"""
import json
import re
import sys

import sqlglot
from sqlglot import exp

# Spark SQL functions (https://spark.apache.org/docs/latest/api/sql/) the renderings may call.
ALLOWED_FUNCTIONS = {
    # aggregates and windows
    "COUNT", "COUNT_IF", "SUM", "MIN", "MAX", "AVG", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP",
    "VAR_SAMP", "PERCENTILE_CONT", "PERCENTILE", "MEDIAN", "ROW_NUMBER", "RANK", "DENSE_RANK",
    "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "BOOL_AND", "BOOL_OR", "EVERY", "ANY", "SOME",
    "COLLECT_LIST", "COLLECT_SET", "MAX_BY", "MIN_BY",
    # conditionals and casts
    "COALESCE", "NULLIF", "IFNULL", "NVL", "IF", "CASE", "CAST", "TRY_CAST", "GREATEST", "LEAST",
    # arithmetic
    "TRY_DIVIDE", "TRY_ADD", "TRY_SUBTRACT", "TRY_MULTIPLY", "ABS", "ROUND", "FLOOR", "CEIL",
    "CEILING", "POWER", "POW", "SQRT", "LN", "LOG10", "EXP", "SIGN", "MOD",
    # strings
    "CONCAT", "CONCAT_WS", "SUBSTRING", "SUBSTR", "LENGTH", "LOWER", "UPPER", "TRIM", "LTRIM",
    "RTRIM", "REPLACE", "CHR", "REGEXP_EXTRACT", "REGEXP_REPLACE", "SPLIT", "SPLIT_PART", "LPAD", "RPAD",
    "INSTR", "LOCATE", "LEFT", "RIGHT", "STARTSWITH", "ENDSWITH", "CONTAINS",
    # dates
    "CURRENT_DATE", "CURRENT_TIMESTAMP", "DATEDIFF", "DATE_ADD", "DATE_SUB", "ADD_MONTHS", "MAKE_DATE",
    "LAST_DAY", "YEAR", "MONTH", "DAY", "DAYOFMONTH", "EXTRACT", "DATE_TRUNC", "TO_DATE",
    "UNIX_TIMESTAMP", "UNIX_SECONDS", "UNIX_MICROS", "DATE_FORMAT", "WEEKOFYEAR", "QUARTER",
    # arrays, structs and JSON (Spark spellings)
    "ARRAY", "ARRAY_CONTAINS", "SIZE", "EXPLODE", "POSEXPLODE", "EXPLODE_OUTER", "ELEMENT_AT",
    "TRY_ELEMENT_AT", "STRUCT", "NAMED_STRUCT", "TO_JSON", "FROM_JSON", "GET_JSON_OBJECT",
    "JSON_TUPLE", "SCHEMA_OF_JSON", "JSON_ARRAY_LENGTH", "ARRAY_JOIN", "ARRAY_SORT", "SEQUENCE", "INLINE",
    # errors
    "RAISE_ERROR", "ASSERT_TRUE",
    # hashing (silver.data_value finds repeated versions by hash(...) before counting them exactly)
    "HASH",
    # bits of a string's UTF-8 (silver.data_value's invalid_utf8 searches only text whose
    # bit_length is more than 8 * length, i.e. text beyond ASCII)
    "BIT_LENGTH",
}

# sqlglot expression classes whose SQL name differs from the Spark function name.
CLASS_NAMES = {
    "Substring": "SUBSTRING", "StrPosition": "LOCATE", "ApproxDistinct": "APPROX_COUNT_DISTINCT",
    "Explode": "EXPLODE", "Struct": "STRUCT", "RegexpLike": "RLIKE",
    # sqlglot's names for Spark's get_json_object, datediff(end, start) and to_date
    "JSONExtractScalar": "GET_JSON_OBJECT", "JSONExtract": "GET_JSON_OBJECT",
    "DateDiff": "DATEDIFF", "TsOrDsToDate": "TO_DATE", "StrToDate": "TO_DATE",
    # ... and for Spark's date_add, unix_timestamp and var_samp (program indicators)
    "TsOrDsAdd": "DATE_ADD", "StrToUnix": "UNIX_TIMESTAMP", "Variance": "VAR_SAMP",
}

# sqlglot classes that are clauses, not functions (MERGE's WHEN ... THEN ...).
NOT_FUNCTIONS = {"When"}

FORBIDDEN_NODES = {
    "Qualify": "QUALIFY is not in Apache Spark SQL",
    "Unnest": "UNNEST is DuckDB's: use explode / LATERAL VIEW",
}


def function_name(node):
    if isinstance(node, exp.Anonymous):
        return str(node.name).upper()
    name = CLASS_NAMES.get(type(node).__name__)
    if name:
        return name
    try:
        return node.sql_name().upper()
    except Exception:  # noqa: BLE001 - a node without a name
        return type(node).__name__.upper()


def check(where, text):
    problems = []
    text = re.sub(r"\bTIMESTAMP_NTZ\b", "TIMESTAMP", text)
    try:
        tree = sqlglot.parse_one(text, read="spark")
    except Exception as error:  # noqa: BLE001 - sqlglot raises more than ParseError
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        return [f"{where}: does not parse as Spark SQL: {first}"]
    for item in tree.walk():
        node = item[0] if isinstance(item, tuple) else item
        kind = type(node).__name__
        if kind in FORBIDDEN_NODES:
            problems.append(f"{where}: {FORBIDDEN_NODES[kind]}")
        if isinstance(node, exp.Func) and kind not in NOT_FUNCTIONS:
            name = function_name(node)
            if name not in ALLOWED_FUNCTIONS:
                problems.append(f"{where}: function {name} is not on the Spark allow-list")
    return problems


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        statements = json.load(handle)
    problems = []
    for statement in statements:
        problems.extend(check(statement["where"], statement["sql"]))
    for problem in problems:
        print(problem)
    print(f"checked {len(statements)} statements, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
