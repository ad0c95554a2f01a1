# ScaleCast chart template: speedup against GPU count, the ideal line, efficiency
# on the second axis. Filled in by `scalecast chart scaling`.
# Both axes are logarithmic, so perfect scaling (speedup = GPUs) is the straight
# diagonal and a run that scales worse bends below it.
set terminal pngcairo size 1000,626 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'scaling.png'
set output outfile
set title 'snapshot fixture: speedup (dotted: efficiency, right axis)' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set logscale y 2
set xlabel "GPUs"
set ylabel "speedup over the same run on one GPU (x, log scale)"
set y2label "scaling efficiency (%)"
set xrange [0.7692:5.2000]
set yrange [0.420648:5]
set y2range [0:110]
set xtics ("1" 1, "2" 2, "4" 4)
set ytics nomirror ("0.5" 0.5, "1" 1, "2" 2, "4" 4)
set y2tics 0, 20, 100
plot x title "ideal: speedup = GPUs" with lines dt 2 lw 1.5 lc rgb '#888888', \
     'scaling.dat' index 0 using 1:2 title 'data' noenhanced with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'scaling.dat' index 0 using 1:3 axes x1y2 notitle with lines dt 3 lw 2 lc rgb '#4C72B0', \
     'scaling.dat' index 1 using 1:2 title 'hybrid' noenhanced with linespoints lw 2 pt 5 lc rgb '#DD8452', \
     'scaling.dat' index 1 using 1:3 axes x1y2 notitle with lines dt 3 lw 2 lc rgb '#DD8452'
