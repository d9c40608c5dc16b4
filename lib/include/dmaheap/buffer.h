/* SPDX-License-Identifier: MIT */
/*
 * libdmaheap: what can be done with any dma-buf fd, whoever exported it:
 * name it, bracket CPU access, and describe it (size, exporter, inode, and
 * the devices attached to it).
 */
#ifndef DMAHEAP_BUFFER_H
#define DMAHEAP_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* DMA_BUF_NAME_LEN in the UAPI, terminating NUL included. */
#define DMAHEAP_BUF_NAME_MAX 32
#define DMAHEAP_EXPORTER_MAX 64

enum dmaheap_access {
	DMAHEAP_ACCESS_READ = 1,
	DMAHEAP_ACCESS_WRITE = 2,
	DMAHEAP_ACCESS_RW = 3,
};

/*
 * DMA_BUF_IOCTL_SYNC start/end around CPU access to a mapping of buf_fd, with
 * the same access on both. Retried on EINTR and EAGAIN. 0, or -1 with errno.
 */
int dmaheap_cpu_begin(int buf_fd, enum dmaheap_access access);
int dmaheap_cpu_end(int buf_fd, enum dmaheap_access access);

/*
 * DMA_BUF_SET_NAME: the name shows in /proc/PID/fdinfo and in debugfs'
 * bufinfo. Longer names are cut to DMAHEAP_BUF_NAME_MAX - 1 bytes.
 */
int dmaheap_buf_set_name(int buf_fd, const char *name);

/* Set struct_size = sizeof(struct dmaheap_buf_desc) before passing one in. */
struct dmaheap_buf_desc {
	size_t struct_size;	/* see dmaheap.h: structs that can grow */
	int fd;			/* the fd it was described through */
	uint64_t size;			/* bytes */
	uint64_t inode;			/* the buffer's identity, the same in every process */
	long count;			/* open file references (fdinfo "count") */
	char exporter[DMAHEAP_EXPORTER_MAX];	/* "system", "udmabuf", ... */
	char name[DMAHEAP_BUF_NAME_MAX];	/* "" when unnamed */
};

/*
 * Describes a dma-buf from /proc/self/fdinfo/FD (or /proc/PID/...). Fails
 * with EBADF for a closed fd, EINVAL for an fd that is not a dma-buf or a
 * struct_size too small, ESRCH for no such process, EACCES when /proc
 * refuses.
 */
int dmaheap_describe(int buf_fd, struct dmaheap_buf_desc *desc);
int dmaheap_describe_pid(pid_t pid, int fd, struct dmaheap_buf_desc *desc);

/* Every dma-buf fd process pid holds (one entry per fd, in fd order). */
struct dmaheap_proc_bufs {
	size_t struct_size;
	pid_t pid;
	size_t count;
	const struct dmaheap_buf_desc *const *bufs;	/* count of them, by fd */
};

/* NULL with errno ESRCH / EACCES / ENOMEM; free with dmaheap_proc_bufs_free. */
struct dmaheap_proc_bufs *dmaheap_proc_bufs_get(pid_t pid);
void dmaheap_proc_bufs_free(struct dmaheap_proc_bufs *bufs);

/*
 * The dma-buf core's view of every buffer in the system
 * (/sys/kernel/debug/dma_buf/bufinfo: debugfs mounted, usually root only),
 * including the devices attached to each buffer.
 */
struct dmaheap_bufinfo_entry {
	size_t struct_size;
	uint64_t size;
	uint64_t inode;
	long count;
	char exporter[DMAHEAP_EXPORTER_MAX];
	char name[DMAHEAP_BUF_NAME_MAX];	/* "" for "<none>" */
	size_t num_devices;
	char **devices;			/* device names, e.g. "vgem", "0000:00:02.0" */
};

struct dmaheap_bufinfo {
	size_t struct_size;
	size_t count;
	const struct dmaheap_bufinfo_entry *const *entries;
};

/* Reads and parses bufinfo: NULL with errno ENOENT (debugfs not mounted) or
 * EACCES (not root), with a message saying what to do. */
struct dmaheap_bufinfo *dmaheap_bufinfo_read(void);
/* Parses bufinfo text; lines it does not understand are skipped. */
struct dmaheap_bufinfo *dmaheap_bufinfo_parse(const char *text);
/* The entry for inode, or NULL (errno ENOENT). */
const struct dmaheap_bufinfo_entry *
dmaheap_bufinfo_find(const struct dmaheap_bufinfo *info, uint64_t inode);
void dmaheap_bufinfo_free(struct dmaheap_bufinfo *info);

#ifdef __cplusplus
}
#endif

#endif /* DMAHEAP_BUFFER_H */
