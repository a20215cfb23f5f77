/* The Cortex-M interface board's main loop, shared by every chip (see iface_cm.h): two receive
 * rings filled from the chip's interrupt, iface_core fed from them, the core idle in WFI.
 *
 * IFACE_PACE=1 (simulator builds): simulated UARTs move a byte at once, so every byte to the DUT is
 * followed by a busy wait of one character time (10 bits at the DUT baud), counted in instructions —
 * the DUT hop then costs the virtual time a real 9600-baud wire takes.
 */
#include <stdint.h>

#include "board.h"
#include "cm_core.h"
#include "iface_cm.h"
#include "iface_core.h"

#define RING 4096u

#ifndef IFACE_PACE
#define IFACE_PACE 0
#endif
#ifndef IFACE_DUT_BAUD
#define IFACE_DUT_BAUD 9600u
#endif

typedef struct {
    volatile uint8_t data[RING];
    volatile uint32_t head, tail; /* written by the IRQ (head) and the main loop (tail) */
} ring_t;

static ring_t g_rx[2]; /* indexed by iface_cm_side */
static iface_port g_port;

void iface_cm_rx(iface_cm_side side, uint8_t byte)
{
    ring_t *r = &g_rx[side];
    if (r->head - r->tail < RING) {
        r->data[r->head % RING] = byte;
        r->head++;
    }
}

static int ring_get(ring_t *r, char *c)
{
    if (r->tail == r->head) return 0;
    *c = (char)r->data[r->tail % RING];
    r->tail++;
    return 1;
}

/* About `cycles` processor cycles of busy waiting. Simulators count instructions, not cycles (one
 * per cycle at the board's PerformanceInMips / icount), and this loop is two instructions per turn.
 * Not a timer: each read of one is a slow peripheral access in a simulator. */
static void spin(uint32_t cycles)
{
    uint32_t turns = cycles / 2u + 1u;
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(turns) : : "cc");
}

static void dut_write(const char *d, size_t n)
{
    size_t i;
    if (!IFACE_PACE) {
        iface_cm_this_chip.dut_write(d, n);
        return;
    }
    for (i = 0; i < n; ++i) {
        iface_cm_this_chip.dut_write(d + i, 1u);
        spin(10u * (TB_CPU_HZ / g_port.dut_baud));
    }
}

/* Level of the timestamp input after the last edge handled; an interrupt that finds the level
 * unchanged saw a whole pulse (two edges) shorter than its own latency: both are reported, with
 * the same stamp, so a falling edge is never lost to a short pulse. */
static volatile int g_edge_level = 1;

void iface_cm_edge(void)
{
    uint32_t us = iface_cm_this_chip.now_us();
    int level = iface_cm_this_chip.edge_level() != 0;
    if (level == g_edge_level) {
        iface_edge(us, level); /* the first edge of the pulse: falling if the line idles high */
    }
    iface_edge(us, !level);
    g_edge_level = level;
}

/* "res": the DUT's reset line low for IFACE_DUT_RESET_US, then released. */
static void reset_dut(void)
{
    uint32_t start = iface_cm_this_chip.now_us();
    iface_cm_this_chip.dut_reset_pin(1);
    while ((uint32_t)(iface_cm_this_chip.now_us() - start) < IFACE_DUT_RESET_US) {
    }
    iface_cm_this_chip.dut_reset_pin(0);
}

void tb_cm_fault_write(const char *text)
{
    size_t n = 0;
    while (text[n] != '\0') {
        ++n;
    }
    iface_cm_this_chip.host_write(text, n);
}

int main(void)
{
    ring_t *host = &g_rx[IFACE_CM_HOST];
    ring_t *dut = &g_rx[IFACE_CM_DUT];
    char c;

    g_port.host_write = iface_cm_this_chip.host_write;
    g_port.dut_write = dut_write;
    /* A board with flash would store it and reset; here it lasts until power-off. */
    g_port.set_dut_baud = iface_cm_this_chip.set_dut_baud;
    g_port.dut_baud = IFACE_DUT_BAUD;
    g_port.reset_dut = iface_cm_this_chip.dut_reset_pin ? reset_dut : NULL;
    g_port.has_edge_input = iface_cm_this_chip.edge_level != NULL;
    iface_cm_this_chip.init(g_port.dut_baud);
    tb_cm_systick_start();
    if (g_port.has_edge_input) {
        g_edge_level = iface_cm_this_chip.edge_level() != 0;
    }
    iface_init(&g_port);
    for (;;) {
        int busy = 0;
        while (ring_get(dut, &c)) {
            iface_dut_byte(c);
        }
        while (iface_host_ready() && ring_get(host, &c)) {
            iface_host_byte(c);
            busy = 1;
        }
        busy |= iface_poll();
        if (!busy) {
            /* PRIMASK set: a byte arriving between the check and WFI still wakes the core. */
            __asm__ volatile("cpsid i" ::: "memory");
            if (dut->tail == dut->head && (host->tail == host->head || !iface_host_ready())) {
                __asm__ volatile("dsb\n\twfi" ::: "memory");
            }
            __asm__ volatile("cpsie i" ::: "memory");
        }
    }
}
