#!/bin/bash
# make bench: build the modules and bench/bench.c, boot a bookworm kernel
# under QEMU (TCG) with the modules, run bench/guest.sh in it, and report:
# the tables, "ratio: NAME VALUE spread LOW-HIGH", "limit: NAME BYTES" and
# "figure: NAME VALUE" lines, the targets, OUT/results.csv, OUT/raw.csv,
# OUT/console.log and OUT/results.png.
#
# Usage: bench/run.sh [--line 6.1|6.12] [--kver VERSION] [--src DIR]
#                     [--compare DIR] [--out DIR] [--mem MB] [--reps N]
#                     [--best-of N] [--quick]
#        bench/run.sh --report DIR
#   --line    bookworm kernel line, installed if needed (default 6.12)
#   --kver    an installed kernel (/boot/vmlinuz-VERSION and its headers)
#   --src     measure the driver in DIR/src (with DIR/VERSION) instead of
#             this tree's: for trying a driver change on a private copy
#   --compare measure the driver in DIR/src as well, side by side with this
#             tree's (or --src's) in the same guest and the same runs: its
#             modules are built as kmmap_new/vmmap_new (/dev/kmmap_new, ...);
#             a second and third --compare give kmmap_new2, kmmap_new3, ...
#   --out     where results go (default build/bench)
#   --mem     guest RAM in MiB (default 4096: the 1 GiB baselines and one
#             1 GiB device buffer at the largest setup size, 6144 for all of
#             them; 2048 more per --compare)
#   --reps    repetitions of the short samples (default 31; the setup
#             sweep does half as many, and 7 from 65536 pages on)
#   --best-of runs back to back per sample, the fastest kept (default 3)
#   --quick   small sizes and few repetitions (a smoke run, about a minute)
#   --report  no run: the tables, lines and plot again from DIR/raw.csv
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

line=6.12 kver="" src="" out=build/bench mem="" reps=31 best_of=3 quick=0 report_only=0
compare=()
while [ "$#" -gt 0 ]; do
	case "$1" in
	--line) line=$2; shift 2 ;;
	--kver) kver=$2; shift 2 ;;
	--src) src=$(cd "$2" && pwd); shift 2 ;;
	--compare) compare+=("$(cd "$2" && pwd)"); shift 2 ;;
	--out) out=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--report) report_only=1; out=$2; shift 2 ;;
	--best-of) best_of=$2; shift 2 ;;
	*) sed -n '2,28s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done

start=$SECONDS
test/lib/deps.sh build-essential libc6-dev gnuplot-nox
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Builds the driver in $1 (a tree with src/ and VERSION) into $2, as
# test/lib/build-modules.sh does for this tree; $3 renames the modules.
build_copy() { # build_copy TREE OUTDIR [SUFFIX]
	local tree=$work/tree${3:-}
	if [ ! -d "$1/src" ] || [ ! -f "$1/VERSION" ]; then
		echo "bench: $1 has no src/ and VERSION" >&2
		exit 1
	fi
	mkdir -p "$tree/test/lib"
	cp -r "$1/src" "$1/VERSION" "$tree/"
	cp test/lib/build-modules.sh "$tree/test/lib/"
	if [ -n "${3:-}" ]; then
		sed -i -e "s/^obj-m := kmmap.o vmmap.o\$/obj-m := kmmap$3.o vmmap$3.o/" \
			-e "s/^kmmap-y /kmmap$3-y /" -e "s/^vmmap-y /vmmap$3-y /" "$tree/src/Kbuild"
	fi
	"$tree/test/lib/build-modules.sh" "/lib/modules/$kver/build" "$2" > /dev/null ||
		{ cat "$2/build.log"; exit 1; }
	if [ ! -e "$2/src/kmmap${3:-}.ko" ] || [ ! -e "$2/src/vmmap${3:-}.ko" ]; then
		echo "bench: no kmmap${3:-}.ko and vmmap${3:-}.ko from $1 (src/Kbuild changed?)" >&2
		exit 1
	fi
}

