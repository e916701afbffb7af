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

# timed CMD...: prints "wall cpu" in seconds (cpu: user + system time of the
# command and its children, from bash's time keyword); go vet's exit status is
# ignored (findings or packages of other engineers that do not build yet must
# not stop the bench). CPU time is what the analysis costs whatever else the
# machine runs; wall time is what a developer waits, and moves with the load.
timed() {
	local out dt cpu
	out=$({ TIMEFORMAT='%R %U %S'; time "$@" >/dev/null 2>&1 || true; } 2>&1)
	read -r dt u s <<<"$out"
	cpu=$(echo "$u + $s" | bc)
	# A run under a second re-analysed nothing: a cached result or a go command
	# that failed at once (go.mod being edited). Say so instead of reporting it quietly.
	if [ "$(echo "$dt < 1" | bc)" = 1 ]; then
		echo "warning: '$*' took ${dt}s: cached or failed; rerun the bench" >&2
	fi
	echo "$dt $cpu"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '%-10s %-26s %8s %8s   %s\n' target tool wall_s cpu_s runs
root=$PWD
for spec in "${targets[@]}"; do
	dir=$root target=$spec
	if [[ $spec == *:* ]]; then dir=$root/${spec%%:*} target=${spec#*:}; fi
	cd "$dir"
	# Prime: compile everything vet needs, and run each tool once.
	go vet "$target" >/dev/null 2>&1 || true
	go vet -vettool="$bin" "$target" >/dev/null 2>&1 || true
	stock=() knox=() knoxonly=() stockc=() knoxc=() knoxonlyc=()
	for i in $(seq "$REPS"); do
		key="bench$$_$i"
		read -r w c <<<"$(timed go vet -printf.funcs="$key" "$target")"
		stock+=("$w") stockc+=("$c")
		read -r w c <<<"$(timed go vet -vettool="$bin" -printf.funcs="$key" "$target")"
		knox+=("$w") knoxc+=("$c")
		if [ "${KNOXONLY:-1}" = 1 ]; then
			read -r w c <<<"$(timed go vet -vettool="$bin" -vet=false -knoxhttp.allow="10$i" "$target")"
		else
			w=0 c=0
		fi
		knoxonly+=("$w") knoxonlyc+=("$c")
	done
	ms=$(median "${stock[@]}") mk=$(median "${knox[@]}") mo=$(median "${knoxonly[@]}")
	cs=$(median "${stockc[@]}") ck=$(median "${knoxc[@]}") co=$(median "${knoxonlyc[@]}")
	printf '%-10s %-26s %8.2f %8.2f   %s | cpu %s\n' "$target" "go vet" "$ms" "$cs" "${stock[*]}" "${stockc[*]}"
	printf '%-10s %-26s %8.2f %8.2f   %s | cpu %s\n' "$target" "go vet -vettool=knoxvet" "$mk" "$ck" "${knox[*]}" "${knoxc[*]}"
	printf '%-10s %-26s %8.2f %8.2f   %s | cpu %s\n' "$target" "  (-vet=false: Knox only)" "$mo" "$co" "${knoxonly[*]}" "${knoxonlyc[*]}"
	# Per pair (the two tools ran back to back), then the median of the pairs:
	# load that comes and goes between repetitions cancels out of each ratio.
	pw=() pc=()
	for i in $(seq 0 $((REPS - 1))); do
		pw+=("$(echo "(${knox[$i]} - ${stock[$i]}) * 100 / ${stock[$i]}" | bc -l)")
		pc+=("$(echo "(${knoxc[$i]} - ${stockc[$i]}) * 100 / ${stockc[$i]}" | bc -l)")
	done
	printf '%-10s %-26s %7.1f%% wall, %.1f%% cpu (medians of the %d pairs)\n' "$target" "knoxvet overhead" "$(median "${pw[@]}")" "$(median "${pc[@]}")" "$REPS"
	if [ "${STATICCHECK:-0}" = 1 ]; then
		sc=()
		go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -version >/dev/null 2>&1 || { echo "staticcheck: cannot be built here; skipped"; continue; }
		for i in $(seq "$REPS"); do
			read -r w c <<<"$(STATICCHECK_CACHE=$(mktemp -d) timed go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 "$target")"
			sc+=("$w")
		done
		printf '%-10s %-26s %8.2f   %s\n' "$target" "staticcheck (cold cache)" "$(median "${sc[@]}")" "${sc[*]}"
	fi
done
