/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's VRF names, as the CLI and the shim check them (cli/pvd.h,
 * the one definition), for libpvd.  A file of its own: cli/pvd.h also
 * declares the CLI's pvd_resolve(), which is not libpvd's. */
#pragma once
#include <stdbool.h>

bool libpvd_vrf_name_valid(const char *s);
