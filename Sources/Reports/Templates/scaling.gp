# ScaleCast chart template: speedup against GPU count, the ideal line, efficiency
# on the second axis. Filled in by `scalecast chart scaling`.
# Both axes are logarithmic, so perfect scaling (speedup = GPUs) is the straight
# diagonal and a run that scales worse bends below it.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set logscale y 2
set xlabel "GPUs"
set ylabel "speedup over the same run on one GPU (x, log scale)"
set y2label "scaling efficiency (%)"
set xrange @XRANGE@
set yrange @YRANGE@
set y2range [0:110]
set xtics (@XTICS@)
set ytics nomirror (@YTICS@)
set y2tics 0, 20, 100
plot x title "ideal: speedup = GPUs" with lines dt 2 lw 1.5 lc rgb '#888888', \
@PLOTS@
