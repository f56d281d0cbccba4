/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stable.h"

static uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

uint64_t stable_siphash(const uint8_t key[STABLE_SECRET_SIZE], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint8_t last[8] = { 0 };
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	memcpy(last, in + i, len - i);
	last[7] = (uint8_t)len;
	m = le64(last);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t stable_pvd_id(const uint8_t secret[STABLE_SECRET_SIZE], const char *pvd_key, unsigned attempt)
{
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "pvd-id\n%s\n%u", pvd_key, attempt);

	return (uint32_t)stable_siphash(secret, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1) & 0xffffff;
}

void stable_vrf_name(uint32_t id, char ret[IFNAMSIZ])
{
	snprintf(ret, IFNAMSIZ, "pvd%06x", id & 0xffffff);
}

int stable_subif_name(uint32_t id, int parent_ifindex, char ret[IFNAMSIZ])
{
	char buf[32];

	if (parent_ifindex <= 0)
		return -EINVAL;
	snprintf(buf, sizeof(buf), "pvd%06x.%x", id & 0xffffff, (unsigned)parent_ifindex);
	if (strlen(buf) >= IFNAMSIZ)
		return -ERANGE;
	memcpy(ret, buf, strlen(buf) + 1);
	return 0;
}

void stable_slaac_address(const uint8_t secret[STABLE_SECRET_SIZE], const struct in6_addr *prefix,
			  const char *ifname, const char *network_id, unsigned dad_counter,
			  struct in6_addr *ret)
{
	char buf[8 + IFNAMSIZ + 300 + 16];
	uint64_t iid;
	int n;

	memcpy(buf, prefix->s6_addr, 8);
	n = snprintf(buf + 8, sizeof(buf) - 8, "\n%s\n%s\n%u", ifname, network_id, dad_counter);
	if (n < 0 || (size_t)n >= sizeof(buf) - 8)
		n = sizeof(buf) - 9;
	iid = stable_siphash(secret, buf, 8 + n);
	/* RFC 7136: no meaning in the u/g bits; still avoid the reserved
	 * subnet-router anycast IID 0 (RFC 4291 §2.6.1) and RFC 5453 ranges. */
	if (iid == 0 || (iid >> 8) == 0xfdffffffffffffULL)
		iid ^= 0x0200000000000001ULL;
	memcpy(ret->s6_addr, prefix->s6_addr, 8);
	for (int i = 0; i < 8; i++)
		ret->s6_addr[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
}
