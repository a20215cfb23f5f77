/* Interface-board chip file for Arm MPS2/MPS3 boards (CMSDK APB UARTs): UART0 to the host, UART1
 * to the DUT. Runs on QEMU's and Renode's mps2-an386 (the two-machine Renode bench) and on any
 * board whose board.h gives TB_UART_BASE (host), TB_EDGE_UART_BASE (DUT) and TB_CPU_HZ. The main
 * loop is iface_cm_main.c. The DUT UART's divider is set from the stored baud (BAUDDIV = clock /
 * baud; Arm CMSDK technical reference manual, "APB UART", BAUDDIV register).
 */
#include <stdint.h>

#include "board.h"
#include "cm_core.h"
#include "cmsdk_uart.h"
#include "iface_cm.h"

#define UART_CTRL_EN_RX_IRQ (UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN)
#define HOST_UART TB_UART_BASE
#define DUT_UART TB_EDGE_UART_BASE

static void uart_write(uint32_t uart, const char *d, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        while ((UART_STATE(uart) & UART_STATE_TXFULL) != 0u) {
        }
        UART_DATA(uart) = (uint8_t)d[i];
    }
}

static void host_write(const char *d, size_t n) { uart_write(HOST_UART, d, n); }
static void dut_write(const char *d, size_t n) { uart_write(DUT_UART, d, n); }
static void set_dut_baud(uint32_t baud) { UART_BAUDDIV(DUT_UART) = TB_CPU_HZ / baud; }

static void rx_drain(iface_cm_side side, uint32_t uart)
{
    while ((UART_STATE(uart) & UART_STATE_RXFULL) != 0u) {
        iface_cm_rx(side, (uint8_t)UART_DATA(uart));
    }
}

void tb_cm_irq(void)
{
    rx_drain(IFACE_CM_HOST, HOST_UART);
    rx_drain(IFACE_CM_DUT, DUT_UART);
    UART_INTCLR(HOST_UART) = 0x3u; /* TX, RX (Renode models no overrun bits) */
    UART_INTCLR(DUT_UART) = 0x3u;
}

static void init(uint32_t dut_baud)
{
    uint32_t i;
    UART_BAUDDIV(HOST_UART) = TB_CPU_HZ / IFACE_HOST_BAUD;
    set_dut_baud(dut_baud);
    UART_CTRL(HOST_UART) = UART_CTRL_EN_RX_IRQ;
    UART_CTRL(DUT_UART) = UART_CTRL_EN_RX_IRQ;
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
}

/* No edge input and no reset output: the CMSDK boards serve simulated benches only, and Renode
 * has no CMSDK GPIO model (../shared/renode/README.md) to drive one from. */
const iface_cm_chip iface_cm_this_chip = {init, host_write, dut_write, set_dut_baud, NULL, tb_cm_systick_us, NULL};
