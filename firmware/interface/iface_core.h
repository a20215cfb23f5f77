/* Interface-board core: the MLCommons interface board's host command set, portable C.
 *
 * Why: an MLPerf Tiny energy bench reaches the DUT only through an interface board; this core lets
 * a second cheap board be one (issue 12, item 2). Host side: '%'-terminated commands, each ending
 * in "m-ready" (../shared/docs/dut-protocol.md section 8): name, checkbaud, setbaud <n>,
 * dut <cmd> (acknowledged with m-dut-passthrough(<cmd>) + m-ready, forwarded as <cmd>%, every DUT
 * line relayed as "[dut]: <line>"). A port supplies the byte writers and the baud store; the core
 * holds no platform code. Status: first cut, exercised by the host build (iface_host.c) only.
 */
#ifndef IFACE_CORE_H
#define IFACE_CORE_H

#include <stddef.h>
#include <stdint.h>

#define IFACE_CMD_MAX 256u     /* host command buffer (a whole "dut db <hex>" fits) */
#define IFACE_LINE_MAX 512u    /* one DUT line */

typedef struct {
    void (*host_write)(const char *data, size_t len);
    void (*dut_write)(const char *data, size_t len);
    /* store the DUT-side baud (a real board keeps it in flash and resets); may be NULL */
    void (*set_dut_baud)(uint32_t baud);
    uint32_t dut_baud;
} iface_port;

void iface_init(iface_port *port);
void iface_host_byte(char c);   /* a byte from the host link */
void iface_dut_byte(char c);    /* a byte from the DUT's UART */

#endif
