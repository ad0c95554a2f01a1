# ScaleCast chart template: one step's timeline, a lane per GPU and per busy
# link, tasks coloured by kind. Filled in by `scalecast chart gantt`; the left
# margin is computed from the lane names.
set terminal pngcairo size 1200,608 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'gantt.png'
set output outfile
set title 'one step' font ",14" noenhanced
set key tmargin center horizontal
set grid xtics lc rgb '#eeeeee'
set xlabel "time in the step (ms)"
set yrange [16:-1]
set xrange [0:2.3247]
set ytics ('gpu0' 0, 'gpu1' 1, 'gpu2' 2, 'gpu3' 3, 'n0.socket0->n0.pcie-switch0' 4, 'n0.pcie-switch1->n0.socket0' 5, 'n0.pcie-switch0->n0.socket0' 6, 'n0.socket0->n0.pcie-switch1' 7, 'gpu3->n0.pcie-switch1' 8, 'n0.pcie-switch1->gpu2' 9, 'n0.pcie-switch0->gpu0' 10, 'gpu1->n0.pcie-switch0' 11, 'n0.pcie-switch0->gpu1' 12, 'n0.pcie-switch1->gpu3' 13, 'gpu0->n0.pcie-switch0' 14, 'gpu2->n0.pcie-switch1' 15) font ",9" noenhanced
set lmargin at screen 0.1748
set style fill solid 0.9 noborder
plot 'gantt.dat' index 0 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#4C72B0' title 'forward', \
     'gantt.dat' index 1 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#55A868' title 'backward', \
     'gantt.dat' index 2 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#8172B3' title 'update', \
     'gantt.dat' index 3 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#DD8452' title 'transfer', \
     'gantt.dat' index 4 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#C44E52' title 'collective'
