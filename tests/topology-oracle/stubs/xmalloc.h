/* Stand-in for CRIU's xmalloc.h. */
#ifndef HARNESS_XMALLOC_H
#define HARNESS_XMALLOC_H
#include <stdlib.h>
#define xmalloc(size)  malloc(size)
#define xzalloc(size)  calloc(1, size)
#define xfree(p)       free(p)
#endif
