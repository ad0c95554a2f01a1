# ScaleCast chart template: one value per configuration against GPU count, a
# curve per run on one axis, each run's linear scaling from its fewest GPUs
# dashed. Filled in by `scalecast chart throughput` and `chart time-to-train`;
# this is timetotrain.gp. Both axes are logarithmic, so linear scaling is a straight line.
set terminal pngcairo size 1000,648 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'timetotrain.png'
set output outfile
set title 'ResNet-50 on 8 to 1,024 A100s: the global batch at scale: time to train, simulated' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set logscale y 10
set xlabel "GPUs"
set ylabel 'time to train (minutes, log scale)'
set xrange [6.1538:1331.2000]
set yrange [0.503801:63.0635]
set xtics ("8" 8, "64" 64, "256" 256, "512" 512, "1024" 1024)
set ytics ("1" 1, "2" 2, "5" 5, "10" 10, "20" 20, "50" 50)
plot 'timetotrain.dat' index 0 using 1:2 title '256 per GPU at any scale' noenhanced with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'timetotrain.dat' index 1 using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '#4C72B0', \
     'timetotrain.dat' index 2 using 1:2 title 'at most 32,768 a step' noenhanced with linespoints lw 2 pt 5 lc rgb '#DD8452', \
     'timetotrain.dat' index 3 using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '#DD8452', \
     NaN title 'dashed: linear scaling from the run’s fewest GPUs, at each point’s epochs' with lines dt 2 lw 1.2 lc rgb '#555555', \
     'timetotrain.dat' index 4 using 1:2 title 'ringed: lower bound (batch above those with epochs)' noenhanced with points pt 6 ps 2.2 lw 1.5 lc rgb '#222222'
