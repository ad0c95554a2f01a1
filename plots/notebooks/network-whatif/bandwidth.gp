# ScaleCast chart template: what-if on link bandwidth, one curve per GPU count.
# Filled in by `scalecast chart bandwidth`.
set terminal pngcairo size 1000,600 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'bandwidth.png'
set output outfile
set title 'VGG-16: vgg16 on A100-SXM4-80GB: what if the network (eth-25g) were faster or slower?' font ",14" noenhanced
set key top right box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel 'network (eth-25g) bandwidth per direction (Gb/s)' noenhanced
set ylabel "speedup over one GPU (x)"
set yrange [0:*]
set format x "%g"
plot 'bandwidth.dat' index 0 using 1:2 title '16 GPUs' with linespoints lw 2 pt 7
