/*
 * Port for QEMU's Arm MPS boards (mps2-an386, mps3-an547): CMSDK APB UARTs and SysTick-based
 * microsecond timestamps. Start-up, vectors, faults and stack painting are cm_core.c (shared with
 * the real-board ports). The board directory supplies board.h (addresses, clock) and link.ld.
 *
 * Timekeeping: SysTick counts CPU clock cycles (TB_CPU_HZ) with a 24-bit reload; its wrap
 * interrupt extends the count to 64 bits and tb_port_timestamp_us() divides by the clock in MHz.
 * Under QEMU `-icount shift=N,sleep=off` one instruction is 2^N ns of virtual time, so the counter
 * is deterministic. The counter is stopped while the firmware sleeps waiting for UART input: with
 * sleep=off QEMU would otherwise warp virtual time from one SysTick wrap to the next as fast as the
 * host allows (a busy host core and a clock that depends on host speed). Consequence, documented in
 * docs/architecture.md: the simulated DUT clock only advances while the firmware is executing.
 *
 * Energy builds: tb_port_timestamp_pulse() writes "edge <dut_us>\n" on the second UART, the
 * simulated power monitor's event channel (the launcher exposes it as its own TCP socket).
 */
#include "tb_port.h"

#include <stdint.h>

#include "board.h"
#include "cm_core.h"
#include "cmsdk_uart.h"



#if defined(TB_HOSTFILE) && TB_HOSTFILE
static int32_t semihost_call(uint32_t op, volatile uint32_t *args)
{
    register uint32_t r0 __asm__("r0") = op;
    register volatile uint32_t *r1 __asm__("r1") = args;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

int tb_port_host_read(const char *path, uint8_t *dst, uint32_t n)
{
    volatile uint32_t args[3];
    int32_t handle;
    int32_t left;
    uint32_t len = 0;

    while (path[len] != '\0') {
        ++len;
    }
    args[0] = (uint32_t)(uintptr_t)path;
    args[1] = 1u; /* "rb" */
    args[2] = len;
    handle = semihost_call(0x01u, args); /* SYS_OPEN */
    if (handle < 0) {
        return -1;
    }
    args[0] = (uint32_t)handle;
    args[1] = (uint32_t)(uintptr_t)dst;
    args[2] = n;
    left = semihost_call(0x06u, args); /* SYS_READ: bytes NOT read */
    args[0] = (uint32_t)handle;
    (void)semihost_call(0x02u, args); /* SYS_CLOSE */
    return left == 0 ? 0 : -1;
}
#endif

static void uart_putc(uint32_t base, char c)
{
    while ((UART_STATE(base) & UART_STATE_TXFULL) != 0u) {
    }
    UART_DATA(base) = (uint32_t)(unsigned char)c;
}

void tb_port_init(void)
{
    uint32_t i;

    UART_BAUDDIV(TB_UART_BASE) = 16u;
    UART_CTRL(TB_UART_BASE) = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
    UART_BAUDDIV(TB_EDGE_UART_BASE) = 16u;
    /* RX enabled on the edge channel for two reasons: QEMU only polls a socket whose UART can
     * receive, which is how it notices that an edge client went away (so the next one can connect);
     * and a client proves the channel is live by sending a byte, answered "edge-ready" (getc). */
    UART_CTRL(TB_EDGE_UART_BASE) = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
    /* Every external interrupt goes to irq_handler; only the UART RX interrupt is ever enabled at
     * a peripheral, so the exact IRQ number of each board's UART does not matter. */
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
    tb_cm_systick_start();
}

static void uart_puts(uint32_t base, const char *text)
{
    for (; *text != '\0'; ++text) {
        uart_putc(base, *text);
    }
}

static int rx_pending(void)
{
    return ((UART_STATE(TB_UART_BASE) | UART_STATE(TB_EDGE_UART_BASE)) & UART_STATE_RXFULL) != 0u;
}

int tb_port_getc(void)
{
    for (;;) {
        /* Bytes on the edge channel: a client asking whether the channel is live (see
         * docs/architecture.md, "Energy edge channel"). Answered only here, between commands. */
        if ((UART_STATE(TB_EDGE_UART_BASE) & UART_STATE_RXFULL) != 0u) {
            while ((UART_STATE(TB_EDGE_UART_BASE) & UART_STATE_RXFULL) != 0u) {
                (void)UART_DATA(TB_EDGE_UART_BASE);
            }
            uart_puts(TB_EDGE_UART_BASE, "edge-ready\n");
        }
        if ((UART_STATE(TB_UART_BASE) & UART_STATE_RXFULL) != 0u) {
            return (int)(UART_DATA(TB_UART_BASE) & 0xFFu);
        }
        /* PRIMASK set: a byte arriving between the check and WFI still wakes the core. */
        __asm__ volatile("cpsid i" ::: "memory");
        if (!rx_pending()) {
            tb_cm_systick_pause(1); /* pause the DUT clock while idle */
            __asm__ volatile("dsb\n\twfi" ::: "memory");
            tb_cm_systick_pause(0);
        }
        __asm__ volatile("cpsie i" ::: "memory");
    }
}

void tb_port_write(const char *data, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        uart_putc(TB_UART_BASE, data[i]);
    }
}

uint32_t tb_port_timestamp_us(void) { return tb_cm_systick_us(); }

void tb_port_timestamp_pulse(void)
{
    static const char digits[] = "0123456789";
    char buf[10];
    uint32_t now = tb_port_timestamp_us();
    int i = 0;

    do {
        buf[i++] = digits[now % 10u];
        now /= 10u;
    } while (now != 0u);
    uart_puts(TB_EDGE_UART_BASE, "edge ");
    while (i > 0) {
        uart_putc(TB_EDGE_UART_BASE, buf[--i]);
    }
    uart_putc(TB_EDGE_UART_BASE, '\n');
}

void tb_cm_fault_write(const char *text) { uart_puts(TB_UART_BASE, text); }

void tb_cm_irq(void)
{
    /* Only the two UARTs' RX raise interrupts; clearing them is all that is needed (getc polls). */
    UART_INTCLR(TB_UART_BASE) = 0xFu;
    UART_INTCLR(TB_EDGE_UART_BASE) = 0xFu;
}
