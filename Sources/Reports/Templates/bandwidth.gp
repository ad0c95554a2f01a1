# ScaleCast chart template: what-if on link bandwidth, one curve per GPU count.
# Placeholders (@NAME@) are filled by `scalecast chart bandwidth`.
@TERMINAL@
set output '@OUTPUT@'
set title "@TITLE@" font ",14"
set key top right box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel "@XLABEL@"
set ylabel "speedup over one GPU (x)"
set yrange [0:*]
set format x "%g"
plot @PLOTS@
