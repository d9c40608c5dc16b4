// SPDX-License-Identifier: MIT
/*
 * Listing heaps and what is known about them: the nodes in /dev/dma_heap,
 * properties from /sys/class/dma_heap/NAME or /sys/class/dmaheap/NAME (or
 * from a table of heap names), live buffers from the dma-buf core, and the
 * heap's own counters when its kernel module publishes them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#define PROP_CONTIG DMAHEAP_PROP_CONTIGUOUS
#define PROP_CACHED DMAHEAP_PROP_CACHED
#define PROP_NO_CPU DMAHEAP_PROP_SECURE
#define PROP_LIMIT DMAHEAP_PROP_MAX_ADDRESS
#define PROP_ALL (PROP_CONTIG | PROP_CACHED | PROP_NO_CPU | PROP_LIMIT)
#define NO_LIMIT UINT64_MAX
#define BELOW_4G UINT64_C(0xffffffff)

/* How a row of the name table matches a heap's name. */
enum name_match {
	NAME_IS,	/* the whole name */
	NAME_STARTS,	/* a prefix */
	NAME_HAS,	/* anywhere in it */
};

struct name_row {
	const char *text;
	enum name_match match;
	unsigned int known;	/* the properties this row states */
	unsigned int props;	/* of known, those that hold */
	uint64_t max_address;	/* when known has PROP_LIMIT */
};

/*
 * What a heap's name says when its sysfs directory does not: mainline's
 * heaps publish nothing. Every row that matches applies in order, a later
 * one overriding what an earlier one stated; what no row states stays
 * unknown. The same table is in lib/README.md: change both.
 */
static const struct name_row name_table[] = {
	/* system-uncached, system-dma32, ...: page-allocator pages, cached
	 * unless a later row says otherwise; where they lie is not known */
	{ "system", NAME_STARTS, PROP_CONTIG | PROP_CACHED | PROP_NO_CPU, PROP_CACHED },
	/* mainline's system heap: any page anywhere, cached, mappable */
	{ "system", NAME_IS, PROP_ALL, PROP_CACHED, NO_LIMIT },
	/* mainline's CMA heap (its name since 6.17): where the CMA area lies
	 * depends on the machine and the command line, so no limit is stated */
	{ "default_cma_region", NAME_IS, PROP_CONTIG | PROP_CACHED | PROP_NO_CPU,
	  PROP_CONTIG | PROP_CACHED },
	/* mainline's CMA heap before 6.17, default area from cma= or Kconfig */
	{ "reserved", NAME_IS, PROP_CONTIG | PROP_CACHED | PROP_NO_CPU,
	  PROP_CONTIG | PROP_CACHED },
	/* mainline's CMA heap before 6.17, a device-tree area called linux,cma */
	{ "linux,cma", NAME_IS, PROP_CONTIG | PROP_CACHED | PROP_NO_CPU,
	  PROP_CONTIG | PROP_CACHED },
	/* vendors' CMA heaps and carveouts: one physical range per buffer */
	{ "cma", NAME_HAS, PROP_CONTIG, PROP_CONTIG },
	{ "carveout", NAME_HAS, PROP_CONTIG, PROP_CONTIG },
	{ "contig", NAME_HAS, PROP_CONTIG, PROP_CONTIG },
	/* write-combined CPU mappings */
	{ "uncached", NAME_HAS, PROP_CACHED, 0 },
	{ "-wc", NAME_HAS, PROP_CACHED, 0 },
	{ "writecombine", NAME_HAS, PROP_CACHED, 0 },
	/* for devices that address 32 bits: every byte below 4 GiB */
	{ "dma32", NAME_HAS, PROP_LIMIT, 0, BELOW_4G },
	/* memory the CPU may not map, so nothing of it is in the CPU's cache */
	{ "secure", NAME_HAS, PROP_CACHED | PROP_NO_CPU, PROP_NO_CPU },
	{ "protected", NAME_HAS, PROP_CACHED | PROP_NO_CPU, PROP_NO_CPU },
	/* dmaheap's unmapped heaps (carved out, never mapped), should a module
	 * too old to publish their attributes be loaded */
	{ "unmapped", NAME_HAS, PROP_CONTIG | PROP_CACHED | PROP_NO_CPU,
	  PROP_CONTIG | PROP_NO_CPU },
};

