# ScaleCast chart template: time and cost to train of every configuration
# searched, the Pareto front, and the deadline. Filled by `scalecast plan --out`.
@TERMINAL@
@OUTPUT@
set title @TITLE@ font ",14" noenhanced
set key top right box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale xy
set xlabel "time to train (hours)"
set ylabel "cost to train (US dollars)"
set format y "%.0f"
@DEADLINE@
plot 'costtime.dat' index 0 using 1:2 title "configurations" with points pt 7 ps 0.6 lc rgb '#9DB4D6', \
     'costtime.dat' index 1 using 1:2 title "Pareto front" with linespoints lw 2 pt 7 lc rgb '#C44E52'
