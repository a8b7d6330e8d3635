// CMallocCounter: counts heap allocations of the process that links it (benchmark executables only).
#ifndef CMALLOC_COUNTER_H
#define CMALLOC_COUNTER_H

/// Number of malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign and valloc calls so far.
unsigned long long dmimo_malloc_count(void);

#endif
