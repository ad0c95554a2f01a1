# ScaleCast chart template: where a step's time goes, one stacked bar per
# configuration. Filled in by `scalecast chart breakdown`.
set terminal pngcairo size 900,650 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'breakdown.png'
set output outfile
set title 'Data parallel vs the one weird trick, 2014 PCIe vs 2022 NVSwitch: where the step goes' font ",14" noenhanced
set key outside top center horizontal maxrows 1
set grid ytics lc rgb '#dddddd'
set ylabel "time per step, per GPU (ms)"
set yrange [0:*]
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set xtics rotate by 30 right noenhanced
set bmargin 11
set lmargin 18
set rmargin 4
plot 'breakdown.dat' using 2:xtic(1) title "compute" lc rgb '#4C72B0', \
     '' using 3 title "exposed communication" lc rgb '#DD8452', \
     '' using 4 title "idle" lc rgb '#BBBBBB'