# Builds everything, boots the guest, leaves OUT/console.log and OUT/raw.csv;
# sets status to the guest's.
measure() {
	local modules kos i suffix settings guest
	[ -n "$kver" ] || kver=$(test/lib/host-kernel.sh "$line")
	if [ ! -e "/boot/vmlinuz-$kver" ] || [ ! -d "/lib/modules/$kver/build" ]; then
		echo "bench: no /boot/vmlinuz-$kver or /lib/modules/$kver/build" >&2
		exit 1
	fi

	echo "== building kmmap.ko and vmmap.ko for $kver${src:+ from $src}"
	if [ -n "$src" ]; then
		build_copy "$src" "$work/modules"
	else
		test/lib/build-modules.sh "/lib/modules/$kver/build" "$work/modules" > /dev/null ||
			{ cat "$work/modules/build.log"; exit 1; }
	fi
	modules=(kmmap vmmap)
	kos=("$work/modules/src/kmmap.ko" "$work/modules/src/vmmap.ko")
	for i in "${!compare[@]}"; do
		suffix=_new$([ "$i" = 0 ] || echo $((i + 1)))
		echo "== building kmmap$suffix.ko and vmmap$suffix.ko from ${compare[$i]}"
		build_copy "${compare[$i]}" "$work/modules$suffix" "$suffix"
		modules+=("kmmap$suffix" "vmmap$suffix")
		kos+=("$work/modules$suffix/src/kmmap$suffix.ko" "$work/modules$suffix/src/vmmap$suffix.ko")
	done
	: "${mem:=$((4096 + 2048 * ${#compare[@]}))}"

	settings="MODULES='${modules[*]}'"
	if [ "$quick" = 1 ]; then
		settings+=" BW_PAGES=256 SIZES='16 64 256 1024 4096' REPS=5 SETUP_REPS=3 BIG_REPS=3"
		settings+=" BEST_OF=2 BIG_BEST_OF=2 VMAS='10 100 1000 3000'"
	else
		settings+=" BW_PAGES=1024 SIZES='16 64 256 1024 4096 16384 65536 262144' REPS=$reps"
		settings+=" SETUP_REPS=$(((reps + 1) / 2)) BIG_REPS=7 BIG_PAGES=65536"
		settings+=" BEST_OF=$best_of BIG_BEST_OF=$best_of"
		settings+=" VMAS='10 30 100 300 1000 3000 10000'"
	fi
	{
		echo "$settings"
		cat bench/guest.sh
	} > "$work/guest.sh"

	echo "== booting $kver under QEMU (TCG, $mem MiB); the guest's progress follows"
	# udmabuf's buffers share the memfd baseline's pages: let them be as
	# large as the sweep's (its default size_limit_mb is 64).
	test/lib/guest.sh --timeout 1800 --mem "$mem" --append "udmabuf.size_limit_mb=$((mem / 2))" \
		"/boot/vmlinuz-$kver" "$work/guest.sh" \
		"${kos[@]}" "$out/bench-static" > "$out/console.log" 2>&1 &
	guest=$!
	# The guest's progress lines, while it runs.
	tail -n +1 -f "$out/console.log" --pid "$guest" 2>/dev/null | grep --line-buffered '^# \[' || true
	wait "$guest" || status=$?

	grep -E '^(BENCH|SAMPLES),|^# SKIP ' "$out/console.log" > "$out/raw.csv" || true
	if [ ! -s "$out/raw.csv" ]; then
		tail -n 40 "$out/console.log" >&2
		echo "bench: the guest produced no results (status $status)" >&2
		exit 1
	fi
}

# The plot of OUT/results.csv: a data file per series, then gnuplot.
plot() {
	local variants devices v title
	variants=$(awk -F, 'NR > 1 && $1 == "setup" && !seen[$2]++ { printf "%s ", $2 }' "$out/results.csv")
	devices=$(awk -F, 'NR > 1 && $1 == "procfs" && !seen[$2]++ { printf "%s ", $2 }' "$out/results.csv")
	for v in $variants; do
		awk -F, -v v="$v" '$1 == "setup" && $2 == v { print $3, $7 / 1e6, $10 }' \
			"$out/results.csv" | sort -n > "$work/setup-$v.dat"
	done
	for v in $devices; do
		awk -F, -v v="$v" '$1 == "procfs" && $2 == v { print $5, $7 / 1e3 }' \
			"$out/results.csv" | sort -n > "$work/procfs-$v.dat"
	done
	# Bandwidth ratios as a table: a line per test, a column per variant.
	awk -F, '$2 !~ /^(anon|memcpy|movsq|statm)$/ && $1 ~ /^(stream|read|write)_/ && $13 != "" {
			if (!($1 in seen_t)) { seen_t[$1] = 1; tests[nt++] = $1 }
			if (!($2 in seen_v)) { seen_v[$2] = 1; vars[nv++] = $2 }
			r[$1, $2] = $13
		}
		END {
			printf "test"; for (j = 0; j < nv; j++) printf " %s", vars[j]; print ""
			for (i = 0; i < nt; i++) {
				printf "%s", tests[i]
				for (j = 0; j < nv; j++)
					printf " %s", (tests[i], vars[j]) in r ? r[tests[i], vars[j]] : "NaN"
				print ""
			}
		}' "$out/results.csv" > "$work/ratios.dat"
	title=$(sed -n 's/.*booted \([^,]*\),.*/\1/p' "$out/console.log" 2>/dev/null | head -n 1)
	rm -f "$out"/*.png
	gnuplot -e "dir='$work'; out='$out/results.png'; title='${title:-$kver} (QEMU TCG)'" \
		-e "setup_variants='$variants'; procfs_variants='$devices'" bench/plot.gp
}

# The benchmark: static for the guest's initramfs, dynamic for the report.
cflags=(-O2 -Wall -Wextra -Werror -D_FORTIFY_SOURCE=2)
sources=(bench/bench.c bench/alternatives.c bench/report.c)
cc "${cflags[@]}" -static -o "$out/bench-static" "${sources[@]}" -lm
cc "${cflags[@]}" -o "$out/bench" "${sources[@]}" -lm

status=0
[ "$report_only" = 1 ] || measure
"$out/bench" report "$out/raw.csv" "$out/results.csv"
plot

echo
[ "$status" = 0 ] || echo "bench: the guest reported a problem (status $status); see $out/console.log"
echo "bench: results in ${out#"$top"/}/results.csv and ${out#"$top"/}/results.png; took $((SECONDS - start)) s"
exit "$status"
