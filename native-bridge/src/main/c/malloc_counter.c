/*
 * A malloc counter for the memory meter's CPU path, preloaded (LD_PRELOAD) into probe processes.
 *
 * Why: reading a tensor's memory from the process's resident peak needs glibc to unmap every freed
 * block at once (a fixed MALLOC_MMAP_THRESHOLD_), so every allocation page-faults afresh: memory
 * probes ran 2-3x slower than the same steps without it. Counting the bytes malloc hands out and
 * takes back gives the same peak (LibTorch's CPU tensors, oneDNN's scratch and autograd's nodes are
 * all malloc'd) with glibc's ordinary reuse, and does not depend on which blocks stay resident, so
 * one process can measure several modes in turn.
 *
 * Every allocation entry point forwards to glibc's own (__libc_*), so no dlsym bootstrapping is
 * needed. A block is counted at its usable size, the bytes it really occupies. The three Java_
 * functions are MallocCounter's native methods: the JVM binds them once System.load names this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static long long live;
static long long peak;

static void *counted(void *p) {
    if (p) {
        long long now = __atomic_add_fetch(&live, (long long) malloc_usable_size(p), __ATOMIC_RELAXED);
        long long seen = __atomic_load_n(&peak, __ATOMIC_RELAXED);
        while (now > seen && !__atomic_compare_exchange_n(&peak, &seen, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
        }
    }
    return p;
}

static void uncounted(void *p) {
    if (p) {
        __atomic_sub_fetch(&live, (long long) malloc_usable_size(p), __ATOMIC_RELAXED);
    }
}

void *malloc(size_t n) { return counted(__libc_malloc(n)); }
void free(void *p) { uncounted(p); __libc_free(p); }
void *calloc(size_t count, size_t n) { return counted(__libc_calloc(count, n)); }
void *memalign(size_t alignment, size_t n) { return counted(__libc_memalign(alignment, n)); }
void *aligned_alloc(size_t alignment, size_t n) { return memalign(alignment, n); }
void *valloc(size_t n) { return memalign(4096, n); }
void *pvalloc(size_t n) { return memalign(4096, (n + 4095) & ~(size_t) 4095); }

void *realloc(void *old, size_t n) {
    size_t before = old ? malloc_usable_size(old) : 0;
    void *p = __libc_realloc(old, n);
    if (p || n == 0) {
        __atomic_sub_fetch(&live, (long long) before, __ATOMIC_RELAXED);
        counted(p);
    }
    return p;
}

int posix_memalign(void **out, size_t alignment, size_t n) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) {
        return EINVAL;
    }
    void *p = __libc_memalign(alignment, n);
    if (!p) {
        return ENOMEM;
    }
    *out = counted(p);
    return 0;
}

long long Java_io_github_revnet_bridge_MallocCounter_liveBytes(void *env, void *cls) {
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

long long Java_io_github_revnet_bridge_MallocCounter_peakBytes(void *env, void *cls) {
    return __atomic_load_n(&peak, __ATOMIC_RELAXED);
}

void Java_io_github_revnet_bridge_MallocCounter_resetPeak(void *env, void *cls) {
    __atomic_store_n(&peak, __atomic_load_n(&live, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}
