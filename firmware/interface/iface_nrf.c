/* Interface-board chip file for the nRF52840-DK (nRF52840 at 64 MHz); the main loop is
 * iface_cm_main.c, the clock and UARTE driver ports/nrf52840/nrf_hw.c (register facts and sources
 * in nrf_hw.h), the pins ports/nrf52840/board.h (sources there).
 *
 *   Host side: UARTE0 on the VCOM pins, TXD = P0.06, RXD = P0.08 [nRF52840 DK User Guide,
 *     "Virtual COM port"], at 115200 baud: the J-Link's USB CDC port is the host link.
 *   DUT side: UARTE1 (0x40028000, IRQ 40) on the Arduino header, D0 = P1.01 (RX), D1 = P1.02 (TX)
 *     [nRF52840 DK User Guide, "Arduino interface"], at the stored baud (default 9600) — the pins
 *     the DUT port uses in energy mode.
 *   Timestamp input: Arduino D3 = P1.04 [nRF52840 DK User Guide, "Arduino interface"] (EEMBC's
 *     IO manager takes the DUT's timestamp pin on its D3 too), input with pull-up, GPIOTE
 *     channel 0 in event mode on any change (IRQ 6), stamped by iface_cm_edge() with the TIMER1
 *     microsecond clock (nrf_hw.c), the DUT port's timestamp clock.
 *   DUT reset output: Arduino D2 = P1.03 [same table], open drain (S0D1), released except while
 *     "res" holds it low; wire it to the DUT's reset pin.
 *   Receive: one-byte EasyDMA transfers per UARTE; each ENDRX interrupt hands the byte over and
 *     restarts RX at once (a UARTE whose RX is stopped loses what arrives).
 */
#include <stdint.h>

#include <board.h>

#include "iface_cm.h"
#include "nrf_hw.h"

#define HOST_UART UARTE0
#define DUT_UART UARTE1

static volatile uint8_t g_rx_byte[2]; /* EasyDMA targets, indexed by iface_cm_side */

static void host_write(const char *d, size_t n) { nrf_uarte_write(HOST_UART, d, n); }
static void dut_write(const char *d, size_t n) { nrf_uarte_write(DUT_UART, d, n); }

/* Written while enabled: [PS 6.34] requires only the PSEL registers to be set while the UARTE is
 * disabled, none for BAUDRATE. A character in flight at that moment may be garbled; the host sends
 * setbaud between commands, when the DUT hop is idle. */
static void set_dut_baud(uint32_t baud) { UARTE_BAUDRATE(DUT_UART) = nrf_baud_value(baud); }

static void rx_take(iface_cm_side side, uint32_t base)
{
    if (UARTE_EVENTS_ENDRX(base) != 0u) {
        UARTE_EVENTS_ENDRX(base) = 0u;
        iface_cm_rx(side, g_rx_byte[side]);
        UARTE_TASKS_STARTRX(base) = 1u;
    }
    if (UARTE_EVENTS_ERROR(base) != 0u) {
        UARTE_EVENTS_ERROR(base) = 0u;
        UARTE_ERRORSRC(base) = UARTE_ERRORSRC(base); /* write 1 to clear */
    }
}

#define EDGE_CH 0u

static int edge_level(void) { return (GPIO_IN(TB_NRF_D3) >> (TB_NRF_D3 & 31u)) & 1u; }

static void dut_reset_pin(int asserted)
{
    if (asserted) {
        GPIO_OUTCLR(TB_NRF_D2) = 1u << (TB_NRF_D2 & 31u);
    } else {
        GPIO_OUTSET(TB_NRF_D2) = 1u << (TB_NRF_D2 & 31u);
    }
}

static void pins_init(void)
{
    GPIO_PIN_CNF(TB_NRF_D3) = GPIO_CNF_PULLUP;
    GPIOTE_CONFIG(EDGE_CH) = GPIOTE_CONFIG_EVENT | GPIOTE_CONFIG_PIN(TB_NRF_D3) | GPIOTE_CONFIG_TOGGLE;
    GPIOTE_EVENTS_IN(EDGE_CH) = 0u;
    GPIOTE_INTENSET = 1u << EDGE_CH;
    dut_reset_pin(0);
    GPIO_PIN_CNF(TB_NRF_D2) = GPIO_CNF_OUTPUT | GPIO_CNF_S0D1;
}

void tb_cm_irq(void)
{
    /* The edge first: its stamp should be as close to the edge as the interrupt entry allows. */
    if (GPIOTE_EVENTS_IN(EDGE_CH) != 0u) {
        GPIOTE_EVENTS_IN(EDGE_CH) = 0u;
        (void)GPIOTE_EVENTS_IN(EDGE_CH); /* the clear has reached the peripheral before return */
        iface_cm_edge();
    }
    rx_take(IFACE_CM_HOST, HOST_UART);
    rx_take(IFACE_CM_DUT, DUT_UART);
}

static void init(uint32_t dut_baud)
{
    uint32_t i;
    nrf_hfclk_start();
    nrf_uarte_init(HOST_UART, TB_NRF_VCOM_TXD, TB_NRF_VCOM_RXD, IFACE_HOST_BAUD, &g_rx_byte[IFACE_CM_HOST]);
    nrf_uarte_init(DUT_UART, TB_NRF_D1_TXD, TB_NRF_D0_RXD, dut_baud, &g_rx_byte[IFACE_CM_DUT]);
    nrf_timer_us_start();
    pins_init();
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
}

const iface_cm_chip iface_cm_this_chip = {init, host_write, dut_write, set_dut_baud, edge_level, nrf_timer_us, dut_reset_pin};
