# ScaleCast chart template: one step's timeline, a lane per GPU and per busy
# link, tasks coloured by kind. Filled in by `scalecast chart gantt`; the left
# margin is computed from the lane names.
set terminal pngcairo size 1200,832 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'gantt.png'
set output outfile
set title 'exact (128K, 128K): alexnet-owt-cc2 on 8 x K20, hybrid (b), exact: one simulated step; 452.7 ms drawn'."\n".'of a 482.7 ms step, the rest waits priced after the simulation (the 16 busiest of 26 links)' font ",14" noenhanced
set key tmargin center horizontal
set grid xtics lc rgb '#eeeeee'
set xlabel "time in the step (ms)"
set yrange [24:-1]
set xrange [0:457.2582]
set ytics ('gpu0' 0, 'gpu1' 1, 'gpu2' 2, 'gpu3' 3, 'gpu4' 4, 'gpu5' 5, 'gpu6' 6, 'gpu7' 7, 'n0.socket0->n0.socket1' 8, 'n0.socket1->n0.pcie-switch2' 9, 'n0.socket1->n0.pcie-switch3' 10, 'n0.socket0->n0.pcie-switch0' 11, 'n0.socket0->n0.pcie-switch1' 12, 'n0.pcie-switch0->n0.socket0' 13, 'n0.pcie-switch2->gpu5' 14, 'n0.pcie-switch3->gpu6' 15, 'gpu0->n0.pcie-switch0' 16, 'n0.pcie-switch0->gpu1' 17, 'n0.pcie-switch1->gpu2' 18, 'n0.pcie-switch2->n0.socket1' 19, 'n0.pcie-switch0->gpu0' 20, 'n0.pcie-switch3->gpu7' 21, 'n0.pcie-switch2->gpu4' 22, 'n0.socket1->n0.socket0' 23) font ",9" noenhanced
set lmargin at screen 0.1748
set style fill solid 0.9 noborder
plot 'gantt.dat' index 0 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#4C72B0' title 'forward', \
     'gantt.dat' index 1 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#55A868' title 'backward', \
     'gantt.dat' index 2 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#8172B3' title 'update', \
     'gantt.dat' index 3 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#DD8452' title 'transfer', \
     'gantt.dat' index 4 using (($2+$3)/2):1:(($3-$2)/2):(0.38) with boxxyerror lc rgb '#C44E52' title 'collective'
