/*
 * vip.c - the cluster's VIP (pg_vip_address) on its leader.
 *
 * Why not vip-manager: the one Debian ships (1.0.x in bullseye, bookworm
 * and trixie; none in forky) reads etcd's v2 API only, and Patroni keeps
 * its leader key in etcd v3 (the v2 API is off from etcd 3.4 and its
 * keyspace is separate from v3's), so it cannot see the leader.  The VIP
 * follows Patroni instead: Patroni runs its callback on every start, stop,
 * restart and role change of PostgreSQL, as postgres, with the action, the
 * new role and the cluster; the callback adds the VIP (and announces it by
 * gratuitous ARP) when the role is primary, and removes it otherwise.
 *
 * The callback is this program: `install` copies its own stub (without the
 * payload) to VIP_PROG, 0750 root:postgres, with the file capabilities
 * CAP_NET_ADMIN and CAP_NET_RAW, so postgres can run it and nobody else;
 * it takes the address and interface from VIP_CONF (root's, 0644), never
 * from its arguments, so all it can ever move is this cluster's VIP.
 * install also sets the VIP once itself (Patroni calls back on changes only).
 *
 * Addresses are added and removed with rtnetlink, announced with ARP over
 * a packet socket: no iproute2 or arping on the host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "module.h"
#include "ops.h"
#include "runfile.h"

#define VIP_PROG "/usr/lib/pgbundle/pgbundle-vip"
#define VIP_CONF "/etc/pgbundle/vip"

static int vip_enabled(const struct inst_config *cfg)
{
	return cfg->pg_vip_enabled && cfg->patroni_enabled && inst_config_has_module(cfg, "pgsql")
	       && inst_pg_self(cfg);
}

/* --- the address --- */

struct vip {
	struct in_addr addr;
	int prefix;
	char ifname[IF_NAMESIZE];
};

static int vip_parse(const char *cidr, const char *ifname, struct vip *v)
{
	char *ip = xstrndup(cidr, strcspn(cidr, "/"));
	const char *slash = strchr(cidr, '/');
	int ok = inet_pton(AF_INET, ip, &v->addr) == 1 && slash && (v->prefix = atoi(slash + 1)) > 0
		 && v->prefix <= 32 && strlen(ifname) < sizeof(v->ifname);

	free(ip);
	if (ok)
		snprintf(v->ifname, sizeof(v->ifname), "%s", ifname);
	return ok ? 0 : -1;
}

/* The interface that holds addr (pg_vip_interface: auto). */
static int iface_of(const char *addr, char *out, size_t size)
{
	struct ifaddrs *ifa, *i;
	struct in_addr want;
	int found = 0;

	if (inet_pton(AF_INET, addr, &want) != 1 || getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i && !found; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == want.s_addr) {
			snprintf(out, size, "%s", i->ifa_name);
			found = 1;
		}
	freeifaddrs(ifa);
	return found ? 0 : -1;
}

/* 1 when the interface holds the VIP. */
static int held(const struct vip *v)
{
	struct ifaddrs *ifa, *i;
	int yes = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    strcmp(i->ifa_name, v->ifname) == 0 &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == v->addr.s_addr)
			yes = 1;
	freeifaddrs(ifa);
	return yes;
}

