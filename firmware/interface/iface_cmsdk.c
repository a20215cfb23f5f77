/* Interface-board port for Arm MPS2/MPS3 boards (CMSDK APB UARTs): UART0 to the host, UART1 to the
 * DUT. Runs on QEMU's and Renode's mps2-an386 (the two-machine Renode bench, boards/renode/) and
 * on any board whose board.h gives TB_UART_BASE (host), TB_EDGE_UART_BASE (DUT) and TB_CPU_HZ.
 * Start-up, vectors and the SysTick clock come from ports/cortex-m/cm_core.c.
 *
 * Receive is interrupt-driven into two rings, so no byte is lost while the main loop writes to the
 * DUT at 9600 baud. The DUT UART's divider is set from the stored baud (BAUDDIV = clock / baud).
 * IFACE_PACE=1 (simulator builds): simulated UARTs move a byte at once, so every byte to the DUT is
 * followed by a busy wait of one character time (10 bits at the DUT baud), counted in instructions —
 * the DUT hop then costs the virtual time a real 9600-baud wire takes.
 */
#include <stdint.h>

#include "board.h"
#include "cm_core.h"
#include "cmsdk_uart.h"
#include "iface_core.h"

#define UART_CTRL_EN_RX_IRQ (UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN)
#define HOST_UART TB_UART_BASE
#define DUT_UART TB_EDGE_UART_BASE
#define RING 4096u

#ifndef IFACE_PACE
#define IFACE_PACE 0
#endif

typedef struct {
    volatile uint8_t data[RING];
    volatile uint32_t head, tail; /* written by the IRQ (head) and the main loop (tail) */
} ring_t;

static ring_t g_host_rx, g_dut_rx;
static iface_port g_port;

static void ring_fill(ring_t *r, uint32_t uart)
{
    while ((UART_STATE(uart) & UART_STATE_RXFULL) != 0u) {
        uint8_t c = (uint8_t)UART_DATA(uart);
        if (r->head - r->tail < RING) { /* full: the byte is lost (the host waits for acks) */
            r->data[r->head % RING] = c;
            r->head++;
        }
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
 * Not the SysTick: each read of it is a slow peripheral access in a simulator. */
static void spin(uint32_t cycles)
{
    uint32_t turns = cycles / 2u + 1u;
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(turns) : : "cc");
}

static void uart_write(uint32_t uart, const char *d, size_t n, uint32_t pace_cycles)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        while ((UART_STATE(uart) & UART_STATE_TXFULL) != 0u) {
        }
        UART_DATA(uart) = (uint8_t)d[i];
        if (pace_cycles != 0u) {
            spin(pace_cycles);
        }
    }
}

static void host_write(const char *d, size_t n) { uart_write(HOST_UART, d, n, 0u); }

static void dut_write(const char *d, size_t n)
{
    uart_write(DUT_UART, d, n, IFACE_PACE ? 10u * (TB_CPU_HZ / g_port.dut_baud) : 0u);
}

static void set_dut_baud(uint32_t baud)
{
    /* A board with flash would store it and reset; here it lasts until power-off. */
    UART_BAUDDIV(DUT_UART) = TB_CPU_HZ / baud;
}

void tb_cm_irq(void)
{
    ring_fill(&g_host_rx, HOST_UART);
    ring_fill(&g_dut_rx, DUT_UART);
    UART_INTCLR(HOST_UART) = 0x3u; /* TX, RX (Renode models no overrun bits) */
    UART_INTCLR(DUT_UART) = 0x3u;
}

void tb_cm_fault_write(const char *text)
{
    for (; *text != '\0'; ++text) {
        host_write(text, 1u);
    }
}

int main(void)
{
    uint32_t i;
    char c;

#ifndef IFACE_DUT_BAUD
#define IFACE_DUT_BAUD 9600u
#endif
    g_port.host_write = host_write;
    g_port.dut_write = dut_write;
    g_port.set_dut_baud = set_dut_baud;
    g_port.dut_baud = IFACE_DUT_BAUD;
    UART_BAUDDIV(HOST_UART) = TB_CPU_HZ / 115200u;
    set_dut_baud(g_port.dut_baud);
    UART_CTRL(HOST_UART) = UART_CTRL_EN_RX_IRQ;
    UART_CTRL(DUT_UART) = UART_CTRL_EN_RX_IRQ;
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
    tb_cm_systick_start();
    iface_init(&g_port);
    for (;;) {
        int busy = 0;
        while (ring_get(&g_dut_rx, &c)) {
            iface_dut_byte(c);
        }
        while (iface_host_ready() && ring_get(&g_host_rx, &c)) {
            iface_host_byte(c);
            busy = 1;
        }
        busy |= iface_poll();
        if (!busy) {
            /* PRIMASK set: a byte arriving between the check and WFI still wakes the core. */
            __asm__ volatile("cpsid i" ::: "memory");
            if (g_dut_rx.tail == g_dut_rx.head &&
                (g_host_rx.tail == g_host_rx.head || !iface_host_ready())) {
                __asm__ volatile("dsb\n\twfi" ::: "memory");
            }
            __asm__ volatile("cpsie i" ::: "memory");
        }
    }
}
