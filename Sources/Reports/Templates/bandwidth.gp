# ScaleCast chart template: what-if on a link's bandwidth, one curve per GPU
# count, today's bandwidth marked. Filled in by `scalecast chart bandwidth`.
# The x axis is logarithmic and the y axis linear, so linear scaling (GPUs x one
# GPU's images/s, which no bandwidth exceeds) is drawn as a horizontal line.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel @XLABEL@ noenhanced
set ylabel "images per second, whole cluster"
set xrange @XRANGE@
set yrange [0:@YMAX@]
set xtics (@XTICS@)
set ytics (@YTICS@)
set arrow from @TODAY@, graph 0 to @TODAY@, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'
@CEILINGS@
set label @TODAY_LABEL@ at @TODAY@, graph 0.96 @TODAY_SIDE@ noenhanced
plot @PLOTS@
