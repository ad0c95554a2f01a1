#ifndef SCALECAST_HEAP_H
#define SCALECAST_HEAP_H

/// Keeps blocks up to `mmap_threshold` bytes in the heap instead of mapping
/// fresh pages for each, and never returns freed heap to the kernel (glibc's
/// mallopt M_MMAP_THRESHOLD and M_TRIM_THRESHOLD). Returns 1 if glibc took both
/// settings, 0 otherwise (another C library, or a threshold above glibc's maximum).
int scalecast_keep_freed_memory(int mmap_threshold);

#endif
