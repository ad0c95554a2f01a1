# ScaleCast chart template: where a step's time goes, one stacked bar per
# configuration (shares of the step, its length above the bar). Filled in by
# `scalecast chart breakdown`, with the bars' parts (the waits only where a
# configuration has them); the margins are computed from the labels.
set terminal pngcairo size 1050,652 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'breakdown.png'
set output outfile
set title 'Data parallel vs the one weird trick, 2014 PCIe vs 2022 NVSwitch: where the step'."\n".'goes, simulated' font ",14" noenhanced
set key outside right top vertical Left reverse noenhanced
set grid ytics lc rgb '#dddddd'
set ylabel "share of the step, per GPU (%)"
set xrange [-0.60:8.60]
set yrange [0:112]
set ytics 0, 20, 100
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set xtics rotate by 30 right noenhanced nomirror
set lmargin at screen 0.1818
set rmargin at screen 0.7472
set bmargin at screen 0.3022
set tmargin at screen 0.8853
plot 'breakdown.dat' using 2:xtic(1) title 'compute' lc rgb '#4C72B0', \
     '' using 3 title 'exposed communication' lc rgb '#DD8452', \
     '' using 4 title 'idle' lc rgb '#BBBBBB', \
     '' using 0:(100):5 with labels offset 0,0.8 font ",9" notitle
