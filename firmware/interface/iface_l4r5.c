/* Interface-board chip file for the NUCLEO-L4R5ZI (STM32L4R5ZI at 120 MHz); the main loop is
 * iface_cm_main.c, the clock/pin/UART set-up ports/nucleo-l4r5zi/l4r5_hw.c (every register and
 * pin fact with its source document in l4r5_hw.h).
 *
 *   Host side: LPUART1 on PG7 (TX) / PG8 (RX), the ST-LINK/V2-1 virtual COM port [UM2179 6.9], at
 *     115200 baud: the board's USB cable is the host link, as on MLCommons' interface board.
 *   DUT side: USART3 on Arduino D1 = PD8 (TX) / D0 = PD9 (RX) [UM2179 Table 12, CN10], at the
 *     stored baud (default 9600) — the same header pins the DUT port uses in energy mode, so two
 *     NUCLEOs wire D1->D0 and D0->D1 (through the level shifter) plus GND.
 *   Interrupts: LPUART1 (IRQ 70) and USART3 (IRQ 39) RXNE, both into tb_cm_irq [RM0432 Table 58].
 */
#include <stdint.h>

#include "board.h"
#include "iface_cm.h"
#include "l4r5_hw.h"

#define HOST_UART LPUART1_BASE
#define DUT_UART USART3_BASE

static void write_bytes(uint32_t base, const char *d, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        l4r5_uart_putc(base, d[i]);
    }
}

static void host_write(const char *d, size_t n) { write_bytes(HOST_UART, d, n); }
static void dut_write(const char *d, size_t n) { write_bytes(DUT_UART, d, n); }
static void set_dut_baud(uint32_t baud) { l4r5_uart_set_baud(DUT_UART, baud); }

static void rx_drain(iface_cm_side side, uint32_t base)
{
    while ((U_ISR(base) & U_ISR_RXNE) != 0u) {
        iface_cm_rx(side, (uint8_t)U_RDR(base));
    }
    if ((U_ISR(base) & U_ISR_ORE) != 0u) {
        U_ICR(base) = U_ICR_ALL; /* an overrun stops reception until cleared */
    }
}

void tb_cm_irq(void)
{
    rx_drain(IFACE_CM_HOST, HOST_UART);
    rx_drain(IFACE_CM_DUT, DUT_UART);
}

static void init(uint32_t dut_baud)
{
    uint32_t i;
    l4r5_clocks_120mhz();
    l4r5_lpuart1_vcp_init(IFACE_HOST_BAUD);
    l4r5_usart3_d0d1_init(dut_baud);
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
}

const iface_cm_chip iface_cm_this_chip = {init, host_write, dut_write, set_dut_baud};
