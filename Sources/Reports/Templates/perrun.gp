# ScaleCast chart template: one value per configuration against GPU count, a
# curve per run on one axis, each run's linear scaling from its fewest GPUs
# dashed. Filled in by `scalecast chart throughput` and `chart time-to-train`;
# this is @NAME@.gp. Both axes are logarithmic, so linear scaling is a straight line.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set logscale y 10
set xlabel "GPUs"
set ylabel @YLABEL@
set xrange @XRANGE@
set yrange @YRANGE@
set xtics (@XTICS@)
set ytics (@YTICS@)
plot @PLOTS@
