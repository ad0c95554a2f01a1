# ScaleCast chart template: where a step's time goes, one stacked bar per
# configuration (shares of the step, its length above the bar). Filled in by
# `scalecast chart breakdown`, with the bars' parts (the waits only where a
# configuration has them); the margins are computed from the labels.
set terminal svg size 900,650 dynamic enhanced font 'DejaVu Sans,11' background rgb 'white' name 'ScaleCast'
if (!exists("outfile")) outfile = 'breakdown.svg'
set output outfile
set title 'where the step goes' font ",14" noenhanced
set key outside right top vertical Left reverse noenhanced
set grid ytics lc rgb '#dddddd'
set ylabel "share of the step, per GPU (%)"
set xrange [-0.60:5.60]
set yrange [0:112]
set ytics 0, 20, 100
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.7
set xtics rotate by 30 right noenhanced nomirror
set lmargin at screen 0.0889
set rmargin at screen 0.7051
set bmargin at screen 0.1464
set tmargin at screen 0.9194
plot 'breakdown.dat' using 2:xtic(1) title 'compute' lc rgb '#4C72B0', \
     '' using 3 title 'exposed communication' lc rgb '#DD8452', \
     '' using 4 title 'idle' lc rgb '#BBBBBB', \
     '' using 0:(100):5 with labels offset 0,0.8 font ",9" notitle
