# ScaleCast chart template: speedup against GPU count, the ideal line, efficiency
# on the second axis. Filled in by `scalecast chart scaling`.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key top left box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set xlabel "GPUs"
set ylabel "speedup over one GPU (x)"
set y2label "efficiency (%)"
set xrange [@XMIN@:@XMAX@]
set yrange [0:*]
set y2range [0:110]
set ytics nomirror
set y2tics 0, 20, 100
set format x "%g"
set xtics (@XTICS@)
plot x title "ideal" with lines dt 2 lw 1.5 lc rgb '#888888', \
@PLOTS@
