/* Interface-board core: the MLCommons interface board's host command set, portable C.
 *
 * Why: an MLPerf Tiny energy bench reaches the DUT only through an interface board; this core lets
 * a second cheap board be one (issue 12, item 2). Host side: '%'-terminated commands, each ending
 * in "m-ready" (../shared/docs/dut-protocol.md section 8): name, checkbaud, setbaud <n>,
 * dut <cmd> (acknowledged with m-dut-passthrough(<cmd>) + m-ready, every DUT line relayed as
 * "[dut]: <line>"); an unknown command gets just m-ready. Extension: tb-iface →
 * "m-iface-[tinybench,queue=<bytes>,baud=<n>,timer]" (a host asks it to learn that commands queue).
 *
 * EEMBC IO manager equivalents (EnergyRunner's Arduino, section 8): help, version, res, tm <0|1>,
 * enable-timer, disable-timer, with the replies seen in EnergyRunner logs byte for byte where they
 * were observed ("m-timestmp-mode-FALLING" (sic), "m-[Timer disabled after mode change]",
 * "m-timer-enabled", "m-timer-disabled"). The timer: the DUT's timestamp pin also goes to an input
 * of this board; the port calls iface_edge(us, falling) with its own microsecond clock at each
 * edge and, while the timer is enabled, the board prints "m-lap-us-<us>" for each edge the mode
 * selects (tm 0: falling edges, the DUT's timestamp event; tm 1: every change). A lab then has a
 * second, independent clock for every energy window, or one at all with a monitor that cannot
 * timestamp edges.
 *
 * Command queue (why the 9600-baud DUT hop is the only slow one): a "dut <cmd>" is acknowledged as
 * soon as it is stored in a FIFO of IFACE_QUEUE_MAX bytes; the board forwards one queued command at
 * a time, the next only after the DUT's own "m-ready" line (a DUT's UART has no input buffer to
 * overrun). A host may therefore send a whole input (db load + every db chunk) at host-link speed
 * and collect the DUT's replies afterwards. When the queue is full the acknowledgement waits for
 * room, so a host that waits for each acknowledgement can never overflow it.
 *
 * A port supplies byte writers and the baud store, feeds bytes in, calls iface_poll() from its main
 * loop, and feeds host bytes only while iface_host_ready(). The core holds no platform code.
 * Ports: iface_host.c (TCP, tests); on Cortex-M iface_cm_main.c with a chip file: iface_cmsdk.c
 * (Arm MPS2/MPS3 CMSDK UARTs: QEMU, Renode), iface_l4r5.c and iface_nrf.c (edge input and reset output).
 */
#ifndef IFACE_CORE_H
#define IFACE_CORE_H

#include <stddef.h>
#include <stdint.h>

#define IFACE_CMD_MAX 256u     /* one host command (a whole "dut db <hex>" fits) */
#define IFACE_LINE_MAX 512u    /* one DUT line */
#ifndef IFACE_QUEUE_MAX
#define IFACE_QUEUE_MAX 65536u /* queued DUT commands: a whole VWW input (27648 B) as 31-byte db chunks */
#endif

typedef struct {
    void (*host_write)(const char *data, size_t len);
    void (*dut_write)(const char *data, size_t len);
    /* store the DUT-side baud (a real board keeps it in flash and resets); may be NULL */
    void (*set_dut_baud)(uint32_t baud);
    uint32_t dut_baud;
    /* reset or power-cycle the DUT ("res"); NULL: the port cannot, "res" answers e-[...] */
    void (*reset_dut)(void);
    /* 1 if the port calls iface_edge() (the DUT's timestamp pin is wired to it); tb-iface then
     * says "timer" so a host knows laps will come. The tm/enable-timer commands exist either way. */
    int has_edge_input;
} iface_port;

void iface_init(iface_port *port);
/* 1 while the core can take host bytes (0: a command waits for queue room; keep the bytes). */
int iface_host_ready(void);
void iface_host_byte(char c);   /* a byte from the host link */
void iface_dut_byte(char c);    /* a byte from the DUT's UART */
/* Acknowledge a waiting command once it fits, forward the next queued command when the DUT is
 * idle. Returns 1 if it did something (call again), 0 if there is nothing to do until new bytes. */
int iface_poll(void);
/* A DUT timestamp-pin edge at `us` on the board's own microsecond clock (falling: 1 for a falling
 * edge, the timestamp event; 0 for a rising one). Safe to call from an interrupt: it only stores
 * the lap; iface_poll() prints it between whole lines. */
void iface_edge(uint32_t us, int falling);

#endif
