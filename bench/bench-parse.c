/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-parse: ndisc_parse_ra() on one realistic RA against memcpy() of the
 * same bytes, side by side in one process.
 *
 *   bench-parse time [REPS]     median ns per call of each, REPS (default 21)
 *                               repetitions of a batch, interleaved
 *   bench-parse once N parse|copy
 *                               N calls of one of them, for
 *                               valgrind --tool=callgrind --toggle-collect=bench_one_*
 *
 * Output of `time`: "parse_ns <median>\ncopy_ns <median>".
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndisc.h"

/* The RA: header, SLLA, then one PvD option (RFC 8801 §3.1) with the R flag
 * and an RA header, holding 2 PIO, 1 RIO, 1 RDNSS and 1 DNSSL. */
static const uint8_t ra_pkt[] = {
	/* RA header: hop limit 64, M=0 O=0, lifetime 1800 */
	0x86, 0x00, 0x00, 0x00, 0x40, 0x00, 0x07, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* SLLA 52:54:00:ab:cd:ef */
	0x01, 0x01, 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef,
	/* PvD, Length 21 (168 octets), R=1, sequence 7, "pvd.example.org" (17) + 1 pad */
	0x15, 21, 0x20, 0x00, 0x00, 0x07,
	3, 'p', 'v', 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o', 'r', 'g', 0,
	0,
	/* inner RA header (16): hop 64, lifetime 1800, reachable 30000, retrans 1000 */
	0x86, 0x00, 0x00, 0x00, 0x40, 0x08, 0x07, 0x08,
	0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x03, 0xe8,
	/* PIO 2001:db8:1::/64 L A */
	0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
	0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* PIO 2001:db8:2::/64 L A */
	0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
	0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* RIO 2001:db8:100::/48, lifetime 600, Length 2 */
	0x18, 0x02, 0x30, 0x00, 0x00, 0x00, 0x02, 0x58,
	0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0x00, 0x00,
	/* RDNSS 2001:db8::53, lifetime 1200 */
	0x19, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53,
	/* DNSSL "example.com", lifetime 1200 */
	0x1f, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0xb0,
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 0, 0,
};

static const struct in6_addr src_ll = { .s6_addr = { 0xfe, 0x80, [15] = 0x01 } };
static struct ndisc_ra ra;
static uint8_t copy_buf[sizeof(ra_pkt)];

/* Keep the compiler from dropping or merging the work. */
#define BARRIER(p) __asm__ volatile("" : : "r"(p) : "memory")

__attribute__((noinline)) void bench_one_parse(void);
__attribute__((noinline)) void bench_one_copy(void);

__attribute__((noinline)) void bench_one_parse(void)
{
	enum ndisc_reason reason;
	const uint8_t *p = ra_pkt;

	BARRIER(p);
	if (ndisc_parse_ra(p, sizeof(ra_pkt), &src_ll, 255, 2, &ra, &reason) < 0)
		abort();
	BARRIER(&ra);
}

__attribute__((noinline)) void bench_one_copy(void)
{
	const uint8_t *p = ra_pkt;
	size_t n = sizeof(ra_pkt);

	/* An opaque length, as for a received packet: a real memcpy() call,
	 * not a few inlined vector moves of a constant size. */
	BARRIER(p);
	__asm__ volatile("" : "+r"(n));
	memcpy(copy_buf, p, n);
	BARRIER(copy_buf);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double batch(void (*fn)(void), long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		fn();
	return (now_ns() - t0) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench-parse time [REPS] | bench-parse once N parse|copy\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum ndisc_reason reason;

	/* The packet must be what the bench says it is. */
	if (ndisc_parse_ra(ra_pkt, sizeof(ra_pkt), &src_ll, 255, 2, &ra, &reason) < 0 ||
	    !ra.has_pvd || !ra.pvd.has_ra_header || ra.pvd.options.n_prefixes != 2 ||
	    ra.pvd.options.n_routes != 1 || ra.pvd.options.n_rdnss != 1 ||
	    ra.pvd.options.n_dnssl != 1 || ra.n_ignored != 0 || !ra.options.has_lladdr) {
		fprintf(stderr, "bench-parse: the bench RA does not parse as intended\n");
		return 1;
	}

	if (argc >= 2 && !strcmp(argv[1], "time") && argc <= 3) {
		int reps = argc == 3 ? atoi(argv[2]) : 21;
		double *tp, *tc;
		long n_parse = 20000, n_copy = 2000000;

		if (reps < 1 || reps > 1000)
			return usage();
		tp = calloc((size_t)reps, sizeof(*tp));
		tc = calloc((size_t)reps, sizeof(*tc));
		if (!tp || !tc)
			return 1;
		batch(bench_one_parse, n_parse);	/* warm up */
		batch(bench_one_copy, n_copy);
		for (int i = 0; i < reps; i++) {
			tp[i] = batch(bench_one_parse, n_parse);
			tc[i] = batch(bench_one_copy, n_copy);
		}
		printf("parse_ns %.2f\ncopy_ns %.2f\nbytes %zu\n", median(tp, reps),
		       median(tc, reps), sizeof(ra_pkt));
		free(tp);
		free(tc);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "once")) {
		long n = atol(argv[2]);

		if (n < 1)
			return usage();
		if (!strcmp(argv[3], "parse"))
			batch(bench_one_parse, n);
		else if (!strcmp(argv[3], "copy"))
			batch(bench_one_copy, n);
		else
			return usage();
		return 0;
	}
	return usage();
}
