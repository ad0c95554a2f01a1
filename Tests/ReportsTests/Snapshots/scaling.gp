# ScaleCast chart template: speedup against GPU count, the ideal line, efficiency
# on the second axis. Filled in by `scalecast chart scaling`.
set terminal pngcairo size 1000,600 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'scaling.png'
set output outfile
set title 'snapshot fixture: speedup (dotted: efficiency, right axis)' font ",14" noenhanced
set key top left box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set xlabel "GPUs"
set ylabel "speedup over one GPU (x)"
set y2label "efficiency (%)"
set xrange [0.7692307692307692:5.2]
set yrange [0:*]
set y2range [0:110]
set ytics nomirror
set y2tics 0, 20, 100
set format x "%g"
set xtics ("1" 1, "2" 2, "4" 4)
plot x title "ideal" with lines dt 2 lw 1.5 lc rgb '#888888', \
     'scaling.dat' index 0 using 1:2 title 'data' noenhanced with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'scaling.dat' index 0 using 1:3 axes x1y2 notitle with lines dt 3 lw 1 lc rgb '#4C72B0', \
     'scaling.dat' index 1 using 1:2 title 'hybrid' noenhanced with linespoints lw 2 pt 7 lc rgb '#DD8452', \
     'scaling.dat' index 1 using 1:3 axes x1y2 notitle with lines dt 3 lw 1 lc rgb '#DD8452'
