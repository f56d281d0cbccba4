/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* Shared by the unit tests that feed a registry with hand-built RAs. */
#include <arpa/inet.h>

#include "stable.h"

static const uint8_t secret[STABLE_SECRET_SIZE] = "0123456789abcde";

__attribute__((unused))
static struct in6_addr ip(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}
