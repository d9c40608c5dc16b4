// SPDX-License-Identifier: MIT
/*
 * Listing heaps and what is known about them: the nodes in /dev/dma_heap,
 * properties from /sys/class/dma_heap/NAME or /sys/class/dmaheap/NAME (or
 * guessed from the name), live buffers from the dma-buf core, and the heap's
 * own counters when its kernel module publishes them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/* Mainline publishes no properties: guess from the names heaps go by. */
static void props_from_name(struct dmaheap_heap_info *info)
{
	const char *n = info->name;

	info->props_known = DMAHEAP_PROP_CONTIGUOUS | DMAHEAP_PROP_CACHED |
			    DMAHEAP_PROP_SECURE;
	if (strstr(n, "cma") || strcmp(n, "reserved") == 0 || strstr(n, "carveout") ||
	    strstr(n, "contig"))
		info->props |= DMAHEAP_PROP_CONTIGUOUS;
	if (!strstr(n, "uncached") && !strstr(n, "-wc") && !strstr(n, "writecombine"))
		info->props |= DMAHEAP_PROP_CACHED;
	if (strstr(n, "secure") || strstr(n, "protected"))
		info->props |= DMAHEAP_PROP_SECURE;
	if (info->props & DMAHEAP_PROP_SECURE)
		info->props &= ~DMAHEAP_PROP_CACHED;
}

/*
 * The heap's sysfs directory: SYSFS/NAME (class dma_heap: mainline's heaps
 * and dmaheap's own core), or, for dmaheap's heaps beside a kernel's own
 * core, the same NAME in the sibling class "dmaheap", where the statistics
 * and attributes are (the kernel's dma_heap device, if any, has none).
 */
static void heap_sysfs_dir(const struct dmaheap_ctx *ctx, const char *name, char *dir,
			   size_t size)
{
	char probe[PATH_MAX + 128];
	const char *slash = strrchr(ctx->sysfs_dir, '/');
	struct stat st;

	snprintf(probe, sizeof(probe), "%s/%s/stats", ctx->sysfs_dir, name);
	if (stat(probe, &st) < 0 && slash) {
		snprintf(probe, sizeof(probe), "%.*s/dmaheap/%s", (int)(slash - ctx->sysfs_dir),
			 ctx->sysfs_dir, name);
		if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(dir, size, "%s", probe);
			return;
		}
	}
	snprintf(dir, size, "%s/%s", ctx->sysfs_dir, name);
}

/* A module may publish 0/1 attributes "contiguous", "cached", "secure". */
static void props_from_sysfs(const char *dir, struct dmaheap_heap_info *info)
{
	static const struct { const char *file; unsigned int prop; } attrs[] = {
		{ "contiguous", DMAHEAP_PROP_CONTIGUOUS },
		{ "cached", DMAHEAP_PROP_CACHED },
		{ "secure", DMAHEAP_PROP_SECURE },
	};
	unsigned int known = 0, props = 0;
	char path[PATH_MAX + 256];

	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		uint64_t value;

		snprintf(path, sizeof(path), "%s/%s", dir, attrs[i].file);
		if (file_read_u64(path, &value) < 0)
			continue;
		known |= attrs[i].prop;
		if (value)
			props |= attrs[i].prop;
	}
	if (!known)
		return;
	/* what the kernel says wins; the rest stays guessed */
	info->props = (info->props & ~known) | props;
	info->props_from_kernel = 1;
}

static void stat_add(struct dmaheap_heap_info *info, const char *key, const char *value)
{
	uint64_t number;

	if (info->num_stats == DMAHEAP_STATS_MAX || !parse_u64(value, &number))
		return;
	str_copy(info->stats[info->num_stats].key, key, DMAHEAP_STAT_KEY_MAX);
	info->stats[info->num_stats++].value = number;
}

static int compare_stat(const void *a, const void *b)
{
	return strcmp(((const struct dmaheap_stat *)a)->key,
		      ((const struct dmaheap_stat *)b)->key);
}

/*
 * The heap's counters: a directory of one-integer files, or one file of
 * "key: value" (or "key value", "key=value") lines.
 */
static void stats_read(const char *path, struct dmaheap_heap_info *info)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		char file[PATH_MAX + 256], *text;
		struct dirent *entry;
		DIR *dir = opendir(path);

		while (dir && (entry = readdir(dir)) != NULL) {
			if (entry->d_name[0] == '.')
				continue;
			snprintf(file, sizeof(file), "%s/%s", path, entry->d_name);
			text = file_read_text(file, NULL);
			if (text)
				stat_add(info, entry->d_name, str_trim(text));
			free(text);
		}
		if (dir)
			closedir(dir);
		/* readdir's order is the file system's; show them the same every time */
		qsort(info->stats, info->num_stats, sizeof(info->stats[0]), compare_stat);
	} else {
		char *text = file_read_text(path, NULL), *line, *rest;

		for (rest = text; text && (line = strsep(&rest, "\n")) != NULL;) {
			size_t key_len = strcspn(line, ":= \t");
			char *value;

			if (!line[key_len])
				continue;
			line[key_len] = '\0';
			value = str_trim(line + key_len + 1);
			/* "key: value" leaves ':' or '=' in front of the value */
			if (*value == ':' || *value == '=')
				value = str_trim(value + 1);
			stat_add(info, str_trim(line), value);
		}
		free(text);
	}
}