/* RTM_NEWADDR or RTM_DELADDR for the VIP, acknowledged by the kernel. */
static int rtnl_addr(const struct vip *v, int add, struct pgb_err *err)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		char attrs[64];
	} req;
	struct rtattr *rta;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	unsigned idx = if_nametoindex(v->ifname);
	int fd, rc = -1;
	ssize_t n;

	if (!idx)
		return pgb_failsys(err, "no interface %s for the VIP", v->ifname);
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	req.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = (unsigned char)v->prefix;
	req.ifa.ifa_index = idx;
	for (int t = 0; t < 2; t++) {
		rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		rta->rta_type = t ? IFA_ADDRESS : IFA_LOCAL;
		rta->rta_len = RTA_LENGTH(sizeof(v->addr));
		memcpy(RTA_DATA(rta), &v->addr, sizeof(v->addr));
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return pgb_failsys(err, "cannot open a netlink socket");
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		pgb_failsys(err, "cannot ask the kernel to %s the VIP", add ? "add" : "remove");
	} else if ((n = recv(fd, buf, sizeof(buf), 0)) < (ssize_t)NLMSG_LENGTH(sizeof(int))) {
		pgb_failsys(err, "no answer from the kernel about the VIP");
	} else {
		struct nlmsgerr *e = NLMSG_DATA((struct nlmsghdr *)buf);

		if (((struct nlmsghdr *)buf)->nlmsg_type != NLMSG_ERROR || e->error == 0 ||
		    (add && e->error == -EEXIST) || (!add && e->error == -EADDRNOTAVAIL))
			rc = 0;
		else
			pgb_fail(err, "the kernel refuses to %s %s on %s: %s", add ? "add" : "remove",
				 inet_ntoa(v->addr), v->ifname, strerror(-e->error));
	}
	close(fd);
	return rc;
}

/* Gratuitous ARP (a request for the VIP from the VIP), so neighbours move
 * their caches to this host at once. */
static void announce(const struct vip *v)
{
	struct {
		struct arphdr h;
		unsigned char sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
	} __attribute__((packed)) pkt;
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP) };
	struct ifreq ifr;
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));

	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", v->ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		close(fd);
		return;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.h.ar_hrd = htons(ARPHRD_ETHER);
	pkt.h.ar_pro = htons(ETH_P_IP);
	pkt.h.ar_hln = ETH_ALEN;
	pkt.h.ar_pln = 4;
	pkt.h.ar_op = htons(ARPOP_REQUEST);
	memcpy(pkt.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(pkt.spa, &v->addr, 4);
	memcpy(pkt.tpa, &v->addr, 4);
	ll.sll_ifindex = (int)if_nametoindex(v->ifname);
	ll.sll_halen = ETH_ALEN;
	memset(ll.sll_addr, 0xff, ETH_ALEN);
	for (int i = 0; i < 3; i++) {
		if (sendto(fd, &pkt, sizeof(pkt), 0, (struct sockaddr *)&ll, sizeof(ll)) < 0)
			break;
		if (i < 2)
			usleep(100000);
	}
	close(fd);
}

/* Hold the VIP or let it go; 0 when it is as wanted. */
static int vip_set(const struct vip *v, int want, struct pgb_err *err)
{
	if (held(v) == want)
		return 0;
	if (rtnl_addr(v, want, err) < 0)
		return -1;
	if (want)
		announce(v);
	return 0;
}

/* --- the callback --- */

int inst_callback_role_primary(const char *role)
{
	return !strcmp(role, "master") || !strcmp(role, "primary") || !strcmp(role, "promoted");
}

static int read_conf(struct vip *v, struct pgb_err *err)
{
	char *text = NULL, cidr[64], ifname[IF_NAMESIZE + 1];
	size_t len;
	int rc = -1;

	if (util_read_file(VIP_CONF, &text, &len, err) < 0)
		return -1;
	if (sscanf(text, "%63s %16s", cidr, ifname) == 2 && vip_parse(cidr, ifname, v) == 0)
		rc = 0;
	else
		pgb_fail(err, "%s: want \"ADDRESS/PREFIX INTERFACE\"", VIP_CONF);
	free(text);
	return rc;
}

int inst_vip_callback_run(const char *action, const char *role, struct pgb_err *err)
{
	struct vip v;
	int want = strcmp(action, "on_stop") != 0 && inst_callback_role_primary(role);

	/* The program also serves etcdlead.c's callback on hosts without a VIP. */
	if (!util_exists(VIP_CONF))
		return 0;
	if (read_conf(&v, err) < 0 || vip_set(&v, want, err) < 0)
		return -1;
	return 0;
}

/* --- the module --- */

