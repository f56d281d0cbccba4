/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stable identifiers: SipHash against the paper's vector, name shapes,
 * determinism, and RFC 7217 address properties. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "stable.h"

#include "tap.h"

int main(void)
{
	uint8_t key[16], msg[15], other[16] = { 1 };
	struct in6_addr prefix, a1, a2, a3, a4;
	char name[IFNAMSIZ], sub[IFNAMSIZ];
	uint32_t id;

	for (int i = 0; i < 16; i++)
		key[i] = i;
	for (int i = 0; i < 15; i++)
		msg[i] = i;
	/* SipHash-2-4 paper, appendix A: 15-byte message, key 00..0f. */
	CHECK(stable_siphash(key, msg, sizeof(msg)) == 0xa129ca6149be45e5ULL);
	CHECK(stable_siphash(key, "", 0) == 0x726fdb47dd0e0e31ULL);

	id = stable_pvd_id(key, "a.example", 0);
	CHECK(id <= 0xffffff);
	CHECK(id == stable_pvd_id(key, "a.example", 0));
	CHECK(id != stable_pvd_id(key, "a.example", 1));
	CHECK(id != stable_pvd_id(other, "a.example", 0));
	stable_vrf_name(0xabc, name);
	CHECK(!strcmp(name, "pvd000abc"));
	CHECK(stable_subif_name(0xabc, 12, sub) == 0 && !strcmp(sub, "pvd000abc.c"));
	CHECK(stable_subif_name(0xffffff, 0xfffff, sub) == 0 && !strcmp(sub, "pvdffffff.fffff"));
	CHECK(stable_subif_name(0xffffff, 0x100000, sub) < 0);
	CHECK(stable_subif_name(1, 0, sub) < 0);

	inet_pton(AF_INET6, "2001:db8:a::", &prefix);
	stable_slaac_address(key, &prefix, "eth0", "a.example", 0, &a1);
	stable_slaac_address(key, &prefix, "eth0", "a.example", 0, &a2);
	stable_slaac_address(key, &prefix, "eth0", "a.example", 1, &a3);
	stable_slaac_address(key, &prefix, "eth1", "a.example", 0, &a4);
	CHECK(memcmp(&a1, &a2, 16) == 0);
	CHECK(memcmp(&a1, &prefix, 8) == 0);
	CHECK(memcmp(&a1, &a3, 16) != 0 && memcmp(&a1, &a4, 16) != 0);
	CHECK(memcmp(a1.s6_addr + 8, "\0\0\0\0\0\0\0\0", 8) != 0);

	return tap_done();
}
