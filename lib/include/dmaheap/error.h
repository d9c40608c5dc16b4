/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: the last error of the calling thread.
 *
 * Every libdmaheap function that fails returns -1 or NULL, sets errno, and
 * leaves a message here that names what was tried, e.g.
 * "no heap for usage 'scanout': tried default_cma_region, linux,cma, reserved,
 * system; /dev/dma_heap does not exist: load the dmaheap kernel modules".
 */
#ifndef DMAHEAP_ERROR_H
#define DMAHEAP_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The message of the calling thread's most recent libdmaheap failure, or ""
 * when none has failed yet. Like errno, a success does not clear it. The
 * string belongs to the thread and is overwritten by its next failure.
 */
const char *dmaheap_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* DMAHEAP_ERROR_H */
