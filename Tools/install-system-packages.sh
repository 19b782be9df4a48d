#!/usr/bin/env bash
# Installs the Debian packages Strata builds and runs with (as root, or with sudo available).
# Usage: Tools/install-system-packages.sh [extra-package or component ...]
# Components: mpi (Open MPI's mpirun and library, for data-parallel training and its tests; the
# package builds without it, since Strata opens libmpi at run time).
# Skips apt entirely when everything is already installed, so repeated runs are fast and offline.
set -euo pipefail

packages=(pkg-config libopenblas-dev libdnnl-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev)
for extra in "$@"; do
    case "$extra" in
        mpi) packages+=(openmpi-bin libopenmpi-dev) ;;
        *) packages+=("$extra") ;;
    esac
done

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
