/* See nrf_hw.h for every register fact and its source. */
#include "nrf_hw.h"

void nrf_hfclk_start(void)
{
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }
}

/* BAUDRATE register values [PS 6.34.9 BAUDRATE]. */
uint32_t nrf_baud_value(uint32_t baud)
{
    switch (baud) {
    case 9600u: return 0x00275000u;
    case 19200u: return 0x004EA000u;
    case 38400u: return 0x009D5000u;
    case 57600u: return 0x00EB0000u;
    case 230400u: return 0x03AFB000u;
    case 460800u: return 0x075F7000u;
    case 921600u: return 0x0EBED000u;
    case 1000000u: return 0x10000000u;
    default: return 0x01D7E000u; /* 115200 */
    }
}

void nrf_uarte_init(uint32_t base, uint32_t txd, uint32_t rxd, uint32_t baud, volatile uint8_t *rx_byte)
{
    GPIO_OUTSET(txd) = 1u << (txd & 31u);
    GPIO_DIRSET(txd) = 1u << (txd & 31u);
    GPIO_PIN_CNF(rxd) = 0xCu; /* input, buffer connected, pull-up */
    UARTE_PSEL_TXD(base) = txd;
    UARTE_PSEL_RXD(base) = rxd;
    UARTE_PSEL_RTS(base) = PSEL_DISCONNECTED;
    UARTE_PSEL_CTS(base) = PSEL_DISCONNECTED;
    UARTE_BAUDRATE(base) = nrf_baud_value(baud);
    UARTE_CONFIG(base) = 0u; /* 8N1, no flow control */
    UARTE_ENABLE(base) = UARTE_ENABLE_UARTE;
    UARTE_RXD_PTR(base) = (uint32_t)(uintptr_t)rx_byte;
    UARTE_RXD_MAXCNT(base) = 1u;
    UARTE_EVENTS_ENDRX(base) = 0u;
    UARTE_INTENSET(base) = UARTE_INT_ENDRX;
    UARTE_TASKS_STARTRX(base) = 1u;
}

void nrf_uarte_write(uint32_t base, const char *data, size_t n)
{
    static uint8_t tx_buf[64]; /* EasyDMA reads RAM only; callers never write from an interrupt */
    while (n > 0u) {
        size_t chunk = n < sizeof tx_buf ? n : sizeof tx_buf;
        size_t i;
        for (i = 0; i < chunk; ++i) {
            tx_buf[i] = (uint8_t)data[i];
        }
        UARTE_EVENTS_ENDTX(base) = 0u;
        UARTE_TXD_PTR(base) = (uint32_t)(uintptr_t)tx_buf;
        UARTE_TXD_MAXCNT(base) = (uint32_t)chunk;
        UARTE_TASKS_STARTTX(base) = 1u;
        while (UARTE_EVENTS_ENDTX(base) == 0u) {
        }
        data += chunk;
        n -= chunk;
    }
}

void nrf_timer_us_start(void)
{
    TIMER_MODE = 0u;      /* timer */
    TIMER_BITMODE = 3u;   /* 32 bit */
    TIMER_PRESCALER = 4u; /* 1 MHz */
    TIMER_TASKS_CLEAR = 1u;
    TIMER_TASKS_START = 1u;
}

uint32_t nrf_timer_us(void)
{
    TIMER_TASKS_CAPTURE0 = 1u;
    return TIMER_CC0;
}
