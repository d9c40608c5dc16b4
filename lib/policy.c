// SPDX-License-Identifier: MIT
/*
 * Heap choice as a policy: usage -> ordered heap names. Built-in defaults,
 * overridden by DMAHEAP_HEAPS and then by the caller (dmaheap_ctx_set_policy).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "private.h"

static const char *const usage_names[DMAHEAP_USAGE_COUNT] = {
	[DMAHEAP_USAGE_SCANOUT] = "scanout",
	[DMAHEAP_USAGE_CAMERA] = "camera",
	[DMAHEAP_USAGE_CODEC] = "codec",
	[DMAHEAP_USAGE_GPU] = "gpu",
	[DMAHEAP_USAGE_CPU] = "cpu",
};

/*
 * Devices without an IOMMU (display controllers, cameras, codecs on most
 * boards) need physically contiguous memory: the CMA heap under each of its
 * names (mainline since 6.17, then the legacy ones libcamera and Kodi know),
 * with the system heap last for devices behind an IOMMU. A GPU has an MMU.
 */
#define CMA_NAMES "default_cma_region", "linux,cma", "reserved"
static const char *const default_lists[DMAHEAP_USAGE_COUNT][POLICY_MAX_HEAPS] = {
	[DMAHEAP_USAGE_SCANOUT] = { CMA_NAMES, "system" },
	[DMAHEAP_USAGE_CAMERA] = { CMA_NAMES, "system" },
	[DMAHEAP_USAGE_CODEC] = { CMA_NAMES, "system" },
	[DMAHEAP_USAGE_GPU] = { "system", CMA_NAMES },
	[DMAHEAP_USAGE_CPU] = { "system" },
};

const char *dmaheap_usage_name(enum dmaheap_usage usage)
{
	if ((unsigned int)usage >= DMAHEAP_USAGE_COUNT)
		return error_set_null(EINVAL, "usage %d is out of range", (int)usage);
	return usage_names[usage];
}

int dmaheap_usage_from_name(const char *name, enum dmaheap_usage *usage)
{
	for (unsigned int i = 0; name && i < DMAHEAP_USAGE_COUNT; i++) {
		if (strcasecmp(name, usage_names[i]) == 0) {
			*usage = (enum dmaheap_usage)i;
			return 0;
		}
	}
	return error_set(EINVAL, "unknown usage '%s' (usages: scanout, camera, "
			 "codec, gpu, cpu)", name ? name : "(null)");
}

bool heap_name_valid(const char *name)
{
	size_t len = strlen(name);

	return len > 0 && len < DMAHEAP_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

void policy_init_defaults(struct policy *policy)
{
	memset(policy, 0, sizeof(*policy));
	for (unsigned int u = 0; u < DMAHEAP_USAGE_COUNT; u++) {
		for (unsigned int i = 0; i < POLICY_MAX_HEAPS && default_lists[u][i]; i++) {
			str_copy(policy->names[u][i], default_lists[u][i], DMAHEAP_NAME_MAX);
			policy->count[u]++;
		}
	}
}

/* One "usage=a,b,c" entry (entry is modified). */
static int policy_apply_entry(struct policy *policy, char *entry, const char *origin)
{
	enum dmaheap_usage usage;
	char *eq = strchr(entry, '='), *key, *list, *name, *rest;
	size_t count = 0;

	if (!eq)
		return error_set(EINVAL, "%s: entry '%s' has no '=' (expected "
				 "usage=heap[,heap...][;usage=...], e.g. "
				 "scanout=mycma,system;cpu=system)", origin, entry);
	*eq = '\0';
	key = str_trim(entry);
	list = str_trim(eq + 1);
	if (dmaheap_usage_from_name(key, &usage) < 0)
		return error_set(EINVAL, "%s: unknown usage '%s' (usages: scanout, "
				 "camera, codec, gpu, cpu)", origin, key);
	if (!*list)
		return error_set(EINVAL, "%s: usage '%s' has an empty heap list",
				 origin, key);
	for (rest = list; (name = strsep(&rest, ",")) != NULL;) {
		name = str_trim(name);
		if (!*name)
			return error_set(EINVAL, "%s: usage '%s' has an empty heap "
					 "name in its list", origin, key);
		if (!heap_name_valid(name))
			return error_set(EINVAL, "%s: usage '%s': '%s' is not a heap "
					 "name (1 to %d bytes, no '/')", origin, key,
					 name, DMAHEAP_NAME_MAX - 1);
		if (count == POLICY_MAX_HEAPS)
			return error_set(EINVAL, "%s: usage '%s' lists more than %d heaps",
					 origin, key, POLICY_MAX_HEAPS);
		str_copy(policy->names[usage][count++], name, DMAHEAP_NAME_MAX);
	}
	policy->count[usage] = count;
	policy->user[usage] = true;
	return 0;
}

int policy_apply(struct policy *policy, const char *spec, const char *origin)
{
	struct policy next = *policy;
	char *copy, *entry, *rest;
	int ret = 0;

	if (!spec)
		return error_set(EINVAL, "%s: no policy given", origin);
	copy = strdup(spec);
	if (!copy)
		return error_set(ENOMEM, "%s: out of memory", origin);
	for (rest = copy; (entry = strsep(&rest, ";")) != NULL;) {
		char *body = str_trim(entry);

		if (!*body)
			continue;	/* empty entries, e.g. a trailing ';', are fine */
		ret = policy_apply_entry(&next, body, origin);
		if (ret < 0)
			break;
	}
	free(copy);
	if (ret == 0)
		*policy = next;
	return ret;
}
