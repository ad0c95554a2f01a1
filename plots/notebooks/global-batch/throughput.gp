# ScaleCast chart template: one value per configuration against GPU count, a
# curve per run on one axis, each run's linear scaling from its fewest GPUs
# dashed. Filled in by `scalecast chart throughput` and `chart time-to-train`;
# this is throughput.gp. Both axes are logarithmic, so linear scaling is a straight line.
set terminal pngcairo size 1000,626 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'throughput.png'
set output outfile
set title 'ResNet-50 on 8 to 1,024 A100s: the global batch at scale: images per'."\n".'second, simulated' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 2
set logscale y 10
set xlabel "GPUs"
set ylabel 'images per second, whole cluster (log scale)'
set xrange [6.1538:1331.2000]
set yrange [11867.3:2.37347e+06]
set xtics ("8" 8, "64" 64, "256" 256, "512" 512, "1024" 1024)
set ytics ("20,000" 20000, "50,000" 50000, "100,000" 100000, "200,000" 200000, "500,000" 500000, "1,000,000" 1e+06, "2,000,000" 2e+06)
plot 'throughput.dat' index 0 using 1:2 title '256 per GPU at any scale' noenhanced with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'throughput.dat' index 1 using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '#4C72B0', \
     'throughput.dat' index 2 using 1:2 title 'at most 32,768 a step' noenhanced with linespoints lw 2 pt 5 lc rgb '#DD8452', \
     'throughput.dat' index 3 using 1:2 notitle with lines dt 2 lw 1.2 lc rgb '#DD8452', \
     NaN title 'dashed: linear scaling from the run’s fewest GPUs' with lines dt 2 lw 1.2 lc rgb '#555555'
