#ifndef SCALECAST_CPUCLOCK_H
#define SCALECAST_CPUCLOCK_H

/// Runs `iterations` x 8 dependent register additions (one per cycle on any
/// out-of-order x86 or Arm core: each needs the result of the one before) and
/// returns the seconds they took, so cycles / seconds is the core's clock.
double scalecast_dependent_add_seconds(unsigned long iterations);

#endif
