#!/usr/bin/env bash
# bench-knoxvet.sh — how much does `go vet -vettool=knoxvet` cost over stock go vet?
#
# Usage: scripts/bench-knoxvet.sh [TARGET...]     (default targets: ./... std)
#   A TARGET of the form DIR:PATTERN is run in DIR, e.g. the largest real
#   library of the precision corpus:
#   precision/corpus:github.com/stripe/stripe-go/v82
#   REPS=3          runs per tool and target; the median is reported
#   STATICCHECK=1   also time staticcheck v0.8.2 (go run; needs the module proxy)
#   KNOXONLY=0      skip the knoxvet -vet=false runs
#
# Method. The build cache is primed first (compile actions and one vet run of
# each tool), so what is measured is analysis, not compilation. Each timed run
# passes a fresh -printf.funcs value: the flag is part of go vet's cache key, so
# every unit is analysed again while compiled export data stays cached, and the
# flag is harmless (printf runs in both tools). Tools alternate run by run so
# that load from other processes on the machine hits both alike.
# knoxvet runs with its default -vet=true: it replaces cmd/vet, so the fair
# comparison is stock vet against stock vet's analyzers plus the Knox ones.
# "knoxvet -vet=false" (Knox analyzers only) is timed as well.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(./... std)

bin=$(mktemp -d)/knoxvet
go build -o "$bin" ./cmd/knoxvet

now() { date +%s.%N; }
# timed CMD...: prints elapsed seconds; go vet's exit status is ignored (findings
# or packages of other engineers that do not build yet must not stop the bench).
timed() {
	local t0 t1
	t0=$(now)
	"$@" >/dev/null 2>&1 || true
	t1=$(now)
	local dt
	dt=$(echo "$t1 - $t0" | bc)
	# A run under a second re-analysed nothing: a cached result or a go command
	# that failed at once (go.mod being edited). Say so instead of reporting it quietly.
	if [ "$(echo "$dt < 1" | bc)" = 1 ]; then
		echo "warning: '$*' took ${dt}s: cached or failed; rerun the bench" >&2
	fi
	echo "$dt"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-10s %-26s %8s   %s\n' target tool median runs
root=$PWD
for spec in "${targets[@]}"; do
	dir=$root target=$spec
	if [[ $spec == *:* ]]; then dir=$root/${spec%%:*} target=${spec#*:}; fi
	cd "$dir"
	# Prime: compile everything vet needs, and run each tool once.
	go vet "$target" >/dev/null 2>&1 || true
	go vet -vettool="$bin" "$target" >/dev/null 2>&1 || true
	stock=() knox=() knoxonly=()
	for i in $(seq "$REPS"); do
		key="bench$$_$i"
		stock+=("$(timed go vet -printf.funcs="$key" "$target")")
		knox+=("$(timed go vet -vettool="$bin" -printf.funcs="$key" "$target")")
		if [ "${KNOXONLY:-1}" = 1 ]; then
			knoxonly+=("$(timed go vet -vettool="$bin" -vet=false -knoxhttp.allow="10$i" "$target")")
		else
			knoxonly+=(0)
		fi
	done
	ms=$(median "${stock[@]}") mk=$(median "${knox[@]}") mo=$(median "${knoxonly[@]}")
	printf '%-10s %-26s %8.2f   %s\n' "$target" "go vet" "$ms" "${stock[*]}"
	printf '%-10s %-26s %8.2f   %s\n' "$target" "go vet -vettool=knoxvet" "$mk" "${knox[*]}"
	printf '%-10s %-26s %8.2f   %s\n' "$target" "  (-vet=false: Knox only)" "$mo" "${knoxonly[*]}"
	printf '%-10s %-26s %7.1f%%\n' "$target" "knoxvet overhead" "$(echo "($mk - $ms) * 100 / $ms" | bc -l)"
	if [ "${STATICCHECK:-0}" = 1 ]; then
		sc=()
		go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -version >/dev/null 2>&1 || { echo "staticcheck: cannot be built here; skipped"; continue; }
		for i in $(seq "$REPS"); do
			sc+=("$(STATICCHECK_CACHE=$(mktemp -d) timed go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 "$target")")
		done
		printf '%-10s %-26s %8.2f   %s\n' "$target" "staticcheck (cold cache)" "$(median "${sc[@]}")" "${sc[*]}"
	fi
done
