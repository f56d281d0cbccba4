/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "../cli/pvd.h"
#include "vrf-name.h"

bool libpvd_vrf_name_valid(const char *s)
{
	return pvd_vrf_name_valid(s);
}
