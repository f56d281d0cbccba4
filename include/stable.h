/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Stable identifiers derived from a persistent per-host secret: the same PvD
 * gets the same VRF name and table, and the same prefix the same interface
 * identifier, across restarts; an attacker who does not know the secret
 * cannot aim names, tables or addresses at chosen values. */
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define STABLE_SECRET_SIZE 16

/* SipHash-2-4 of data under the 128-bit key. */
uint64_t stable_siphash(const uint8_t key[STABLE_SECRET_SIZE], const void *data, size_t len);

/* The PvD's 24-bit id; `attempt` > 0 picks another on a name collision. */
uint32_t stable_pvd_id(const uint8_t secret[STABLE_SECRET_SIZE], const char *pvd_key, unsigned attempt);

/* "pvd" + 6 hex digits. */
void stable_vrf_name(uint32_t id, char ret[IFNAMSIZ]);

/* "pvd" + 6 hex digits + "." + parent ifindex in hex; -ERANGE if it won't fit. */
int stable_subif_name(uint32_t id, int parent_ifindex, char ret[IFNAMSIZ]);

/* RFC 7217 §5: IID = F(Prefix, Net_Iface, Network_ID, DAD_Counter, secret_key),
 * for a /64 prefix; ret gets prefix | IID.  Network_ID is the PvD name. */
void stable_slaac_address(const uint8_t secret[STABLE_SECRET_SIZE], const struct in6_addr *prefix,
			  const char *ifname, const char *network_id, unsigned dad_counter,
			  struct in6_addr *ret);
