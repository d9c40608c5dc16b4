// SPDX-License-Identifier: MIT
/* Small string and file helpers used across libdmaheap. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

bool str_copy(char *dst, const char *src, size_t len)
{
	size_t n = strlen(src);

	if (len == 0)
		return false;
	if (n >= len) {
		memcpy(dst, src, len - 1);
		dst[len - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

char *str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

char *file_read_text(const char *path, size_t *len)
{
	size_t size = 4096, used = 0;
	char *buf, *bigger;
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(size);
	if (!buf)
		goto fail;
	for (;;) {
		if (used + 1 >= size) {
			/* proc and debugfs files report no size: grow as we go */
			bigger = realloc(buf, size * 2);
			if (!bigger)
				goto fail;
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + used, size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

bool parse_u64(const char *s, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*value = v;
	return true;
}

bool parse_u64_auto(const char *s, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return parse_u64(s, value);
	/* strtoull would take a sign or blanks after the 0x */
	if (!isxdigit((unsigned char)s[2]))
		return false;
	errno = 0;
	v = strtoull(s + 2, &end, 16);
	if (errno || *end)
		return false;
	*value = v;
	return true;
}

int file_read_u64(const char *path, uint64_t *value)
{
	char *text = file_read_text(path, NULL);
	bool ok;

	if (!text)
		return -1;
	ok = parse_u64(str_trim(text), value);
	free(text);
	if (!ok) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

bool str_format(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

int struct_check(const void *dst, size_t min_size, const char *what)
{
	size_t size;

	if (!dst)
		return error_set(EINVAL, "no %s to fill", what);
	memcpy(&size, dst, sizeof(size));
	if (size < min_size)
		return error_set(EINVAL, "the %s's struct_size is %zu, less than the %zu "
				 "bytes of the first release: set it to sizeof(struct %s)",
				 what, size, min_size, what);
	return 0;
}

int struct_fill(void *dst, const void *src, size_t lib_size, size_t min_size,
		const char *what)
{
	size_t size, filled;

	if (struct_check(dst, min_size, what) < 0)
		return -1;
	memcpy(&size, dst, sizeof(size));
	filled = size < lib_size ? size : lib_size;
	memcpy(dst, src, filled);
	memset((char *)dst + filled, 0, size - filled);
	memcpy(dst, &filled, sizeof(filled));
	return 0;
}
