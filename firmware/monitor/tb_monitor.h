/*
 * tb_monitor.h — the DUT protocol monitor (MLPerf Tiny / EEMBC wire format + tb- extensions).
 *
 * Build-time knobs (all -D, set by firmware/Makefile):
 *   TB_CMD_MAX   longest command in characters, without the '%' (default 1024; advertised as
 *                cmdmax=<n> in tb-caps). The standard monitor holds 80.
 *   TB_DB_MAX    bytes the `db` buffer holds (default 27648, the reference template's maximum).
 *   TB_ENERGY    1 = energy-mode firmware: timestamps are pulses, never m-lap-us lines.
 *   TB_HOSTFILE  1 = the port can read host files (tb_port_host_read): enables tb-fload.
 *   TB_STANDARD_ONLY 1 = no tb- extensions at all (`make STANDARD=1`): the firmware answers
 *                `e-[Unknown command: tb-caps]` like vendor firmware, so the host's standard-only
 *                path (31-byte chunks, m-results only) is tested against a real DUT.
 */
#ifndef TB_MONITOR_H
#define TB_MONITOR_H

#ifndef TB_CMD_MAX
#define TB_CMD_MAX 1024
#endif
#ifndef TB_DB_MAX
#define TB_DB_MAX 27648
#endif
#ifndef TB_ENERGY
#define TB_ENERGY 0
#endif
#ifndef TB_HOSTFILE
#define TB_HOSTFILE 0 /* 1: the port offers tb_port_host_read() (simulators with semihosting) */
#endif
#ifndef TB_BUILD_ID /* the image's build id (tinybench's cache key); tb-info reports it */
#define TB_BUILD_ID "unknown"
#endif
#ifndef TB_STANDARD_ONLY
#define TB_STANDARD_ONLY 0
#endif
#ifndef TB_FW_VERSION
#define TB_FW_VERSION "0.1.0"
#endif

/* Print the boot sequence, then serve commands forever. */
void tb_monitor_run(void);

/* Feed one received byte (exposed so a port could drive the monitor from an interrupt). */
void tb_monitor_feed(char c);

#endif /* TB_MONITOR_H */
