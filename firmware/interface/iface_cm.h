/* Interface-board firmware on a Cortex-M chip: the part every chip shares (iface_cm_main.c) and
 * the small table a chip file provides (iface_cmsdk.c, iface_l4r5.c, iface_nrf.c).
 *
 * Why split so: receive rings, the main loop that feeds iface_core, pacing and the WFI sleep are
 * the same on every chip; only "bring up the two UARTs", "send bytes" and "change the DUT baud"
 * differ. The chip's tb_cm_irq (every external interrupt lands there, ports/cortex-m/cm_core.c)
 * hands each received byte to iface_cm_rx(). Start-up, vectors and faults come from cm_core.c.
 */
#ifndef IFACE_CM_H
#define IFACE_CM_H

#include <stddef.h>
#include <stdint.h>

typedef enum { IFACE_CM_HOST = 0, IFACE_CM_DUT = 1 } iface_cm_side;

typedef struct {
    /* Clocks, pins, both UARTs (host at 115200, DUT at dut_baud) and their receive interrupts. */
    void (*init)(uint32_t dut_baud);
    /* Blocking writers (called from the main loop and from fault reports only). */
    void (*host_write)(const char *data, size_t len);
    void (*dut_write)(const char *data, size_t len);
    /* Change the running DUT UART's rate ("setbaud"). */
    void (*set_dut_baud)(uint32_t baud);
    /* The timestamp input (the DUT's timestamp pin, Arduino D3 as on EEMBC's IO manager): its
     * level now (0 low, 1 high). NULL: the chip has no edge input; "tb-iface" then says no timer.
     * A chip that has one takes an interrupt on both edges and calls iface_cm_edge() from it. */
    int (*edge_level)(void);
    /* The chip's microsecond clock, the one its DUT port's tb_port_timestamp_us() reads (wraps at
     * 2^32): the edges' stamps and the reset pulse's length. */
    uint32_t (*now_us)(void);
    /* Drive the DUT's reset line (1: assert = low, 0: release = open drain, high-Z). NULL: the
     * chip has no reset output and "res" answers an error. */
    void (*dut_reset_pin)(int asserted);
} iface_cm_chip;

/* The chip file's table. */
extern const iface_cm_chip iface_cm_this_chip;

/* One byte received on `side`, from the chip's interrupt handler (dropped if that ring is full:
 * the host waits for acknowledgements, so it never sends more than the queue takes). */
void iface_cm_rx(iface_cm_side side, uint8_t byte);

/* The timestamp input changed (called from the chip's edge interrupt): stamps it with the chip's
 * now_us() and passes it to iface_edge() with its direction. */
void iface_cm_edge(void);

#define IFACE_DUT_RESET_US 10000u /* how long "res" holds the DUT's reset line low */
#define IFACE_HOST_BAUD 115200u /* the host side, as MLCommons' interface board */

#endif