static bool name_row_matches(const struct name_row *row, const char *name)
{
	switch (row->match) {
	case NAME_IS:
		return strcmp(name, row->text) == 0;
	case NAME_STARTS:
		return strncmp(name, row->text, strlen(row->text)) == 0;
	case NAME_HAS:
		return strstr(name, row->text) != NULL;
	}
	return false;
}

static void props_from_name(struct dmaheap_heap_info *info)
{
	info->props = info->props_known = 0;
	info->max_address = NO_LIMIT;
	for (size_t i = 0; i < ARRAY_SIZE(name_table); i++) {
		const struct name_row *row = &name_table[i];

		if (!name_row_matches(row, info->name))
			continue;
		info->props = (info->props & ~row->known) | row->props;
		info->props_known |= row->known;
		if (row->known & PROP_LIMIT)
			info->max_address = row->max_address;
	}
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

/* A 0/1 attribute; false (not published) when absent or anything else. */
static bool attr_read_bool(const char *dir, const char *file, bool *value)
{
	char path[PATH_MAX + 256];
	uint64_t number;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (file_read_u64(path, &number) < 0 || number > 1)
		return false;
	*value = number;
	return true;
}

/*
 * max_address: "0xffffffff" (the kernel's %#llx), decimal accepted too. The
 * kernel writes all ones for no limit, so 0 can only be a broken file.
 */
static bool attr_read_address(const char *dir, uint64_t *value)
{
	char path[PATH_MAX + 256], *text;
	bool ok;

	snprintf(path, sizeof(path), "%s/max_address", dir);
	text = file_read_text(path, NULL);
	if (!text)
		return false;
	ok = parse_u64_auto(str_trim(text), value) && *value;
	free(text);
	return ok;
}

static void prop_set(struct dmaheap_heap_info *info, unsigned int prop, bool holds)
{
	info->props = holds ? info->props | prop : info->props & ~prop;
	info->props_known |= prop;
	info->props_published |= prop;
}

/*
 * What dmaheap's modules publish: "contiguous", "cached", "cpu_access" (0/1)
 * and "max_address". Older modules may say "secure" instead of cpu_access;
 * cpu_access wins when both are there. What the kernel says wins over the
 * name table; what it leaves out stays as the table put it.
 */
static void props_from_sysfs(const char *dir, struct dmaheap_heap_info *info)
{
	uint64_t max_address;
	bool value;

	if (attr_read_bool(dir, "contiguous", &value))
		prop_set(info, DMAHEAP_PROP_CONTIGUOUS, value);
	if (attr_read_bool(dir, "cached", &value))
		prop_set(info, DMAHEAP_PROP_CACHED, value);
	if (attr_read_bool(dir, "cpu_access", &value))
		prop_set(info, DMAHEAP_PROP_SECURE, !value);
	else if (attr_read_bool(dir, "secure", &value))
		prop_set(info, DMAHEAP_PROP_SECURE, value);
	if (attr_read_address(dir, &max_address)) {
		/* only a known bit: the value is max_address */
		prop_set(info, DMAHEAP_PROP_MAX_ADDRESS, false);
		info->max_address = max_address;
	}
}

/* A counter that cannot be stored (out of memory) is left out, not fatal. */
static void stat_add(struct dmaheap_heap_info *info, const char *key, const char *value)
{
	struct dmaheap_stat *stats;
	uint64_t number;

	if (!parse_u64(value, &number))
		return;
	stats = realloc((void *)info->stats, (info->num_stats + 1) * sizeof(*stats));
	if (!stats)
		return;
	str_copy(stats[info->num_stats].key, key, DMAHEAP_STAT_KEY_MAX);
	stats[info->num_stats++].value = number;
	info->stats = stats;
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
		qsort((void *)info->stats, info->num_stats, sizeof(info->stats[0]),
		      compare_stat);
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
static void live_from_core(struct dmaheap_heap_info **heaps, size_t count)
{
	struct dmaheap_bufinfo *bufinfo = dmaheap_bufinfo_read();
	char path[PATH_MAX];
	struct dirent *entry;
	DIR *dir;

	for (size_t h = 0; h < count; h++) {
		heaps[h]->live_buffers = bufinfo ? 0 : -1;
		heaps[h]->live_bytes = bufinfo ? 0 : -1;
	}
	if (bufinfo) {
		for (size_t i = 0; i < bufinfo->count; i++) {
			for (size_t h = 0; h < count; h++) {
				if (strcmp(bufinfo->entries[i]->exporter, heaps[h]->name))
					continue;
				heaps[h]->live_buffers++;
				heaps[h]->live_bytes += (int64_t)bufinfo->entries[i]->size;
			}
		}
		dmaheap_bufinfo_free(bufinfo);
		return;
	}
	/* CONFIG_DMABUF_SYSFS_STATS: one directory per buffer */
	dir = opendir("/sys/kernel/dmabuf/buffers");
	if (!dir)
		return;
	for (size_t h = 0; h < count; h++)
		heaps[h]->live_buffers = heaps[h]->live_bytes = 0;
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
		for (size_t h = 0; h < count; h++) {
			if (strcmp(str_trim(exporter), heaps[h]->name) == 0) {
				heaps[h]->live_buffers++;
				heaps[h]->live_bytes += (int64_t)size;
			}
		}
		free(exporter);
	}
	closedir(dir);
}

static int compare_info(const void *a, const void *b)
{
	const struct dmaheap_heap_info *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

struct dmaheap_heap_list *dmaheap_heap_list_get(struct dmaheap_ctx *ctx)
{
	struct dmaheap_heap_info **heaps, **bigger;
	struct dmaheap_heap_list *list;
	size_t capacity = 8;
	struct dirent *entry;
	DIR *dir;

	if (!ctx)
		return error_set_null(EINVAL, "no context given");
	list = calloc(1, sizeof(*list));
	heaps = calloc(capacity, sizeof(heaps[0]));
	if (!list || !heaps) {
		free(list);
		free(heaps);
		return error_set_null(ENOMEM, "out of memory listing heaps");
	}
	list->struct_size = sizeof(*list);
	list->heaps = (const struct dmaheap_heap_info *const *)heaps;
	dir = opendir(ctx->heap_dir);
	if (!dir) {
		if (errno == ENOENT || errno == ENOTDIR)
			return list;
		int err = errno;

		dmaheap_heap_list_free(list);
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
			bigger = realloc(heaps, capacity * sizeof(heaps[0]));
			if (!bigger)
				goto nomem;
			heaps = bigger;
			list->heaps = (const struct dmaheap_heap_info *const *)heaps;
		}
		info = calloc(1, sizeof(*info));
		if (!info)
			goto nomem;
		heaps[list->count++] = info;
		info->struct_size = sizeof(*info);
		str_copy(info->name, entry->d_name, sizeof(info->name));
		if ((size_t)snprintf(info->path, sizeof(info->path), "%s/%s",
				     ctx->heap_dir, entry->d_name) >= sizeof(info->path)) {
			free(heaps[--list->count]);	/* a test's absurdly deep directory */
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
	qsort(heaps, list->count, sizeof(heaps[0]), compare_info);
	live_from_core(heaps, list->count);
	return list;
nomem:
	closedir(dir);
	dmaheap_heap_list_free(list);
	return error_set_null(ENOMEM, "out of memory listing heaps");
}

void dmaheap_heap_list_free(struct dmaheap_heap_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++) {
		free((void *)list->heaps[i]->stats);
		free((void *)list->heaps[i]);
	}
	free((void *)list->heaps);
	free(list);
}
