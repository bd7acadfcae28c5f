#!/bin/sh
# tier: all
# Property: failover under load with pg_rto: fast (Patroni ttl 20 s, the
# floor Patroni accepts, a 3 s loop; HAProxy checks every second, every
# 0.25 s around a change, one good check marks a server up): the leader's
# host powered off, five runs, RPO 0 (pg_rpo: 0).
# Figures: RTO of each run; target, worst run: under 25 s.
# (The same test as 61-ha-failover-rto.sh with pg_rto: fast.)
HA_RTO=fast HA_TARGET=25 exec sh tests/e2e/61-ha-failover-rto.sh
