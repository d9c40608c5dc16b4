// SPDX-License-Identifier: MIT
/*
 * Describing dma-buf fds from /proc/PID/fdinfo: size, exporter, name and
 * inode, the identity that proves two processes or devices share one buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/* Fills desc from fdinfo text (modified); false when it is not a dma-buf's. */
bool fdinfo_parse(char *text, struct dmaheap_buf_desc *desc)
{
	bool has_exporter = false, has_size = false;
	char *line, *rest;

	memset(desc, 0, sizeof(*desc));
	desc->struct_size = sizeof(*desc);
	desc->fd = -1;
	for (rest = text; (line = strsep(&rest, "\n")) != NULL;) {
		char *colon = strchr(line, ':'), *value;
		uint64_t number;

		if (!colon)
			continue;
		*colon = '\0';
		value = str_trim(colon + 1);
		if (strcmp(line, "exp_name") == 0) {
			str_copy(desc->exporter, value, sizeof(desc->exporter));
			has_exporter = true;
		} else if (strcmp(line, "name") == 0) {
			str_copy(desc->name, value, sizeof(desc->name));
		} else if (strcmp(line, "size") == 0 && parse_u64(value, &number)) {
			desc->size = number;
			has_size = true;
		} else if (strcmp(line, "count") == 0 && parse_u64(value, &number)) {
			desc->count = (long)number;
		} else if (strcmp(line, "ino") == 0 && parse_u64(value, &number)) {
			desc->inode = number;
		}
	}
	return has_exporter && has_size;
}

/* /proc/self/KIND/FD or /proc/PID/KIND/FD (pid 0: this process) */
static void proc_fd_path(char *buf, size_t len, pid_t pid, const char *kind, int fd)
{
	if (pid == 0)
		snprintf(buf, len, "/proc/self/%s/%d", kind, fd);
	else
		snprintf(buf, len, "/proc/%d/%s/%d", (int)pid, kind, fd);
}

/* Fills desc, a whole struct of this library's size. */
static int describe(pid_t pid, int fd, struct dmaheap_buf_desc *desc)
{
	char path[64], target[256] = "";
	char *text;
	int err;

	if (fd < 0)
		return error_set(EBADF, "fd %d is not a file descriptor", fd);
	proc_fd_path(path, sizeof(path), pid, "fdinfo", fd);
	text = file_read_text(path, NULL);
	if (!text) {
		err = errno;
		if (err == ENOENT && pid && kill(pid, 0) < 0 && errno == ESRCH)
			return error_set(ESRCH, "no process %d", (int)pid);
		if (err == ENOENT)
			return error_set(EBADF, "fd %d is not open (no %s)", fd, path);
		if (err == EACCES || err == EPERM)
			return error_set(err, "cannot read %s: %s (run as the process's "
					 "user or as root)", path, strerror(err));
		return error_set(err, "cannot read %s: %s", path, strerror(err));
	}
	if (!fdinfo_parse(text, desc)) {
		free(text);
		proc_fd_path(path, sizeof(path), pid, "fd", fd);
		if (readlink(path, target, sizeof(target) - 1) < 0)
			str_copy(target, "unknown", sizeof(target));
		return error_set(EINVAL, "fd %d is not a dma-buf (it is %s; its fdinfo "
				 "has no exp_name)", fd, target);
	}
	free(text);
	if (!desc->inode) {
		/* kernels before 5.14 print no "ino:"; the file's inode is the same */
		struct stat st;

		proc_fd_path(path, sizeof(path), pid, "fd", fd);
		if (stat(path, &st) == 0)
			desc->inode = (uint64_t)st.st_ino;
	}
	desc->fd = fd;
	return 0;
}

/* describe() into the caller's desc, which may be of an older or newer size */
static int describe_into(pid_t pid, int fd, struct dmaheap_buf_desc *desc)
{
	struct dmaheap_buf_desc full;

	/* a bad struct_size is the caller's first mistake: say so before anything */
	if (struct_check(desc, BUF_DESC_SIZE_V1, "dmaheap_buf_desc") < 0)
		return -1;
	if (describe(pid, fd, &full) < 0)
		return -1;
	return struct_fill(desc, &full, sizeof(full), BUF_DESC_SIZE_V1, "dmaheap_buf_desc");
}

int dmaheap_describe(int buf_fd, struct dmaheap_buf_desc *desc)
{
	return describe_into(0, buf_fd, desc);
}

int dmaheap_describe_pid(pid_t pid, int fd, struct dmaheap_buf_desc *desc)
{
	if (pid <= 0)
		return error_set(EINVAL, "pid %d is not a process id", (int)pid);
	return describe_into(pid == getpid() ? 0 : pid, fd, desc);
}

static int compare_fd(const void *a, const void *b)
{
	const struct dmaheap_buf_desc *const *x = a, *const *y = b;

	return ((*x)->fd > (*y)->fd) - ((*x)->fd < (*y)->fd);
}

struct dmaheap_proc_bufs *dmaheap_proc_bufs_get(pid_t pid)
{
	struct dmaheap_buf_desc **descs = NULL, **bigger;
	struct dmaheap_proc_bufs *bufs;
	size_t capacity = 16;
	struct dirent *entry;
	char path[64];
	DIR *dir;
	int err;

	if (pid <= 0)
		return error_set_null(EINVAL, "pid %d is not a process id", (int)pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir) {
		err = errno;
		if (err == ENOENT)
			return error_set_null(ESRCH, "no process %d", (int)pid);
		return error_set_null(err, "cannot list %s: %s%s", path, strerror(err),
				      err == EACCES ? " (run as the process's user "
				      "or as root)" : "");
	}
	bufs = calloc(1, sizeof(*bufs));
	if (!bufs || !(descs = calloc(capacity, sizeof(descs[0]))))
		goto nomem;
	bufs->struct_size = sizeof(*bufs);
	bufs->pid = pid;
	bufs->bufs = (const struct dmaheap_buf_desc *const *)descs;
	while ((entry = readdir(dir)) != NULL) {
		struct dmaheap_buf_desc desc = { .struct_size = sizeof(desc) };
		uint64_t fd;

		if (!parse_u64(entry->d_name, &fd) || fd > INT_MAX)
			continue;
		if (fd == (uint64_t)dirfd(dir) && pid == getpid())
			continue;
		/* not a dma-buf, or closed meanwhile: not ours to report */
		if (describe(pid == getpid() ? 0 : pid, (int)fd, &desc) < 0)
			continue;
		if (bufs->count == capacity) {
			capacity *= 2;
			bigger = realloc(descs, capacity * sizeof(descs[0]));
			if (!bigger)
				goto nomem;
			descs = bigger;
			bufs->bufs = (const struct dmaheap_buf_desc *const *)descs;
		}
		descs[bufs->count] = malloc(sizeof(desc));
		if (!descs[bufs->count])
			goto nomem;
		*descs[bufs->count++] = desc;
	}
	closedir(dir);
	qsort(descs, bufs->count, sizeof(descs[0]), compare_fd);
	return bufs;
nomem:
	closedir(dir);
	dmaheap_proc_bufs_free(bufs);
	return error_set_null(ENOMEM, "out of memory listing the dma-bufs of %d",
			      (int)pid);
}

void dmaheap_proc_bufs_free(struct dmaheap_proc_bufs *bufs)
{
	if (!bufs)
		return;
	for (size_t i = 0; i < bufs->count; i++)
		free((void *)bufs->bufs[i]);
	free((void *)bufs->bufs);
	free(bufs);
}