static int resolve(const struct inst_config *cfg, struct vip *v, struct pgb_err *err)
{
	char ifname[IF_NAMESIZE];

	if (strcmp(cfg->pg_vip_interface, "auto") == 0) {
		if (iface_of(cfg->self_addr, ifname, sizeof(ifname)) < 0)
			return pgb_fail(err, "pg_vip_interface is auto, but no interface holds this "
					"host's address %s: name it in pg_vip_interface",
					cfg->self_addr);
	} else {
		snprintf(ifname, sizeof(ifname), "%s", cfg->pg_vip_interface);
	}
	if (vip_parse(cfg->pg_vip_address, ifname, v) < 0 || !if_nametoindex(ifname))
		return pgb_fail(err, "pg_vip_interface '%s' is not an interface of this host",
				ifname);
	return 0;
}

/* The file capabilities (VFS_CAP_REVISION_2) CAP_NET_ADMIN and CAP_NET_RAW, effective. */
static int set_caps(const char *path, struct pgb_err *err)
{
	struct vfs_cap_data cap;

	memset(&cap, 0, sizeof(cap));
	cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
	cap.data[0].permitted = (1u << CAP_NET_ADMIN) | (1u << CAP_NET_RAW);
	if (setxattr(path, "security.capability", &cap, sizeof(cap), 0) < 0)
		return pgb_failsys(err, "cannot give %s the capabilities CAP_NET_ADMIN and "
				   "CAP_NET_RAW", path);
	return 0;
}

