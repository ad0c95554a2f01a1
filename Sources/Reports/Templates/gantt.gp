# ScaleCast chart template: one step's timeline, a lane per GPU and per busy
# link, tasks coloured by kind. Filled in by `scalecast chart gantt`; the left
# margin is computed from the lane names.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key tmargin center horizontal
set grid xtics lc rgb '#eeeeee'
set xlabel "time in the step (ms)"
set yrange [@YMAX@:-1]
set xrange [0:@XMAX@]
set ytics (@YTICS@) font ",9" noenhanced
set lmargin at screen @LMARGIN@
set style fill solid 0.9 noborder
plot @PLOTS@
