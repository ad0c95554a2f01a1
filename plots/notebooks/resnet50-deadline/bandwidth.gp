# ScaleCast chart template: what-if on link bandwidth, one curve per GPU count.
# Filled in by `scalecast chart bandwidth`.
set terminal pngcairo size 1000,600 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'bandwidth.png'
set output outfile
set title 'resnet50 on A100-SXM4-40GB: what if the network (ib-hdr) were faster or slower?' font ",14" noenhanced
set key top right box opaque
set grid xtics ytics lc rgb '#dddddd'
set logscale x 10
set xlabel 'network (ib-hdr) bandwidth per direction (Gb/s)' noenhanced
set ylabel "speedup over one GPU (x)"
set yrange [0:*]
set format x "%g"
plot 'bandwidth.dat' index 0 using 1:2 title '16 GPUs' with linespoints lw 2 pt 7, \
     'bandwidth.dat' index 1 using 1:2 title '32 GPUs' with linespoints lw 2 pt 7, \
     'bandwidth.dat' index 2 using 1:2 title '64 GPUs' with linespoints lw 2 pt 7
