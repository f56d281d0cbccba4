/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Addresses (libmnl: IFA_PROTO), and the probe that the kernel keeps it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "internal.h"
#include "log.h"

/* ---- addresses (libmnl: IFA_PROTO) ---- */

/* Parse an IPv6 RTM_NEWADDR/RTM_DELADDR; returns false for anything else. */
bool kernel_addr_parse(const struct nlmsghdr *h, struct kernel_addr *ret)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *attr;
	bool have_addr = false, have_local = false;
	struct kernel_addr a;

	if ((h->nlmsg_type != RTM_NEWADDR && h->nlmsg_type != RTM_DELADDR) ||
	    h->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) || ifa->ifa_family != AF_INET6)
		return false;
	a = (struct kernel_addr) {
		.ifindex = (int)ifa->ifa_index,
		.plen = ifa->ifa_prefixlen,
		.flags = ifa->ifa_flags,
		.valid_until = KERNEL_FOREVER,
		.preferred_until = KERNEL_FOREVER,
	};
	mnl_attr_for_each(attr, h, sizeof(*ifa)) {
		uint16_t type = mnl_attr_get_type(attr);

		if ((type == IFA_ADDRESS || type == IFA_LOCAL) &&
		    mnl_attr_get_payload_len(attr) == sizeof(struct in6_addr)) {
			/* IFA_LOCAL wins: IFA_ADDRESS is the peer when both differ. */
			if (type == IFA_LOCAL || !have_local)
				memcpy(&a.addr, mnl_attr_get_payload(attr), sizeof(a.addr));
			have_local |= type == IFA_LOCAL;
			have_addr = true;
		} else if (type == IFA_FLAGS && mnl_attr_validate(attr, MNL_TYPE_U32) >= 0) {
			a.flags = mnl_attr_get_u32(attr);
		} else if (type == IFA_PROTO && mnl_attr_validate(attr, MNL_TYPE_U8) >= 0) {
			a.proto = mnl_attr_get_u8(attr);
		} else if (type == IFA_CACHEINFO && mnl_attr_get_payload_len(attr) >= sizeof(struct ifa_cacheinfo)) {
			/* Seconds left, INFINITY_LIFE_TIME (UINT32_MAX) for forever. */
			const struct ifa_cacheinfo *ci = mnl_attr_get_payload(attr);
			uint64_t now = kernel_now_ms();

			a.valid_until = ci->ifa_valid == UINT32_MAX ? KERNEL_FOREVER : now + ci->ifa_valid * 1000ULL;
			a.preferred_until = ci->ifa_prefered == UINT32_MAX ? KERNEL_FOREVER :
					    now + ci->ifa_prefered * 1000ULL;
		}
	}
	if (!have_addr)
		return false;
	*ret = a;
	return true;
}

static int kernel_addr_collect(const struct nlmsghdr *h, void *data)
{
	const struct kernel_collect *c = data;
	struct kernel_addr a, *p;

	if (!kernel_addr_parse(h, &a) || (c->ifindex && a.ifindex != c->ifindex))
		return 0;
	p = kernel_vec_push(c->vec);
	if (!p)
		return -ENOMEM;
	*p = a;
	return 0;
}

/* The IPv6 addresses of one link (0: all), appended to vec. */
int kernel_addrs_dump(struct kernel *k, int ifindex, struct kernel_vec *vec)
{
	return kernel_dump(k, RTM_GETADDR, AF_INET6, 0, ifindex, kernel_addr_collect, vec, "addresses");
}

static int kernel_addr_send(struct kernel *k, uint16_t type, uint16_t flags, int ifindex,
			    const struct in6_addr *addr, uint8_t plen, const struct kaddr *want,
			    char *ext, size_t extlen)
{
	char buf[KERNEL_MSG_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(*addr), addr);
	if (want) {
		struct ifa_cacheinfo ci = {
			.ifa_prefered = want->preferred,
			.ifa_valid = want->valid,
		};

		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
		/* The daemon installs the prefix route itself, in the VRF's table. */
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NOPREFIXROUTE);
		mnl_attr_put_u8(nlh, IFA_PROTO, k->cfg.addr_proto);
	}
	return kernel_talk(k, nlh, NULL, NULL, ext, extlen);
}

