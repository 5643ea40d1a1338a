# The zero-copy benchmark (bench/README.md): boots a bookworm kernel under
# QEMU TCG with kmmap and vmmap, measures them against anonymous memory,
# a memfd and memcpy, and writes build/bench/results.{csv,png}.
# Not part of "make check". About 3 minutes.
#   make bench                    bookworm's 6.12 line
#   make bench BENCH_LINE=6.1     the 6.1 line; KVER=VERSION an installed kernel
#   make bench BENCH_ARGS='--compare /tmp/copy'   a driver change side by side
#   make bench-quick              a one-minute smoke run (small sizes, few repetitions)

.PHONY: bench bench-quick

bench_kernel = $(if $(filter command line,$(origin KVER)),--kver $(KVER)) \
	       $(if $(BENCH_LINE),--line $(BENCH_LINE))

bench:
	bench/run.sh $(bench_kernel) $(BENCH_ARGS)

bench-quick:
	bench/run.sh --quick --out build/bench-quick $(bench_kernel) $(BENCH_ARGS)
