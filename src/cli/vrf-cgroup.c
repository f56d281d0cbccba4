/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vrf_cgroup_enter: bind this process, and everything it will run, to a VRF
 * the way `ip vrf exec` of iproute2 does, in the same cgroup layout, so that
 * `ip vrf identify` and `ip vrf pids` see the command as ip's own:
 *
 *   <own cgroup>[/<netns name>-ns]/vrf/<VRF>
 *
 * <own cgroup> is the caller's cgroup2 group (/proc/self/cgroup's "0::"
 * line) without a trailing "[/<netns>-ns]/vrf/<name>": a command already in
 * a VRF moves to a sibling, it does not nest.  The "<netns>-ns" level is
 * there when this network namespace has a name under /run/netns (ip netns
 * add): VRFs of the same name in two namespaces get two groups, each with
 * its own ifindex.  The group gets a BPF_PROG_TYPE_CGROUP_SOCK program
 * attached as BPF_CGROUP_INET_SOCK_CREATE (one program, replacing any
 * before it) that sets bound_dev_if of every new socket to the VRF's
 * ifindex, for every process in the group and its descendants; then our pid
 * goes into its cgroup.procs.
 *
 * cgroup2 is mounted for the moment on a scratch directory of our private
 * mount namespace (exec_scratch_mount) and detached once we are in the
 * group, whatever the host mounts where: a fresh mount shows the root of our
 * cgroup namespace, which is what /proc/self/cgroup's paths are relative to,
 * and under `ip netns exec` (which remounts /sys) the host's
 * /sys/fs/cgroup is not there at all.  Nothing of it outlives the call.
 *
 * Written from the kernel's UAPI (linux/bpf.h, linux/rtnetlink.h) and its
 * cgroup-v2 documentation; raw bpf(2), no libbpf. */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pvd.h"

#define NETNS_DIR "/run/netns"

/* The kind of a link in an RTM_NEWLINK answer (IFLA_LINKINFO's IFLA_INFO_KIND). */
static int vrf_kind_attr(const struct nlattr *a, void *data)
{
	const char **kind = data;

	if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
		const struct nlattr *li;

		mnl_attr_for_each_nested(li, a)
			if (mnl_attr_get_type(li) == IFLA_INFO_KIND && mnl_attr_validate(li, MNL_TYPE_NUL_STRING) == 0)
				*kind = mnl_attr_get_str(li);
	}
	return MNL_CB_OK;
}

static int vrf_link_answer(const struct nlmsghdr *h, void *data)
{
	int *ifindex = data;
	const char *kind = NULL;

	mnl_attr_parse(h, sizeof(struct ifinfomsg), vrf_kind_attr, &kind);
	if (kind && !strcmp(kind, "vrf"))
		*ifindex = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(h))->ifi_index;
	return MNL_CB_OK;
}

/* The VRF's ifindex, checked to be a VRF (kind "vrf"): 0 and a message if
 * not.  libmnl: one request and its answer, where libnl would fill a cache
 * of every link (and is a heavier library to load for each command). */
static int vrf_ifindex(const char *vrf)
{
	char buf[8192];		/* one link's RTM_NEWLINK, a few hundred octets */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int ifindex = 0, r = -1;
	ssize_t n;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, vrf);
	if (nl && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0 && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) >= 0)
		r = mnl_cb_run(buf, (size_t)n, 1, 0, vrf_link_answer, &ifindex);
	if (r < 0)
		fprintf(stderr, "pvd: exec: VRF %s: %s\n", vrf, strerror(errno));
	else if (!ifindex)
		fprintf(stderr, "pvd: exec: %s is not a VRF\n", vrf);
	if (nl)
		mnl_socket_close(nl);
	return r < 0 ? 0 : ifindex;
}

/* NAME of this network namespace under /run/netns, "" if it has none
 * there (ip's netns names). */