/* Delete `addr` (which may be an entry of the cache) and drop it from the cache. */
static int kernel_addr_delete(struct kernel *k, const struct kernel_addr *addr)
{
	const struct kernel_addr a = *addr;
	char ext[KERNEL_EXTACK_MAX], s[INET6_ADDRSTRLEN], dev[IFNAMSIZ];
	int r;

	r = kernel_addr_send(k, RTM_DELADDR, 0, a.ifindex, &a.addr, a.plen, NULL, ext, sizeof(ext));
	if (!rtnl_link_i2name(k->links, a.ifindex, dev, sizeof(dev)))
		snprintf(dev, sizeof(dev), "%d", a.ifindex);
	if (r < 0 && r != -EADDRNOTAVAIL && r != -ENODEV)
		return kernel_fail(r, ext, "delete address %s/%u from '%s'", kernel_in6_str(&a.addr, s), a.plen, dev);
	kernel_cache_addr_update(k, RTM_DELADDR, &a);
	if (r == 0)
		log_info("removed address %s/%u from '%s'", kernel_in6_str(&a.addr, s), a.plen, dev);
	/* else gone already */
	return 0;
}

/* Addresses by (ifindex, address, prefix length): the cache is kept in this
 * order and the desired ones are sorted once per reconciliation, both
 * searched by bisection, as routes are (routes.c), never scanned for each
 * other's entries. */
int kernel_addr_cmp(const void *x, const void *y)
{
	const struct kernel_addr *a = x, *b = y;
	int c = memcmp(&a->addr, &b->addr, sizeof(a->addr));

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return c ? c : (a->plen > b->plen) - (a->plen < b->plen);
}

int kernel_addr_link_cmp(const void *x, const void *y)
{
	const struct kernel_addr *a = x, *b = y;

	return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
}

const struct kernel_addr *kernel_addr_lookup(const struct kernel_vec *v, int ifindex, const struct in6_addr *addr)
{
	const struct kernel_addr key = { .ifindex = ifindex, .addr = *addr, .plen = 0 };
	size_t i = kernel_vec_lower(v, &key, kernel_addr_cmp);
	const struct kernel_addr *a = (const struct kernel_addr *)v->v + i;

	return i < v->n && a->ifindex == ifindex && IN6_ARE_ADDR_EQUAL(&a->addr, addr) ? a : NULL;
}

/* The desired addresses on links we made, sorted: ifindex, address and
 * prefix length (nothing else is filled in). */
int kernel_addr_index_build(struct kernel *k, const struct kernel_state *want, struct kernel_vec *ret)
{
	struct kernel_vec all = { .size = sizeof(struct kernel_addr) };
	int r;

	for (size_t i = 0; i < want->n_addrs; i++) {
		const struct kaddr *w = &want->addrs[i];
		/* Only our links hold addresses of ours (kernel_addr_apply). */
		const struct kernel_owned *o = kernel_owned_by_name(k, w->dev);
		struct kernel_addr *a;

		if (!o)
			continue;
		a = kernel_vec_push(&all);
		if (!a) {
			kernel_vec_done(&all);
			return -ENOMEM;
		}
		*a = (struct kernel_addr) { .ifindex = o->l.ifindex, .addr = w->addr, .plen = w->plen };
	}
	r = kernel_vec_sorted_copy(&all, kernel_addr_cmp, ret);
	kernel_vec_done(&all);
	return r;
}

bool kernel_addr_wanted(const struct kernel_vec *want, const struct kernel_addr *a)
{
	size_t i = kernel_vec_lower(want, a, kernel_addr_cmp);

	return i < want->n && !kernel_addr_cmp((const struct kernel_addr *)want->v + i, a);
}

static uint64_t kernel_lifetime_until(uint32_t s, uint64_t now)
{
	return s == UINT32_MAX ? KERNEL_FOREVER : now + (uint64_t)s * 1000;
}

/* Add or refresh w; `have`: the cache as it was before this stage, sorted
 * (its other requests are about other addresses). */
