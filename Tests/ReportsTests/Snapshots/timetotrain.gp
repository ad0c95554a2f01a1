# ScaleCast chart template: one value per configuration against GPU count, a
# curve per run on one axis, each run's linear scaling from its fewest GPUs
# dashed. Filled in by `scalecast chart throughput` and `chart time-to-train`;
# this is timetotrain.gp. Both axes are logarithmic, so linear scaling is a straight line.
set terminal svg size 1000,626 dynamic enhanced font 'DejaVu Sans,11' background rgb 'white' name 'ScaleCast'
if (!exists("outfile")) outfile = 'timetotrain.svg'
set output outfile
set title 'snapshot fixture: time per epoch' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set logscale y 10
set xlabel "GPUs"
set ylabel 'time per epoch (seconds, log scale)'
set xrange [0.7692:5.2000]
set yrange [2.41976:28.7622]
set xtics ("1" 1, "2" 2, "4" 4)
set ytics ("3" 3, "4" 4, "5" 5, "6" 6, "8" 8, "10" 10, "15" 15, "20" 20)
plot 'timetotrain.dat' index 0 using 1:2 title 'data' noenhanced with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'timetotrain.dat' index 1 using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '#4C72B0', \
     'timetotrain.dat' index 2 using 1:2 title 'hybrid' noenhanced with linespoints lw 2 pt 5 lc rgb '#DD8452', \
     'timetotrain.dat' index 3 using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '#DD8452', \
     NaN title 'dashed: linear scaling from the run’s fewest GPUs' with lines dt 2 lw 1.2 lc rgb '#555555'
