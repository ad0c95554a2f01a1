# ScaleCast chart template: time and cost to train of every configuration
# searched, the Pareto front (numbered, named in the key), the chosen
# configuration, the deadline and the budget. Filled by `scalecast plan --out`.
set terminal pngcairo size 1000,680 enhanced font 'DejaVu Sans,11'
if (!exists("outfile")) outfile = 'costtime.png'
set output outfile
set title 'fixture: time and cost to train, 4 configurations' font ",14" noenhanced
set key bmargin left vertical Left reverse maxcols 1 noenhanced
set grid xtics ytics lc rgb '#dddddd'
set logscale xy
set xlabel "time to train (hours, log scale)"
set ylabel "cost to train (US dollars, log scale)"
set xrange [2:12.5]
set yrange [80:625]
set xtics ("2" 2, "3" 3, "4" 4, "5" 5, "6" 6, "8" 8, "10" 10)
set ytics ("$80" 80, "$100" 100, "$150" 150, "$200" 200, "$300" 300, "$400" 400, "$500" 500, "$600" 600)
set arrow from 6.0000, graph 0 to 6.0000, graph 1 nohead dt 2 lw 1.5 lc rgb '#555555'
set label 'deadline: 6 h' at 6.0000, graph 0.96 left offset 0.6,0
set arrow from graph 0, first 300.00 to graph 1, first 300.00 nohead dt 4 lw 1.5 lc rgb '#555555'
set label 'budget: $300' at graph 0.98, first 300.00 right offset 0,0.7
plot 'costtime.dat' index 0 using 1:2 title 'a configuration searched' with points pt 7 ps 0.6 lc rgb '#9DB4D6', \
     'costtime.dat' index 1 using 1:2 title 'Pareto front: nothing is both cheaper and faster' with linespoints lw 2 pt 7 lc rgb '#C44E52', \
     'costtime.dat' index 1 using 1:2:3 with labels offset 0.9,0.7 font ',10' notitle, \
     'costtime.dat' index 2 using 1:2 title 'chosen: the cheapest that meets the deadline' with points pt 4 ps 2.4 lw 2 lc rgb '#222222', \
     NaN title '1: configuration 1: 10 h, $100' with points pt 7 ps 0 lc rgb '#FFFFFF', \
     NaN title '2: configuration 2: 5 h, $150' with points pt 7 ps 0 lc rgb '#FFFFFF', \
     NaN title '3: configuration 3: 2.5 h, $400' with points pt 7 ps 0 lc rgb '#FFFFFF'
