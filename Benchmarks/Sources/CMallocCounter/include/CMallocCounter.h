// CMallocCounter: counts heap allocations of the process that links it (benchmark executables only).
#ifndef CMALLOC_COUNTER_H
#define CMALLOC_COUNTER_H

/// Number of malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign and valloc calls so far.
unsigned long long dmimo_malloc_count(void);
/// Counts the calling thread's allocations (from now on) in ``dmimo_malloc_tracked_count``.
void dmimo_malloc_track_this_thread(void);
/// Allocations so far of the threads that called ``dmimo_malloc_track_this_thread`` (readable from any thread).
unsigned long long dmimo_malloc_tracked_count(void);
/// While `on` is non-zero, each tracked allocation prints its call stack to stderr.
void dmimo_malloc_trace_tracked(int on);

#endif
