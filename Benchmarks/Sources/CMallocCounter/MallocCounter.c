// MallocCounter: interposes the C allocation functions in the executable that links it and counts the calls.
//
// A definition of malloc in the executable takes precedence over glibc's for every caller in the process
// (the Swift runtime, Foundation, libstdc++), because the executable comes first in the dynamic linker's symbol
// search; the glibc entry points __libc_malloc etc. do the actual work. No LD_PRELOAD is needed. Only for
// benchmark executables: never link this into the product.
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>
#include "CMallocCounter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);

static _Atomic unsigned long long allocations;
// the allocations of the threads that called dmimo_malloc_track_this_thread (hop-bench: the panel's thread)
static _Atomic unsigned long long tracked_allocations;
// initial-exec TLS of the executable itself: reading it never allocates
static _Thread_local int this_thread_tracked;

// when set, every tracked allocation prints its call stack to stderr (hop-bench --trace: what allocates)
static _Atomic int trace_tracked;
static _Thread_local int in_trace;

static inline void count(void) {
    atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
    if (this_thread_tracked) {
        atomic_fetch_add_explicit(&tracked_allocations, 1, memory_order_relaxed);
        if (atomic_load_explicit(&trace_tracked, memory_order_relaxed) && !in_trace) {
            in_trace = 1;
            void *frames[24];
            int n = backtrace(frames, 24);  // backtrace_symbols_fd writes without allocating
            backtrace_symbols_fd(frames, n, 2);
            static const char line[] = "----\n";
            (void)!write(2, line, sizeof line - 1);
            in_trace = 0;
        }
    }
}

void dmimo_malloc_trace_tracked(int on) {
    if (on) { void *warm[2]; backtrace(warm, 2); }  // loads libgcc's unwinder now, not inside malloc
    atomic_store_explicit(&trace_tracked, on, memory_order_relaxed);
}

unsigned long long dmimo_malloc_count(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }
void dmimo_malloc_track_this_thread(void) { this_thread_tracked = 1; }
unsigned long long dmimo_malloc_tracked_count(void) {
    return atomic_load_explicit(&tracked_allocations, memory_order_relaxed);
}

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *pointer, size_t size) { count(); return __libc_realloc(pointer, size); }
void free(void *pointer) { __libc_free(pointer); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *valloc(size_t size) { count(); return __libc_valloc(size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
