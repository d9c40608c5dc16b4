// SPDX-License-Identifier: MIT
/*
 * The dma-buf core's table of every buffer, /sys/kernel/debug/dma_buf/bufinfo:
 * one line per buffer (size, flags, mode, count, exporter, inode, name), its
 * fences, then "Attached Devices:" and one device per line. The only place
 * the kernel says which devices share a buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define BUFINFO_PATH "/sys/kernel/debug/dma_buf/bufinfo"

void dmaheap_bufinfo_free(struct dmaheap_bufinfo *info)
{
	if (!info)
		return;
	for (size_t i = 0; i < info->count; i++) {
		struct dmaheap_bufinfo_entry *entry = (void *)info->entries[i];

		for (size_t d = 0; d < entry->num_devices; d++)
			free(entry->devices[d]);
		free(entry->devices);
		free(entry);
	}
	free((void *)info->entries);
	free(info);
}

/* "00004096\t00000002\t00080007\t00000003\tsystem\t00012345\tname" */
static bool parse_object_line(char *line, struct dmaheap_bufinfo_entry *entry)
{
	char *field[7], *rest = line;
	size_t n = 0;
	uint64_t size, count, inode;

	while (n < ARRAY_SIZE(field) && rest)
		field[n++] = strsep(&rest, "\t");
	if (n < 6 || !parse_u64(field[0], &size) || !parse_u64(field[3], &count) ||
	    !parse_u64(str_trim(field[5]), &inode))
		return false;
	memset(entry, 0, sizeof(*entry));
	entry->struct_size = sizeof(*entry);
	entry->size = size;
	entry->count = (long)count;
	entry->inode = inode;
	str_copy(entry->exporter, field[4], sizeof(entry->exporter));
	if (n == 7 && strcmp(field[6], "<none>") != 0)
		str_copy(entry->name, field[6], sizeof(entry->name));
	return true;
}

static int add_device(struct dmaheap_bufinfo_entry *entry, const char *name)
{
	char **bigger = realloc(entry->devices,
				(entry->num_devices + 1) * sizeof(entry->devices[0]));
	char *copy;

	if (!bigger)
		return -1;
	entry->devices = bigger;
	copy = strdup(name);
	if (!copy)
		return -1;
	entry->devices[entry->num_devices++] = copy;
	return 0;
}

struct dmaheap_bufinfo *dmaheap_bufinfo_parse(const char *text)
{
	struct dmaheap_bufinfo_entry *current = NULL, **entries = NULL;
	struct dmaheap_bufinfo *info;
	size_t capacity = 0;
	bool in_devices = false;
	char *copy, *line, *rest;

	if (!text)
		return error_set_null(EINVAL, "no bufinfo text given");
	info = calloc(1, sizeof(*info));
	copy = strdup(text);
	if (!info || !copy)
		goto nomem;
	info->struct_size = sizeof(*info);
	for (rest = copy; (line = strsep(&rest, "\n")) != NULL;) {
		struct dmaheap_bufinfo_entry entry;

		if (line[0] == '\t') {
			char *value = str_trim(line);

			if (!current)
				continue;
			if (strcmp(value, "Attached Devices:") == 0)
				in_devices = true;
			else if (in_devices && *value && add_device(current, value) < 0)
				goto nomem;
			continue;
		}
		in_devices = false;
		if (!parse_object_line(line, &entry)) {
			if (strncmp(line, "Total ", 6) != 0)
				current = NULL;	/* something we do not know */
			continue;
		}
		if (info->count == capacity) {
			struct dmaheap_bufinfo_entry **bigger;

			capacity = capacity ? capacity * 2 : 16;
			bigger = realloc(entries, capacity * sizeof(*bigger));
			if (!bigger)
				goto nomem;
			entries = bigger;
			info->entries = (const struct dmaheap_bufinfo_entry *const *)entries;
		}
		current = malloc(sizeof(*current));
		if (!current)
			goto nomem;
		*current = entry;
		entries[info->count++] = current;
	}
	free(copy);
	return info;
nomem:
	free(copy);
	dmaheap_bufinfo_free(info);
	return error_set_null(ENOMEM, "out of memory parsing bufinfo");
}

struct dmaheap_bufinfo *dmaheap_bufinfo_read(void)
{
	struct dmaheap_bufinfo *info;
	char *text = file_read_text(BUFINFO_PATH, NULL);
	int err;

	if (!text) {
		err = errno;
		if (err == ENOENT)
			return error_set_null(ENOENT, "no %s: mount debugfs (mount -t "
					      "debugfs none /sys/kernel/debug) on a "
					      "kernel with CONFIG_DEBUG_FS", BUFINFO_PATH);
		if (err == EACCES || err == EPERM)
			return error_set_null(err, "cannot read %s: %s (debugfs is "
					      "root's)", BUFINFO_PATH, strerror(err));
		return error_set_null(err, "cannot read %s: %s", BUFINFO_PATH,
				      strerror(err));
	}
	info = dmaheap_bufinfo_parse(text);
	free(text);
	return info;
}

const struct dmaheap_bufinfo_entry *
dmaheap_bufinfo_find(const struct dmaheap_bufinfo *info, uint64_t inode)
{
	for (size_t i = 0; info && i < info->count; i++) {
		if (info->entries[i]->inode == inode)
			return info->entries[i];
	}
	return error_set_null(ENOENT, "no buffer with inode %llu in bufinfo",
			      (unsigned long long)inode);
}
