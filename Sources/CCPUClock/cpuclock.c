#include "cpuclock.h"
#include <time.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double scalecast_dependent_add_seconds(unsigned long iterations) {
    unsigned long x = 1;
    double start = now_seconds();
    for (unsigned long i = 0; i < iterations; i++) {
#if defined(__x86_64__)
        /* x += x: register-register adds, which no core folds in its renamer as it
           may fold additions of small constants. */
        __asm__ volatile("add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\t"
                         "add %0, %0\n\tadd %0, %0\n\tadd %0, %0\n\tadd %0, %0" : "+r"(x));
#elif defined(__aarch64__)
        __asm__ volatile("add %0, %0, %0\n\tadd %0, %0, %0\n\tadd %0, %0, %0\n\tadd %0, %0, %0\n\t"
                         "add %0, %0, %0\n\tadd %0, %0, %0\n\tadd %0, %0, %0\n\tadd %0, %0, %0" : "+r"(x));
#else
        x += 8; __asm__ volatile("" : "+r"(x));
#endif
    }
    double elapsed = now_seconds() - start;
    __asm__ volatile("" : : "r"(x));
    return elapsed;
}
