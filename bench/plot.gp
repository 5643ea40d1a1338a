# The benchmark's plot, called by bench/run.sh with dir (the data files),
# out (the PNG), title, and the series: setup_variants, procfs_variants.
set terminal pngcairo size 1400,1000 font ",10" noenhanced
set output out
set multiplot layout 2,2 title "mmapdev benchmark, ".title
set key top left Left reverse
set grid

set title "mmap + write one byte per page + munmap"
set logscale xy
set xlabel "buffer size (pages)"
set ylabel "ms per round"
plot for [v in setup_variants] dir."/setup-".v.".dat" using 1:2 with linespoints title v

set title "the same, per page (flat = linear)"
set logscale x
unset logscale y
set yrange [0:*]
set ylabel "ns per page"
plot for [v in setup_variants] dir."/setup-".v.".dat" using 1:3 with linespoints title v

set title "reading the procfs file against the number of VMAs"
set logscale xy
set yrange [*:*]
set xlabel "VMAs of the process"
set ylabel "µs per read"
plot for [v in procfs_variants] dir."/procfs-".v.".dat" using 1:2 with linespoints \
     title (v eq "statm" ? "/proc/self/statm (baseline)" : "/proc/".v)

set title "bandwidth ratios: stream_* to anon, read_*/write_* to memcpy (targets 0.95, 0.8)"
unset logscale
set xlabel ""
set ylabel "ratio"
set yrange [0:*]
set key top left Left reverse horizontal maxrows 2 samplen 2
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set boxwidth 0.9
set xtics rotate by -30
ncols = system("head -n 1 ".dir."/ratios.dat | wc -w") + 0
plot for [i = 2:ncols] dir."/ratios.dat" using i:xtic(1) title columnheader(i), \
     0.95 with lines dashtype 2 lc "black" notitle, 0.8 with lines dashtype 3 lc "black" notitle
unset multiplot