static int kernel_addr_apply(struct kernel *k, const struct kaddr *w, const struct kernel_vec *have, uint64_t now)
{
	char ext[KERNEL_EXTACK_MAX], s[INET6_ADDRSTRLEN];
	const struct kernel_owned *o;
	const struct kernel_addr *cur;
	struct kernel_addr made;
	int ifindex, r;

	/* The address's text only for a message: most calls send nothing. */
	o = kernel_owned_by_name(k, w->dev);
	if (!o)
		return kernel_fail(-ENODEV, NULL, "add address %s/%u on '%s': not a link we made",
				   kernel_in6_str(&w->addr, s), w->plen, w->dev);
	ifindex = o->l.ifindex;
	if (!kernel_scope_link(k, ifindex))
		return kernel_fail(-EINVAL, NULL, "add address %s/%u on '%s': the link is not in the partial state's tables",
				   kernel_in6_str(&w->addr, s), w->plen, w->dev);
	cur = kernel_addr_lookup(have, ifindex, &w->addr);
	if (cur && cur->proto != k->cfg.addr_proto)
		return kernel_fail(-EEXIST, NULL, "add address %s/%u on '%s': it is there already, with protocol %u",
				   kernel_in6_str(&w->addr, s), w->plen, w->dev, cur->proto);
	if (cur && cur->plen != w->plen) {
		/* A replace keeps the old prefix length. */
		r = kernel_addr_delete(k, cur);
		if (r < 0)
			return r;
		cur = NULL;
	}
	/* Lifetimes within the refresh rule (cache.c): nothing to send. */
	if (cur && !kernel_lifetime_stale(cur->valid_until, w->valid, now) &&
	    !kernel_lifetime_stale(cur->preferred_until, w->preferred, now))
		return 0;
	r = kernel_addr_send(k, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, &w->addr, w->plen, w,
			     ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "add address %s/%u on '%s'", kernel_in6_str(&w->addr, s), w->plen, w->dev);
	made = (struct kernel_addr) {
		.ifindex = ifindex,
		.addr = w->addr,
		.plen = w->plen,
		.proto = k->cfg.addr_proto,
		.flags = cur ? cur->flags : IFA_F_NOPREFIXROUTE,
		.valid_until = kernel_lifetime_until(w->valid, now),
		.preferred_until = kernel_lifetime_until(w->preferred, now),
	};
	kernel_cache_addr_update(k, RTM_NEWADDR, &made);
	if (cur)
		log_debug("refreshed address %s/%u on '%s'", kernel_in6_str(&w->addr, s), w->plen, w->dev);
	else
		log_info("added address %s/%u on '%s'", kernel_in6_str(&w->addr, s), w->plen, w->dev);
	return 0;
}

static bool kernel_addr_adopted(struct kernel *k, const struct kernel_addr *a)
{
	const struct kernel_addr *ad = k->adopted_addrs.v;

	for (size_t i = 0; i < k->adopted_addrs.n; i++)
		if (ad[i].ifindex == a->ifindex && ad[i].plen == a->plen && IN6_ARE_ADDR_EQUAL(&ad[i].addr, &a->addr))
			return true;
	return false;
}

/* The cache's addresses on the reconciliation's links (all of them for a
 * whole state), sorted as the cache is: a copy, for this stage's requests
 * change the cache.  Each link's are one range of it. */
static int kernel_addrs_have(struct kernel *k, struct kernel_vec *have)
{
	const int *links = k->scope_links.v;
	size_t from, to;

	*have = (struct kernel_vec) { .size = sizeof(struct kernel_addr) };
	if (!k->scope || !k->scope->partial)
		return kernel_vec_append(have, &k->cache_addrs, 0, k->cache_addrs.n);
	for (size_t i = 0; i < k->scope_links.n; i++) {
		const struct kernel_addr key = { .ifindex = links[i] };

		kernel_vec_equal_range(&k->cache_addrs, &key, kernel_addr_link_cmp, &from, &to);
		if (kernel_vec_append(have, &k->cache_addrs, from, to) < 0) {
			kernel_vec_done(have);
			return -ENOMEM;
		}
	}
	return 0;
}

int kernel_addrs_reconcile(struct kernel *k, const struct kernel_state *want)
{
	struct kernel_vec wanted, have;
	const struct kernel_addr *a;
	uint64_t now = kernel_now_ms();
	int first = 0, r;

	r = kernel_cache_sync(k);
	if (r < 0)
		return r;
	r = kernel_addr_index_build(k, want, &wanted);
	if (r == 0) {
		r = kernel_addrs_have(k, &have);
		if (r < 0)
			kernel_vec_done(&wanted);
	}
	if (r < 0)
		return kernel_fail(r, NULL, "compare the addresses");
	a = have.v;
	for (size_t i = 0; i < have.n; i++)
		if (kernel_addr_ours(k, &a[i]) && !kernel_addr_wanted(&wanted, &a[i]) && !kernel_addr_adopted(k, &a[i]))
			kernel_keep_first(&first, kernel_addr_delete(k, &a[i]));
	for (size_t i = 0; i < want->n_addrs; i++)
		kernel_keep_first(&first, kernel_addr_apply(k, &want->addrs[i], &have, now));
	kernel_vec_done(&wanted);
	kernel_vec_done(&have);
	return first;
}

/* Does an address on the host carry our IFA_PROTO already (one an earlier
 * run left: the usual restart)?  Only a kernel that keeps IFA_PROTO reports
 * it, so then the probe link, a creation and a deletion at every start, is
 * not needed. */