/* Live buffers per exporter name, from bufinfo or /sys/kernel/dmabuf. */
static void live_from_core(struct dmaheap_heap_list *list)
{
	struct dmaheap_bufinfo *bufinfo = dmaheap_bufinfo_read();
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir;

	for (size_t h = 0; h < list->count; h++) {
		list->heaps[h].live_buffers = bufinfo ? 0 : -1;
		list->heaps[h].live_bytes = bufinfo ? 0 : -1;
	}
	if (bufinfo) {
		for (size_t i = 0; i < bufinfo->count; i++) {
			for (size_t h = 0; h < list->count; h++) {
				if (strcmp(bufinfo->entries[i].exporter, list->heaps[h].name))
					continue;
				list->heaps[h].live_buffers++;
				list->heaps[h].live_bytes += (int64_t)bufinfo->entries[i].size;
			}
		}
		dmaheap_bufinfo_free(bufinfo);
		return;
	}
	/* CONFIG_DMABUF_SYSFS_STATS: one directory per buffer */
	dir = opendir("/sys/kernel/dmabuf/buffers");
	if (!dir)
		return;
	for (size_t h = 0; h < list->count; h++)
		list->heaps[h].live_buffers = list->heaps[h].live_bytes = 0;
	while ((entry = readdir(dir)) != NULL) {
		char *exporter;
		uint64_t size = 0;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/dmabuf/buffers/%s/exporter_name",
			 entry->d_name);
		exporter = file_read_text(path, NULL);
		if (!exporter)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/dmabuf/buffers/%s/size",
			 entry->d_name);
		file_read_u64(path, &size);
		for (size_t h = 0; h < list->count; h++) {
			if (strcmp(str_trim(exporter), list->heaps[h].name) == 0) {
				list->heaps[h].live_buffers++;
				list->heaps[h].live_bytes += (int64_t)size;
			}
		}
		free(exporter);
	}
	closedir(dir);
}

static int compare_info(const void *a, const void *b)
{
	return strcmp(((const struct dmaheap_heap_info *)a)->name,
		      ((const struct dmaheap_heap_info *)b)->name);
}

struct dmaheap_heap_list *dmaheap_heap_list_get(struct dmaheap_ctx *ctx)
{
	struct dmaheap_heap_list *list, *bigger;
	size_t capacity = 8;
	struct dirent *entry;
	DIR *dir;

	if (!ctx)
		return error_set_null(EINVAL, "no context given");
	list = calloc(1, sizeof(*list) + capacity * sizeof(list->heaps[0]));
	if (!list)
		return error_set_null(ENOMEM, "out of memory listing heaps");
	dir = opendir(ctx->heap_dir);
	if (!dir) {
		if (errno == ENOENT || errno == ENOTDIR)
			return list;
		int err = errno;

		free(list);
		return error_set_null(err, "cannot list %s: %s", ctx->heap_dir,
				      strerror(err));
	}
	while ((entry = readdir(dir)) != NULL) {
		struct dmaheap_heap_info *info;
		char path[PATH_MAX + 256], sysdir[PATH_MAX + 128];
		int fd;

		if (entry->d_name[0] == '.' || !heap_name_valid(entry->d_name))
			continue;
		if (list->count == capacity) {
			capacity *= 2;
			bigger = realloc(list, sizeof(*list) + capacity * sizeof(list->heaps[0]));
			if (!bigger) {
				closedir(dir);
				free(list);
				return error_set_null(ENOMEM, "out of memory listing heaps");
			}
			list = bigger;
		}
		info = &list->heaps[list->count++];
		memset(info, 0, sizeof(*info));
		str_copy(info->name, entry->d_name, sizeof(info->name));
		if ((size_t)snprintf(info->path, sizeof(info->path), "%s/%s",
				     ctx->heap_dir, entry->d_name) >= sizeof(info->path)) {
			list->count--;	/* a test's absurdly deep directory */
			continue;
		}
		fd = open(info->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			info->open_errno = errno;
		else
			close(fd);
		props_from_name(info);
		heap_sysfs_dir(ctx, info->name, sysdir, sizeof(sysdir));
		props_from_sysfs(sysdir, info);
		snprintf(path, sizeof(path), "%s/stats", sysdir);
		stats_read(path, info);
		if (!info->num_stats) {
			snprintf(path, sizeof(path), "/sys/kernel/debug/dma_heap/%s/stats",
				 info->name);
			stats_read(path, info);
		}
	}
	closedir(dir);
	qsort(list->heaps, list->count, sizeof(list->heaps[0]), compare_info);
	live_from_core(list);
	return list;
}

void dmaheap_heap_list_free(struct dmaheap_heap_list *list)
{
	free(list);
}
