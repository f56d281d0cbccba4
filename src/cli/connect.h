/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* cmd_connect: `pvd connect NAMES HOST PORT` (NAMES comma-separated, not
 * empty): pvd_connect's race (RFC 8305) over the PvDs; prints the winner on
 * standard output and the addresses on standard error, then closes the
 * connection.  Returns the exit status. */
int cmd_connect(char *names_arg, const char *host, const char *port);
