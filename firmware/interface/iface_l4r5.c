/* Interface-board chip file for the NUCLEO-L4R5ZI (STM32L4R5ZI at 120 MHz); the main loop is
 * iface_cm_main.c, the clock/pin/UART set-up ports/nucleo-l4r5zi/l4r5_hw.c (every register and
 * pin fact with its source document in l4r5_hw.h).
 *
 *   Host side: LPUART1 on PG7 (TX) / PG8 (RX), the ST-LINK/V2-1 virtual COM port [UM2179 6.9], at
 *     115200 baud: the board's USB cable is the host link, as on MLCommons' interface board.
 *   DUT side: USART3 on Arduino D1 = PD8 (TX) / D0 = PD9 (RX) [UM2179 Table 12, CN10], at the
 *     stored baud (default 9600) — the same header pins the DUT port uses in energy mode, so two
 *     NUCLEOs wire D1->D0 and D0->D1 (through the level shifter) plus GND.
 *   Timestamp input: Arduino D3 = PE13 [UM2179 Table 12, CN10] (EEMBC's IO manager takes the
 *     DUT's timestamp pin on its D3 too), input with pull-up, EXTI line 13 on both edges (IRQ 40,
 *     EXTI15_10), stamped by iface_cm_edge() with the SysTick microsecond clock
 *     (tb_cm_systick_us), the DUT port's timestamp clock.
 *   DUT reset output: Arduino D2 = PF15 [UM2179 Table 12, CN10], open drain, released (high-Z)
 *     except while "res" holds it low; wire it to the DUT's NRST.
 *   Interrupts: LPUART1 (IRQ 70) and USART3 (IRQ 39) RXNE, EXTI15_10 (IRQ 40), all into tb_cm_irq
 *   [RM0432 Table 58]. Register facts and sources: l4r5_hw.h.
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

#define EDGE_PORT 'E'
#define EDGE_PIN 13u /* = its EXTI line */
#define RESET_PORT 'F'
#define RESET_PIN 15u

static int edge_level(void) { return (GPIO_IDR(EDGE_PORT) >> EDGE_PIN) & 1u; }

static void dut_reset_pin(int asserted)
{
    GPIO_BSRR(RESET_PORT) = asserted ? 1u << (RESET_PIN + 16u) : 1u << RESET_PIN;
}

/* PE13 as input with pull-up (the line idles high, and an unwired input stays quiet) on EXTI 13,
 * both edges; PF15 open drain, released. */
static void pins_init(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOE | RCC_AHB2ENR_GPIOF;
    RCC_APB2ENR |= RCC_APB2ENR_SYSCFG;
    (void)RCC_APB2ENR; /* the enables take effect before the blocks are touched */
    GPIO_PUPDR(EDGE_PORT) = (GPIO_PUPDR(EDGE_PORT) & ~(0x3u << (2u * EDGE_PIN))) | (0x1u << (2u * EDGE_PIN));
    GPIO_MODER(EDGE_PORT) &= ~(0x3u << (2u * EDGE_PIN));
    SYSCFG_EXTICR(EDGE_PIN) = (SYSCFG_EXTICR(EDGE_PIN) & ~(0xFu << (4u * (EDGE_PIN % 4u)))) |
                              ((uint32_t)(EDGE_PORT - 'A') << (4u * (EDGE_PIN % 4u)));
    EXTI_RTSR1 |= 1u << EDGE_PIN;
    EXTI_FTSR1 |= 1u << EDGE_PIN;
    EXTI_PR1 = 1u << EDGE_PIN;
    EXTI_IMR1 |= 1u << EDGE_PIN;

    dut_reset_pin(0);
    GPIO_OTYPER(RESET_PORT) |= 1u << RESET_PIN;
    GPIO_MODER(RESET_PORT) = (GPIO_MODER(RESET_PORT) & ~(0x3u << (2u * RESET_PIN))) | (0x1u << (2u * RESET_PIN));
}

void tb_cm_irq(void)
{
    /* The edge first: its stamp should be as close to the edge as the interrupt entry allows. */
    if ((EXTI_PR1 & (1u << EDGE_PIN)) != 0u) {
        EXTI_PR1 = 1u << EDGE_PIN;
        iface_cm_edge();
    }
    rx_drain(IFACE_CM_HOST, HOST_UART);
    rx_drain(IFACE_CM_DUT, DUT_UART);
}

static void init(uint32_t dut_baud)
{
    uint32_t i;
    l4r5_clocks_120mhz();
    l4r5_lpuart1_vcp_init(IFACE_HOST_BAUD);
    l4r5_usart3_d0d1_init(dut_baud);
    pins_init();
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
}

const iface_cm_chip iface_cm_this_chip = {init, host_write, dut_write, set_dut_baud, edge_level, tb_cm_systick_us, dut_reset_pin};
