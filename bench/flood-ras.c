/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flood-ras: send one RA template to ff02::1 at a paced rate, each copy with
 * fresh random bytes where the template has markers (bench/run's flood).
 *
 *   flood-ras --dev DEV --src LL --rate N --secs S [--at NS] [--text MARK]... [--bytes HEX]... HEX
 *
 * HEX is the ICMPv6 message, as tests/netns/ra.py --print writes it: the
 * encoding stays the test side's own, independent of the daemon's parser.
 * Each --text MARK (ASCII, e.g. inside a PvD name) is replaced in every copy
 * by as many random lowercase hex digits (valid in a DNS label), each
 * --bytes HEX (e.g. the third and fourth groups of a prefix) by as many
 * random octets; each marker must occur exactly once in the template.
 *
 * The socket is a raw ICMPv6 one bound to LL, a link-local address of DEV: the
 * kernel fills in the checksum (RFC 3542 §3.1), the hop limit is 255 (RFC
 * 4861 §6.1.2).  Pacing: copies are due at N per second from the start; the
 * ones due are sent together (sendmmsg, at most BATCH), then it sleeps until
 * the next one is due.  It starts at once or at --at NS (CLOCK_REALTIME, ns:
 * a start planned ahead, so that a process start, slow under emulation,
 * does not fall between two senders), stops S seconds later (what was due
 * and not sent by then, on a slow machine, is not sent), and prints
 *   sent COUNT ms ELAPSED failed FAILED first NS last NS
 * FAILED: copies the kernel refused to send (errno logged once; a veth
 * whose peer's backlog is full does that); first and last: CLOCK_REALTIME
 * of the first and the last sendmmsg() call that sent any (0: none did).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_MARKS 4
#define MAX_MSG 1280

struct mark {
	size_t at, len;
	bool text;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: fast and good enough for names and prefixes nobody guesses. */
static uint64_t flood_rand(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until(clockid_t clock, uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };

	while (clock_nanosleep(clock, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int hex_decode(const char *hex, uint8_t *out, size_t size, size_t *ret_len)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > size)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(&hex[2 * i], "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*ret_len = n / 2;
	return 0;
}

/* Where `needle` occurs in the message: exactly once, else an error. */
static int mark_find(const uint8_t *msg, size_t len, const uint8_t *needle, size_t n, size_t *ret_at)
{
	size_t found = 0, at = 0;

	for (size_t i = 0; n > 0 && i + n <= len; i++)
		if (!memcmp(&msg[i], needle, n)) {
			found++;
			at = i;
		}
	if (found != 1)
		return found ? -EEXIST : -ENOENT;
	*ret_at = at;
	return 0;
}

static void mark_fill(uint8_t *msg, const struct mark *m)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < m->len; i++) {
		uint64_t r = flood_rand();

		msg[m->at + i] = m->text ? (uint8_t)digits[r >> 60] : (uint8_t)(r >> 56);
	}
}

static int open_socket(const char *dev, const char *src_text, int *ret_fd, int *ret_ifindex)
{
	struct sockaddr_in6 src = { .sin6_family = AF_INET6 };
	int fd, hops = 255, off = 0, ifindex = (int)if_nametoindex(dev), r;

	if (!ifindex)
		return -errno;
	if (inet_pton(AF_INET6, src_text, &src.sin6_addr) != 1 || !IN6_IS_ADDR_LINKLOCAL(&src.sin6_addr))
		return -EINVAL;
	src.sin6_scope_id = (uint32_t)ifindex;
	fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	*ret_ifindex = ifindex;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: flood-ras --dev DEV --src LL --rate N --secs S [--at NS] [--text MARK]... "
		"[--bytes HEX]... HEX\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static uint8_t msgs[BATCH][MAX_MSG];
	struct mark marks[MAX_MARKS];
	size_t n_marks = 0, len = 0;
	const char *dev = NULL, *src = NULL, *template = NULL;
	const char *mark_args[MAX_MARKS];
	bool mark_text[MAX_MARKS];
	double rate = 0, secs = 0;
	int fd = -1, ifindex = 0, r, first_errno = 0;
	uint64_t sent = 0, failed = 0, at = 0, first = 0, last = 0, t0, end;

	for (int i = 1; i < argc; i++) {
		bool has_value = i + 1 < argc;

		if (!strcmp(argv[i], "--dev") && has_value)
			dev = argv[++i];
		else if (!strcmp(argv[i], "--src") && has_value)
			src = argv[++i];
		else if (!strcmp(argv[i], "--rate") && has_value)
			rate = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--secs") && has_value)
			secs = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--at") && has_value)
			at = strtoull(argv[++i], NULL, 10);
		else if ((!strcmp(argv[i], "--text") || !strcmp(argv[i], "--bytes")) && has_value &&
			 n_marks < MAX_MARKS) {
			mark_text[n_marks] = !strcmp(argv[i], "--text");
			mark_args[n_marks++] = argv[++i];
		} else if (argv[i][0] != '-' && !template)
			template = argv[i];
		else
			usage();
	}
	if (!dev || !src || !template || !(rate > 0) || !(secs > 0))
		usage();
	if (hex_decode(template, msgs[0], sizeof(msgs[0]), &len) < 0 || len < sizeof(struct nd_router_advert)) {
		fprintf(stderr, "flood-ras: the template is not an RA in hex (at most %d octets)\n", MAX_MSG);
		return 2;
	}
	for (size_t k = 0; k < n_marks; k++) {
		uint8_t needle[MAX_MSG];
		size_t n = strlen(mark_args[k]);

		if (!mark_text[k] && hex_decode(mark_args[k], needle, sizeof(needle), &n) < 0) {
			fprintf(stderr, "flood-ras: --bytes '%s' is not hex\n", mark_args[k]);
			return 2;
		}
		if (mark_text[k])
			memcpy(needle, mark_args[k], n < sizeof(needle) ? n : sizeof(needle));
		r = mark_find(msgs[0], len, needle, n, &marks[k].at);
		if (r < 0) {
			fprintf(stderr, "flood-ras: marker '%s' %s in the template\n", mark_args[k],
				r == -ENOENT ? "does not occur" : "occurs more than once");
			return 2;
		}
		marks[k].len = n;
		marks[k].text = mark_text[k];
	}
	for (int b = 1; b < BATCH; b++)
		memcpy(msgs[b], msgs[0], len);

	r = open_socket(dev, src, &fd, &ifindex);
	if (r < 0) {
		fprintf(stderr, "flood-ras: cannot open a raw ICMPv6 socket from '%s' on '%s': %s\n", src, dev,
			strerror(-r));
		return 1;
	}

	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	struct iovec iov[BATCH];
	struct mmsghdr mm[BATCH];

	inet_pton(AF_INET6, "ff02::1", &to.sin6_addr);
	for (int b = 0; b < BATCH; b++) {
		iov[b] = (struct iovec) { .iov_base = msgs[b], .iov_len = len };
		mm[b] = (struct mmsghdr) { .msg_hdr = {
			.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov[b], .msg_iovlen = 1 } };
	}
	rng_state ^= clock_ns(CLOCK_REALTIME);
	/* With --at the end is planned too (another sender may wait for it):
	 * started late, the flood is shorter, it never catches up in a burst. */
	t0 = clock_ns(CLOCK_MONOTONIC);
	end = t0 + (uint64_t)(secs * 1e9);
	if (at) {
		uint64_t real = clock_ns(CLOCK_REALTIME);
		uint64_t at_mono = at > real ? t0 + (at - real) : t0 - (real - at);

		end = at_mono + (uint64_t)(secs * 1e9);
		sleep_until(CLOCK_MONOTONIC, at_mono);
		t0 = clock_ns(CLOCK_MONOTONIC);
	}
	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC), due, next;
		int n;

		if (now >= end)
			break;
		due = (uint64_t)((double)(now - t0) * rate / 1e9) + 1;
		n = due - (sent + failed) < BATCH ? (int)(due - (sent + failed)) : BATCH;
		if (n <= 0) {
			next = t0 + (uint64_t)((double)(sent + failed) * 1e9 / rate);
			sleep_until(CLOCK_MONOTONIC, next < end ? next : end);
			continue;
		}
		for (int b = 0; b < n; b++)
			for (size_t k = 0; k < n_marks; k++)
				mark_fill(msgs[b], &marks[k]);
		now = clock_ns(CLOCK_REALTIME);
		r = sendmmsg(fd, mm, (unsigned)n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (!first_errno)
				fprintf(stderr, "flood-ras: sendmmsg: %s (counted as failed from now on)\n",
					strerror(errno));
			first_errno = errno;
			failed++;	/* the first of the batch: counted, the rest go next round */
			continue;
		}
		sent += (uint64_t)r;
		first = first ? first : now;
		last = now;
	}
	printf("sent %llu ms %llu failed %llu first %llu last %llu\n", (unsigned long long)sent,
	       (unsigned long long)((clock_ns(CLOCK_MONOTONIC) - t0) / 1000000), (unsigned long long)failed,
	       (unsigned long long)first, (unsigned long long)last);
	close(fd);
	return 0;
}
