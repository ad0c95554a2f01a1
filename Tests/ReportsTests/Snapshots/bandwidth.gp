# ScaleCast chart template: what-if on a link's bandwidth, one curve per GPU
# count, today's bandwidth marked. Filled in by `scalecast chart bandwidth`.
# The x axis is logarithmic and the y axis linear, so linear scaling (GPUs x one
# GPU's images/s, which no bandwidth exceeds) is drawn as a horizontal line.
set terminal pngcairo size 1000,648 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'bandwidth.png'
set output outfile
set title 'what if the NVLink were faster or slower?' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel 'NVLink (nvlink3) bandwidth per direction (GB/s, log scale)' noenhanced
set ylabel "images per second, whole cluster"
set xrange [120:750]
set yrange [0:4480.0]
set xtics ("150" 150, "200" 200, "300" 300, "400" 400, "500" 500, "600" 600)
set ytics ("0" 0, "1,000" 1000, "2,000" 2000, "3,000" 3000, "4,000" 4000)
set arrow from 300.000000, graph 0 to 300.000000, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'
set arrow from graph 0, first 2000.0 to graph 1, first 2000.0 nohead dt 2 lw 1.2 lc rgb '#4C72B0'
set arrow from graph 0, first 4000.0 to graph 1, first 4000.0 nohead dt 2 lw 1.2 lc rgb '#DD8452'
set label 'today: nvlink3, 300 GB/s' at 300.000000, graph 0.96 left offset 0.6,0 noenhanced
plot 'bandwidth.dat' index 0 using 1:2 title '2 GPUs' with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'bandwidth.dat' index 1 using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '#4C72B0', \
     'bandwidth.dat' index 2 using 1:2 title '4 GPUs' with linespoints lw 2 pt 7 lc rgb '#DD8452', \
     'bandwidth.dat' index 3 using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '#DD8452', \
     NaN title 'dashed: linear scaling, GPUs x one GPU' with lines dt 2 lw 1.2 lc rgb '#555555', \
     NaN title 'circled: the bandwidth now' with points pt 6 ps 2.2 lw 2 lc rgb '#555555'
