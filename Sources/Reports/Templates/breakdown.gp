# ScaleCast chart template: where a step's time goes, one stacked bar per
# configuration (shares of the step, its length above the bar). Filled in by
# `scalecast chart breakdown`, with the bars' parts (the waits only where a
# configuration has them); the margins are computed from the labels.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key outside right top vertical Left reverse noenhanced
set grid ytics lc rgb '#dddddd'
set ylabel "share of the step, per GPU (%)"
set xrange @XRANGE@
set yrange [0:112]
set ytics 0, 20, 100
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set xtics rotate by @ANGLE@ right noenhanced nomirror
set lmargin at screen @LMARGIN@
set rmargin at screen @RMARGIN@
set bmargin at screen @BMARGIN@
set tmargin at screen @TMARGIN@
plot @PLOTS@