static bool kernel_ifa_proto_seen(struct kernel *k)
{
	struct kernel_vec addrs = { .size = sizeof(struct kernel_addr) };
	const struct kernel_addr *a;
	bool seen = false;

	if (kernel_addrs_dump(k, 0, &addrs) == 0) {
		a = addrs.v;
		for (size_t i = 0; i < addrs.n && !seen; i++)
			seen = a[i].proto == k->cfg.addr_proto;
	}
	kernel_vec_done(&addrs);
	return seen;
}

/* Linux before 5.18 accepts IFA_PROTO and drops it: our addresses would
 * then be indistinguishable from anyone's, and refreshing or removing them
 * would fail forever.  So, unless an address shows it already, add one with
 * IFA_PROTO on a throwaway dummy link (down, so nothing routes through it)
 * and read it back. */
int kernel_probe_ifa_proto(struct kernel *k)
{
	_cleanup_link_ struct rtnl_link *link = NULL;
	_cleanup_link_ struct rtnl_link *made = NULL;
	_cleanup_nlmsg_ struct nl_msg *msg = NULL;
	_cleanup_nlmsg_ struct nl_msg *del = NULL;
	struct kernel_vec addrs = { .size = sizeof(struct kernel_addr) };
	const struct kaddr want = { .valid = UINT32_MAX, .preferred = UINT32_MAX };
	char name[IFNAMSIZ], ext[KERNEL_EXTACK_MAX];
	const struct kernel_addr *a;
	/* Test seam: PVD_TEST_NO_IFA_PROTO=1 makes the read-back look like an
	 * old kernel's (the netns suite has no such kernel to boot). */
	const char *seam = getenv("PVD_TEST_NO_IFA_PROTO");
	bool old_kernel = seam && !strcmp(seam, "1");
	struct in6_addr addr;
	struct utsname u;
	int proto = -1, ifindex, r;

	if (!old_kernel && kernel_ifa_proto_seen(k)) {
		log_debug("kernel keeps IFA_PROTO on addresses (ours have it)");
		return 0;
	}

	/* The pid keeps two daemons (in two namespaces sharing nothing else) apart. */
	snprintf(name, sizeof(name), "pvdprobe%d", (int)getpid());
	link = rtnl_link_alloc();
	if (!link)
		return kernel_fail(-ENOMEM, NULL, "create the IFA_PROTO probe link '%s'", name);
	rtnl_link_set_name(link, name);
	r = rtnl_link_set_type(link, "dummy");
	if (r >= 0)
		r = rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg);
	if (r < 0)
		return kernel_fail(kernel_nlerr(r), NULL, "create the IFA_PROTO probe link '%s'", name);
	r = kernel_link_send(k, msg, ext, sizeof(ext));
	if (r < 0)
		return kernel_fail(r, ext, "create the IFA_PROTO probe link '%s' (a dummy)", name);
	r = kernel_link_fetch(k, name, &made);
	if (r < 0) {
		kernel_fail(r, NULL, "read back the IFA_PROTO probe link '%s'", name);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(made);
	inet_pton(AF_INET6, KERNEL_PROBE_ADDR, &addr);
	r = kernel_addr_send(k, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, &addr, 128, &want, ext, sizeof(ext));
	if (r < 0) {
		kernel_fail(r, ext, "add the IFA_PROTO probe address to '%s'", name);
		goto out;
	}
	r = kernel_addrs_dump(k, ifindex, &addrs);
	a = addrs.v;
	for (size_t i = 0; r == 0 && i < addrs.n; i++)
		if (a[i].ifindex == ifindex && IN6_ARE_ADDR_EQUAL(&a[i].addr, &addr))
			proto = a[i].proto;
	kernel_vec_done(&addrs);
	if (r == 0 && proto < 0)
		r = kernel_fail(-ENOENT, NULL, "read back the IFA_PROTO probe address on '%s'", name);
out:
	/* The address goes with the link. */
	ext[0] = '\0';
	if (rtnl_link_build_delete_request(made ?: link, &del) < 0 || kernel_link_send(k, del, ext, sizeof(ext)) < 0)
		log_error("cannot delete the IFA_PROTO probe link '%s'%s%s", name, ext[0] ? ": " : "", ext);
	if (r < 0)
		return r;
	if (old_kernel)
		proto = 0;
	if (proto != k->cfg.addr_proto) {
		log_error("kernel %s does not keep IFA_PROTO on addresses (Linux 6.1 or later needed)",
			  uname(&u) == 0 ? u.release : "?");
		return -EPROTONOSUPPORT;
	}
	log_debug("kernel keeps IFA_PROTO on addresses");
	return 0;
}
