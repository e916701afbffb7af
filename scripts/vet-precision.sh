#!/usr/bin/env bash
# Precision check for knoxvet: over the Go standard library and every package
# this module depends on, `go vet -vettool=knoxvet` must report exactly what stock
# `go vet` reports — no Knox finding, no crash — since none of that code talks
# to Knox. Prints both counts; exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIN:-$PWD/bin}
mkdir -p "$bin"
go build -o "$bin/knoxvet" ./cmd/knoxvet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

deps=$(go list -deps -test ./... | grep '\.' | grep -v '^github.com/knoxconform/' | grep -v '\.test$' | grep -v ' ' | sort -u)
status=0
for set in std deps; do
  if [ "$set" = std ]; then pkgs=std; else pkgs=$deps; fi
  # go vet exits 1 when it reports anything; the comparison below is the verdict.
  go vet $pkgs >"$tmp/$set.stock" 2>&1 || true
  go vet -vettool="$bin/knoxvet" $pkgs >"$tmp/$set.knoxvet" 2>&1 || true
  norm() { grep -v '^#' "$1" | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort; }
  if grep -qiE 'panic|internal error' "$tmp/$set.knoxvet"; then
    echo "knoxvet crashed on $set:"; grep -iE -A5 'panic|internal error' "$tmp/$set.knoxvet" | head -40; status=1
  fi
  if diff <(norm "$tmp/$set.stock") <(norm "$tmp/$set.knoxvet") >"$tmp/$set.diff"; then
    echo "$set: knoxvet reports exactly what stock vet reports ($(norm "$tmp/$set.stock" | wc -l) lines; $(echo $pkgs | wc -w) package patterns)"
  else
    echo "$set: knoxvet differs from stock vet:"; head -40 "$tmp/$set.diff"; status=1
  fi
done
exit $status
