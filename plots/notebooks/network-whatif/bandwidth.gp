# ScaleCast chart template: what-if on a link's bandwidth, one curve per GPU
# count, today's bandwidth marked. Filled in by `scalecast chart bandwidth`.
# The x axis is logarithmic and the y axis linear, so linear scaling (GPUs x one
# GPU's images/s, which no bandwidth exceeds) is drawn as a horizontal line.
set terminal pngcairo size 1000,648 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'bandwidth.png'
set output outfile
set title 'VGG-16: vgg16 on A100-SXM4-80GB: what if the network (eth-25g) were faster or'."\n".'slower? (simulated)' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel 'network (eth-25g) bandwidth per direction (Gb/s, log scale)' noenhanced
set ylabel "images per second, whole cluster"
set xrange [0.625:1000]
set yrange [0:18262.6]
set xtics ("1" 1, "10" 10, "100" 100, "1,000" 1000)
set ytics ("0" 0, "2,500" 2500, "5,000" 5000, "7,500" 7500, "10,000" 10000, "12,500" 12500, "15,000" 15000, "17,500" 17500)
set arrow from 25.000000, graph 0 to 25.000000, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'
set arrow from graph 0, first 16305.9 to graph 1, first 16305.9 nohead dt 2 lw 1.2 lc rgb '#4C72B0'
set arrow from 205.120000, graph 0 to 205.120000, graph 1 nohead dt 3 lw 2 lc rgb '#222222'
set label 'pcie4-x16, 205 Gb/s' at 205.120000, graph 0.93 left offset 0.6,0 noenhanced tc rgb '#222222'
set label 'today: eth-25g, 25 Gb/s' at 25.000000, graph 0.96 right offset -0.6,0 noenhanced
plot 'bandwidth.dat' index 0 using 1:2 title '16 GPUs' with linespoints lw 2 pt 7 lc rgb '#4C72B0', \
     'bandwidth.dat' index 1 using 1:2 notitle with points pt 6 ps 2.2 lw 2 lc rgb '#4C72B0', \
     NaN title 'dashed: linear scaling, GPUs x one GPU' with lines dt 2 lw 1.2 lc rgb '#555555', \
     NaN title 'circled: the bandwidth now' with points pt 6 ps 2.2 lw 2 lc rgb '#555555', \
     NaN title 'dotted: the GPU-NIC PCIe link (pcie4-x16), crossed too' noenhanced with lines dt 3 lw 2 lc rgb '#222222'
