# ScaleCast chart template: what-if on a link's bandwidth, one curve per GPU
# count, today's bandwidth marked. Filled in by `scalecast chart bandwidth`.
# The x axis is logarithmic and the y axis linear, so linear scaling (GPUs x one
# GPU's images/s, which no bandwidth exceeds) is drawn as a horizontal line.
set terminal pngcairo size 1000,692 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'bandwidth.png'
set output outfile
set title 'resnet50 on A100-SXM4-40GB: what if the network (ib-hdr) were faster or'."\n".'slower? (simulated)' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel 'network (ib-hdr) bandwidth per direction (Gb/s, log scale)' noenhanced
set ylabel "images per second, whole cluster"
set xrange [5:8000]
set yrange [0:111190.7]
set xtics ("5" 5, "10" 10, "20" 20, "50" 50, "100" 100, "200" 200, "500" 500, "1,000" 1000, "2,000" 2000, "5,000" 5000)
set ytics ("0" 0, "20,000" 20000, "40,000" 40000, "60,000" 60000, "80,000" 80000, "100,000" 100000)
set arrow from 200.000000, graph 0 to 200.000000, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'
set arrow from graph 0, first 24819.4 to graph 1, first 24819.4 nohead dt 2 lw 1.2 lc rgb '#4C72B0'
set arrow from graph 0, first 49638.7 to graph 1, first 49638.7 nohead dt 2 lw 1.2 lc rgb '#DD8452'
set arrow from graph 0, first 99277.4 to graph 1, first 99277.4 nohead dt 2 lw 1.2 lc rgb '#55A868'
set arrow from 205.120000, graph 0 to 205.120000, graph 1 nohead dt 3 lw 2 lc rgb '#222222'
set label 'pcie4-x16, 205 Gb/s' at 205.120000, graph 0.93 left offset 0.6,0 noenhanced tc rgb '#222222'
set label 'today: ib-hdr, 200 Gb/s' at 200.000000, graph 0.96 right offset -0.6,0 noenhanced
plot 'bandwidth.dat' index 0 using 1:2 title '16 GPUs' with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'bandwidth.dat' index 1 using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '#4C72B0', \
     'bandwidth.dat' index 2 using 1:2 title '32 GPUs' with linespoints lw 2 pt 7 lc rgb '#DD8452', \
     'bandwidth.dat' index 3 using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '#DD8452', \
     'bandwidth.dat' index 4 using 1:2 title '64 GPUs' with linespoints lw 2 pt 7 lc rgb '#55A868', \
     'bandwidth.dat' index 5 using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '#55A868', \
     NaN title 'dashed: linear scaling, GPUs x one GPU' with lines dt 2 lw 1.2 lc rgb '#555555', \
     NaN title 'circled: the bandwidth now' with points pt 6 ps 2.2 lw 2 lc rgb '#555555', \
     NaN title 'dotted: the GPU-NIC PCIe link (pcie4-x16), crossed too' noenhanced with lines dt 3 lw 2 lc rgb '#222222'
