#!/usr/bin/env bash
# What a real metadata package's expressions become: a metadata package folder (DHIS2's
# /api/metadata JSON, e.g. a WHO package) merged with a real org-unit tree (the recorded Sierra
# Leone hierarchy, tests/data/source/sierra-leone-2.36), with made-up monthly data values for every
# data element and option combo of the package at 20 facilities through 2023 (so that indicators
# have something to compute on), synced by `dhis2lake sync --source`; then the counts of
# ops.expression_status: computed, computed with values (an indicator with rows in
# gold.indicator_value, a predictor with rows in gold.predicted_value), refused, per object type,
# and the refusal reasons by kind.
#
#   bench/expression_status_bench.sh PACKAGE_DIR [BINARY]
#
# Not part of `make test`: the WHO packages may not be copied into the project. Figures only.
set -euo pipefail
PACKAGE="${1:?usage: expression_status_bench.sh PACKAGE_DIR [BINARY]}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${2:-$ROOT/build/src/cli/dhis2lake}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/export"

python3 - "$PACKAGE" "$ROOT/tests/data/source/sierra-leone-2.36" "$WORK/export" <<'PY'
import glob, json, os, sys
package, tree, out = sys.argv[1:4]
for path in sorted(glob.glob(os.path.join(package, "*.json"))):
    with open(path) as f:
        text = f.read()
    with open(os.path.join(out, "package_" + os.path.basename(path)), "w") as f:
        f.write(text)
units = []
for path in sorted(glob.glob(os.path.join(tree, "organisation_units_*.json"))):
    with open(path) as f:
        page = json.load(f)
    units += page["organisationUnits"]
with open(os.path.join(out, "org_units.json"), "w") as f:
    json.dump({"organisationUnits": units}, f)
metadata = {}
for path in sorted(glob.glob(os.path.join(package, "*.json"))):
    with open(path) as f:
        for key, value in json.load(f).items():
            if isinstance(value, list):
                metadata.setdefault(key, []).extend(value)
combos = {}
for coc in metadata.get("categoryOptionCombos", []):
    combo = (coc.get("categoryCombo") or {}).get("id")
    if combo:
        combos.setdefault(combo, []).append(coc["id"])
facilities = sorted(u["id"] for u in units if str(u.get("path", "")).count("/") == 4)[:20]
values = []
for index, element in enumerate(metadata.get("dataElements", [])):
    if element.get("domainType", "AGGREGATE") != "AGGREGATE":
        continue
    if element.get("valueType", "NUMBER") not in ("NUMBER", "INTEGER", "INTEGER_POSITIVE",
                                                  "INTEGER_ZERO_OR_POSITIVE", "PERCENTAGE"):
        continue
    cocs = combos.get((element.get("categoryCombo") or {}).get("id"), ["HllvX50cXC0"])
    for f, ou in enumerate(facilities):
        for month in range(1, 13):
            for c, coc in enumerate(cocs):
                values.append({"dataElement": element["id"], "period": "2023%02d" % month,
                               "orgUnit": ou, "categoryOptionCombo": coc,
                               "attributeOptionCombo": "HllvX50cXC0",
                               "value": str(1 + (index * 7 + f * 3 + month * 5 + c) % 50)})
with open(os.path.join(out, "data_values.json"), "w") as f:
    json.dump({"dataValues": values}, f)
print("export folder: %d org units, %d data values for %d facilities" %
      (len(units), len(values), len(facilities)), file=sys.stderr)
PY

printf 'hash_key = "expression-status-bench-key-of-32-chars"\n' >"$WORK/secrets.toml"
chmod 600 "$WORK/secrets.toml"
# The package's install-time level placeholders, as its installation would resolve them on the
# Sierra Leone tree (National 1, District 2, Chiefdom 3, Facility 4).
cat >"$WORK/dhis2lake.toml" <<'TOML'
[gold]
predictor_level_placeholders = { "<OU_LEVEL_FACILITY_UID>" = 4, "<OU_LEVEL_DISTRICT_UID>" = 2 }
TOML
set +e
DHIS2LAKE_SECRETS="$WORK/secrets.toml" "$BIN" --lake "$WORK/lake" --config "$WORK/dhis2lake.toml" \
  sync --source "$WORK/export" >"$WORK/sync.log" 2>&1
CODE=$?
set -e
grep -E "empty inputs|expressions:|FAILED|skipped|sync:" "$WORK/sync.log" || true
echo "sync exit code: $CODE"
"$BIN" --lake "$WORK/lake" sql --format csv "
  SELECT s.object_type,
         count(*) FILTER (WHERE s.status = 'computed') AS computed,
         count(*) FILTER (WHERE s.status = 'computed' AND v.uid IS NOT NULL)
           AS computed_with_values,
         count(*) FILTER (WHERE s.status = 'refused') AS refused
  FROM ops.expression_status s
  LEFT JOIN (SELECT DISTINCT 'indicator' AS object_type, indicator AS uid FROM gold.indicator_value
             UNION ALL
             SELECT DISTINCT 'predictor', predictor FROM gold.predicted_value) v
    ON v.object_type = s.object_type AND v.uid = s.uid
  GROUP BY s.object_type ORDER BY s.object_type"
echo "refusals by kind (first 80 characters of the reason after the expression):"
"$BIN" --lake "$WORK/lake" sql --format csv "
  SELECT object_type, regexp_replace(regexp_replace(reason, '\"[^\"]*\"', '\"…\"', 'g'),
         '[A-Za-z][A-Za-z0-9]{10}', 'UID', 'g')[1:80] AS kind, count(*) AS n
  FROM ops.expression_status WHERE status = 'refused' GROUP BY ALL ORDER BY n DESC LIMIT 20"
