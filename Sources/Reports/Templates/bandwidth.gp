# ScaleCast chart template: what-if on link bandwidth, one curve per GPU count.
# Filled in by `scalecast chart bandwidth`.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key top right box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel @XLABEL@ noenhanced
set ylabel "speedup over one GPU (x)"
set yrange [0:*]
set format x "%g"
plot @PLOTS@
