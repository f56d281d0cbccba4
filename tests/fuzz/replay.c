/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Corpus replay driver: runs every file named on the command line, and every
 * regular file inside every directory named there, through
 * LLVMFuzzerTestOneInput() once.  Used where libFuzzer is not available, so
 * that the corpus and every regression input run as an ordinary test.
 *
 * Exit status: 0 if at least one input ran (a crash aborts), 1 on I/O
 * errors or when nothing was found.
 */

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (1 << 20)

static int replay_file(const char *path, unsigned *count)
{
	uint8_t *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	buf = malloc(REPLAY_MAX_INPUT);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);

	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	(*count)++;
	return 0;
}

static int replay_path(const char *path, unsigned *count)
{
	struct dirent *de;
	struct stat st;
	int ret = 0;
	DIR *d;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path, count);

	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char child[4096];
		int r;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >= sizeof(child)) {
			ret = -ENAMETOOLONG;
			continue;
		}
		if (stat(child, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		r = replay_file(child, count);
		if (r < 0)
			ret = r;
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int ret = 0;

	if (argc < 2) {
		fprintf(stderr, "Usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) < 0)
			ret = 1;

	printf("replay: %u inputs run\n", count);
	if (count == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	return ret;
}
