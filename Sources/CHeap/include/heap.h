#ifndef SCALECAST_HEAP_H
#define SCALECAST_HEAP_H

/// Keeps blocks up to `mmap_threshold` bytes in the heap instead of mapping
/// fresh pages for each, never returns freed heap to the kernel, and with
/// `one_arena` keeps one arena for every thread (glibc's mallopt M_MMAP_THRESHOLD,
/// M_TRIM_THRESHOLD and M_ARENA_MAX). Returns 1 if glibc took the settings, 0
/// otherwise (another C library, or a threshold above glibc's maximum).
int scalecast_keep_freed_memory(int mmap_threshold, int one_arena);

#endif
