/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/* The daemon's VRF names, as its clients check them (the CLI, the shim,
 * libpvd): "pvd" and six lowercase hex digits.  Anything else coming from
 * the bus or the environment is refused before it is used. */
#include <stdbool.h>
#include <string.h>

static inline bool pvd_vrf_name_valid(const char *s)
{
	if (!s || strncmp(s, "pvd", 3) != 0 || strlen(s) != 9)
		return false;
	for (int i = 3; i < 9; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}