static void netns_name(char *name, size_t size)
{
	struct stat self, st;
	struct dirent *de;
	DIR *d;

	name[0] = '\0';
	if (stat("/proc/self/ns/net", &self) < 0 || !(d = opendir(NETNS_DIR)))
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_DIR, de->d_name);
		if (stat(path, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
			snprintf(name, size, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

/* Drop a trailing "/LAST" from PATH if LAST is its last component. */
static bool strip_last(char *path, const char *last)
{
	char *slash = strrchr(path, '/');

	if (!slash || strcmp(slash + 1, last) != 0)
		return false;
	*slash = '\0';
	return true;
}

/* The group for VRF below the mount MNT: MNT + our own cgroup, without a
 * VRF group we are already in, + "/NETNS-ns" + "/vrf/" + VRF.  -1 and a
 * message on failure. */
static int vrf_group_path(const char *mnt, const char *vrf, char *path, size_t size)
{
	char own[PATH_MAX] = "", netns[NAME_MAX + 4], *slash;
	FILE *f = fopen("/proc/self/cgroup", "re");
	int n;

	if (!f) {
		fprintf(stderr, "pvd: exec: /proc/self/cgroup: %s\n", strerror(errno));
		return -1;
	}
	while (fgets(own, sizeof(own), f) && strncmp(own, "0::/", 4) != 0)
		own[0] = '\0';
	fclose(f);
	if (!own[0]) {
		fprintf(stderr, "pvd: exec: this process is in no cgroup2 group (no \"0::\" line in /proc/self/cgroup)\n");
		return -1;
	}
	memmove(own, own + 3, strlen(own + 3) + 1);
	own[strcspn(own, "\n")] = '\0';
	/* Already in a VRF's group (.../vrf/NAME): its parent's parent. */
	slash = strrchr(own, '/');
	if (slash && slash != own) {
		*slash = '\0';
		if (!strip_last(own, "vrf"))
			*slash = '/';
	}
	netns_name(netns, sizeof(netns) - 3);
	if (netns[0]) {
		strcat(netns, "-ns");
		strip_last(own, netns);
	}
	if (!strcmp(own, "/"))
		own[0] = '\0';
	n = snprintf(path, size, "%s%s%s%s/vrf/%s", mnt, own, netns[0] ? "/" : "", netns, vrf);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "pvd: exec: cgroup path too long: %s%s/...\n", mnt, own);
		return -1;
	}
	return 0;
}

/* mkdir -p of PATH below the existing directory of its first SKIP bytes. */
static int mkdir_below(char *path, size_t skip)
{
	for (char *p = path + skip + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "pvd: exec: creating cgroup %s: %s\n", path, strerror(errno));
			*p = c;
			return -1;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The program: r2 = ifindex; ((struct bpf_sock *)r1)->bound_dev_if = r2;
 * return 1 (allow the socket). */
static int sock_create_prog(int ifindex)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = ifindex },
		{ .code = BPF_STX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_2,
		  .off = offsetof(struct bpf_sock, bound_dev_if) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK;
	attr.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uintptr_t)"GPL";
	return (int)bpf(BPF_PROG_LOAD, &attr);
}

/* Attach the program for IFINDEX to the group at PATH and move us in. */
static int group_join(const char *path, int ifindex)
{
	union bpf_attr attr;
	char pid[24];
	int cg, prog, procs, r = -1;

	if ((cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "pvd: exec: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((prog = sock_create_prog(ifindex)) < 0) {
		fprintf(stderr, "pvd: exec: loading the BPF program that binds sockets to the VRF: %s%s\n",
			strerror(errno), errno == EPERM ? "" : " (a kernel without CONFIG_CGROUP_BPF?)");
		goto out;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (unsigned)cg;
	attr.attach_bpf_fd = (unsigned)prog;
	attr.attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	if (bpf(BPF_PROG_ATTACH, &attr) < 0) {
		fprintf(stderr, "pvd: exec: attaching the BPF program to cgroup %s: %s\n", path, strerror(errno));
		goto close_prog;
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if ((procs = openat(cg, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0 ||
	    write(procs, pid, strlen(pid)) != (ssize_t)strlen(pid)) {
		fprintf(stderr, "pvd: exec: joining cgroup %s: %s\n", path, strerror(errno));
	} else {
		r = 0;
	}
	if (procs >= 0)
		close(procs);
close_prog:
	close(prog);
out:
	close(cg);
	return r;
}

int vrf_cgroup_enter(const char *vrf)
{
	char path[PATH_MAX];
	const char *mnt;
	int ifindex = vrf_ifindex(vrf), r = -1;

	if (!ifindex)
		return -1;
	if (!(mnt = exec_scratch_mount("cgroup2", 0, NULL, "cgroup2")))
		return -1;
	if (vrf_group_path(mnt, vrf, path, sizeof(path)) == 0 && mkdir_below(path, strlen(mnt)) == 0)
		r = group_join(path, ifindex);
	if (umount2(mnt, MNT_DETACH) < 0 && r == 0) {
		fprintf(stderr, "pvd: exec: detaching cgroup2 from %s: %s\n", mnt, strerror(errno));
		r = -1;
	}
	return r;
}
