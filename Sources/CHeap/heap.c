#include "heap.h"

#include <limits.h>   /* any C library header defines __GLIBC__ (through features.h) on glibc */

#if defined(__GLIBC__)
#include <malloc.h>

int scalecast_keep_freed_memory(int mmap_threshold, int one_arena) {
    int mmap = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    int trim = mallopt(M_TRIM_THRESHOLD, INT_MAX);
    int arenas = one_arena ? mallopt(M_ARENA_MAX, 1) : 1;
    return mmap == 1 && trim == 1 && arenas == 1;
}
#else
int scalecast_keep_freed_memory(int mmap_threshold, int one_arena) {
    (void)mmap_threshold;
    (void)one_arena;
    return 0;
}
#endif