/* The callback program: this .run's stub, without the payload. */
int inst_callback_prog_install(struct inst_ctx *ctx, struct pgb_err *err)
{
	size_t len;
	uint8_t *buf;
	uid_t uid;
	gid_t gid;
	int rc, fd;
	char tmp[] = "/usr/lib/pgbundle/.pgbundle-vip.XXXXXX";

	if (!ctx->run)
		return pgb_fail(err, "the VIP's callback comes from the .run itself: run install "
				"from the .run");
	/* The stub the verification pass hashed, not whatever the file holds now. */
	if (runfile_stub_read(ctx->run, &buf, &len, err) < 0)
		return -1;
	if (util_exists(VIP_PROG)) {
		char *cur = NULL;
		size_t n;
		struct pgb_err ignored;
		int same = util_read_file(VIP_PROG, &cur, &n, &ignored) == 0 && n == len &&
			   memcmp(cur, buf, len) == 0;

		free(cur);
		if (same) {
			free(buf);
			return 0;
		}
	}
	inst_pg_change(ctx, "install the VIP's callback %s (0750 root:postgres, CAP_NET_ADMIN)",
		       VIP_PROG);
	if (ctx->dry_run) {
		free(buf);
		return 0;
	}
	rc = util_mkdir_p("/usr/lib/pgbundle", 0755, err);
	fd = rc == 0 ? mkstemp(tmp) : -1;
	if (rc == 0 && (fd < 0 || write(fd, buf, len) != (ssize_t)len))
		rc = pgb_failsys(err, "cannot write %s", tmp);
	if (fd >= 0)
		close(fd);
	free(buf);
	if (rc == 0)
		rc = inst_local_user("postgres", &uid, &gid, NULL, err);
	if (rc == 0 && (chown(tmp, 0, gid) < 0 || chmod(tmp, 0750) < 0))
		rc = pgb_failsys(err, "cannot set the owner and mode of %s", tmp);
	if (rc == 0)
		rc = set_caps(tmp, err);
	if (rc == 0 && rename(tmp, VIP_PROG) < 0)
		rc = pgb_failsys(err, "cannot rename %s to %s", tmp, VIP_PROG);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int vip_apply(struct inst_ctx *ctx, const struct inst_config *cfg, struct pgb_err *err)
{
	struct vip v;
	char *conf;
	int changed, rc, leader;
	struct pgb_err e;
	json_t *members;

	inst_log_step(ctx->log, "VIP %s on the leader of %s (Patroni's callback)",
		      cfg->pg_vip_address, cfg->pg_cluster);
	if (resolve(cfg, &v, err) < 0)
		return -1;
	conf = xasprintf("%s %s\n", cfg->pg_vip_address, v.ifname);
	rc = inst_pg_write_file(ctx, VIP_CONF, conf, 0644, NULL, "the VIP and its interface",
				&changed, NULL, err);
	free(conf);
	if (rc == 0)
		rc = inst_callback_prog_install(ctx, err);
	if (rc < 0 || ctx->dry_run || ctx->no_start)
		return rc;
	/* Patroni calls back on changes only: put the VIP where the leader is now. */
	members = inst_patroni_members(cfg, &e);
	leader = 0;
	if (members) {
		size_t i;
		json_t *m;

		json_array_foreach(members, i, m) {
			const char *role = json_string_value(json_object_get(m, "Role"));
			const char *name = json_string_value(json_object_get(m, "Member"));

			if (role && name && !strcmp(role, "Leader") &&
			    !strcmp(name, inst_pg_self(cfg)->name))
				leader = 1;
		}
		json_decref(members);
	}
	if (held(&v) != leader)
		inst_pg_change(ctx, "%s the VIP %s %s %s", leader ? "add" : "remove",
			       cfg->pg_vip_address, leader ? "to" : "from", v.ifname);
	return vip_set(&v, leader, err);
}

static int vip_status(struct inst_ctx *ctx, const struct inst_config *cfg, json_t *out,
		      struct pgb_err *err)
{
	struct vip v;
	struct pgb_err e;
	int ok = resolve(cfg, &v, &e) == 0;

	(void)ctx;
	(void)err;
	json_object_set_new(out, "address", json_string(cfg->pg_vip_address));
	json_object_set_new(out, "interface", json_string(ok ? v.ifname : cfg->pg_vip_interface));
	json_object_set_new(out, "held", json_boolean(ok && held(&v)));
	json_object_set_new(out, "ok", json_boolean(ok && util_exists(VIP_PROG)));
	return 0;
}

static int vip_uninstall(struct inst_ctx *ctx, const struct inst_config *cfg,
			 struct pgb_err *err)
{
	struct vip v;
	struct pgb_err ignored;
	int rc = 0;

	if (resolve(cfg, &v, &ignored) == 0 && held(&v)) {
		inst_pg_change(ctx, "remove the VIP %s from %s", cfg->pg_vip_address, v.ifname);
		if (!ctx->dry_run)
			rc = vip_set(&v, 0, err);
	}
	if (rc == 0 && util_exists(VIP_CONF)) {
		inst_pg_change(ctx, "remove %s", VIP_CONF);
		if (!ctx->dry_run && unlink(VIP_CONF) < 0)
			rc = pgb_failsys(err, "cannot remove %s", VIP_CONF);
	}
	return rc == 0 ? inst_callback_prog_remove(ctx, err) : rc;
}

int inst_callback_prog_remove(struct inst_ctx *ctx, struct pgb_err *err)
{
	if (!util_exists(VIP_PROG))
		return 0;
	inst_pg_change(ctx, "remove %s", VIP_PROG);
	if (ctx->dry_run)
		return 0;
	if (unlink(VIP_PROG) < 0)
		return pgb_failsys(err, "cannot remove %s", VIP_PROG);
	rmdir("/usr/lib/pgbundle");
	return 0;
}

/* Patroni's callbacks (patroni.c writes them into its config). */
const char *inst_vip_callback(const struct inst_config *cfg)
{
	return vip_enabled(cfg) || inst_etcdlead_enabled(cfg) || inst_pgbrlead_enabled(cfg) ?
	       VIP_PROG " vip-callback" : NULL;
}

const struct inst_module inst_module_vip = {
	.name = "vip",
	.summary = "the VIP on the leader, moved by Patroni's role-change callback",
	.enabled = vip_enabled,
	.apply = vip_apply,
	.status = vip_status,
	.uninstall = vip_uninstall,
};
