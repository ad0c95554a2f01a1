# ScaleCast chart template: time and cost to train of every configuration
# searched, the Pareto front (numbered, named in the key), the chosen
# configuration, the deadline and the budget. Filled by `scalecast plan --out`.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1 noenhanced
set grid xtics ytics lc rgb '#dddddd'
set logscale xy
set xlabel "time to train (hours, log scale)"
set ylabel "cost to train (US dollars, log scale)"
set xrange @XRANGE@
set yrange @YRANGE@
set xtics (@XTICS@)
set ytics (@YTICS@)
@MARKS@
plot @PLOTS@
