#!/usr/bin/env bash
# Precision check for knoxvet: over the Go standard library, every package this
# module depends on, and a corpus of real HTTP/JWT/OAuth/retry client libraries
# (precision/corpus, its own module), `go vet -vettool=knoxvet` must report
# exactly what stock `go vet` reports — no Knox finding, no crash — since none
# of that code talks to Knox. Prints a line per step (these runs take minutes
# each on a small machine) and both counts; exits non-zero on any difference.
#
#   SETS="std deps corpus"   the sets to check (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${BIN:-$PWD/bin}
mkdir -p "$bin"
SETS=${SETS:-std deps corpus}
step() { echo "precision [$(date +%H:%M:%S)] $*"; }

step "building knoxvet"
go build -o "$bin/knoxvet" ./cmd/knoxvet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The go command's own progress ("go: downloading m v", printed by whichever
# of the two runs first needs a module the cache lacks) is not a finding.
norm() { grep -v -e '^#' -e '^go: downloading ' "$1" | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort; }
status=0
for set in $SETS; do
  dir=$root
  case $set in
    std) pkgs=std ;;
    deps) pkgs=$(go list -deps -test ./... | grep '\.' | grep -v '^github.com/knoxconform/' | grep -v '\.test$' | grep -v ' ' | sort -u) ;;
    corpus)
      dir=$root/precision/corpus
      step "corpus: resolving the pinned libraries (module proxy on first use)"
      pkgs=$(cd "$dir" && go list -deps ./... | grep '\.' | grep -v '^github.com/knoxconform/' | sort -u) ;;
    *) echo "unknown set $set (want std, deps or corpus)"; exit 2 ;;
  esac
  n=$(echo $pkgs | wc -w)
  # go vet exits 1 when it reports anything; the comparison below is the verdict.
  step "$set: stock go vet over $n package patterns"
  (cd "$dir" && go vet $pkgs) >"$tmp/$set.stock" 2>&1 || true
  step "$set: go vet -vettool=knoxvet over the same"
  (cd "$dir" && go vet -vettool="$bin/knoxvet" $pkgs) >"$tmp/$set.knoxvet" 2>&1 || true
  if grep -qiE 'panic|internal error' "$tmp/$set.knoxvet"; then
    echo "knoxvet crashed on $set:"; grep -iE -A5 'panic|internal error' "$tmp/$set.knoxvet" | head -40; status=1
  fi
  if diff <(norm "$tmp/$set.stock") <(norm "$tmp/$set.knoxvet") >"$tmp/$set.diff"; then
    step "$set: knoxvet reports exactly what stock vet reports ($(norm "$tmp/$set.stock" | wc -l) lines; $n package patterns)"
  else
    step "$set: knoxvet differs from stock vet:"; head -40 "$tmp/$set.diff"; status=1
  fi
done
exit $status
