/*
 * nRF52840 port (nRF52840-DK, and through its own board.h the Arduino Nano 33 BLE): register level,
 * no nrfx or CMSIS headers. Clock, UARTE and GPIO are shared with the interface-board firmware
 * in nrf_hw.c (facts and sources in nrf_hw.h); the board's pins come from its board.h (sources
 * cited there). This file adds the DUT's side:
 *
 *   DUT UART: UARTE0 on the board's link pins (VCOM, or Arduino D0/D1 in energy builds); the
 *     ENDRX interrupt pushes each byte into a ring and restarts RX.
 *   Timestamps: the TIMER1 microsecond counter of nrf_hw.c (nrf_timer_us); stopped (TASKS_STOP keeps the count) while the firmware sleeps
 *     waiting for UART input, as the QEMU ports pause theirs.
 */
#include "tb_port.h"

#include <stdint.h>

/* Angle brackets: the board.h of the port being built (-I ports/<board>), not this directory's. */
#include <board.h>

#include "cm_core.h"
#include "nrf_hw.h"

#ifndef TB_BAUD
#define TB_BAUD 115200u
#endif

#if TB_ENERGY
#define UART_TXD TB_NRF_D1_TXD
#define UART_RXD TB_NRF_D0_RXD
#else
#define UART_TXD TB_NRF_VCOM_TXD
#define UART_RXD TB_NRF_VCOM_RXD
#endif

/* Large enough for the biggest input in one binary load (VWW: 27648 bytes) plus its command line:
 * Renode's UARTE model drops bytes that arrive while RX is not started, so stalling (below) is
 * only a last resort. */
#define RX_RING 32768u
static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head;
static volatile uint32_t rx_tail;
static volatile uint8_t rx_byte;

void tb_port_init(void)
{
    uint32_t i;

    nrf_hfclk_start();

    nrf_timer_us_start();

    nrf_uarte_init(UARTE0, UART_TXD, UART_RXD, TB_BAUD, &rx_byte);

#if TB_ENERGY
    GPIO_OUTSET(TB_NRF_D7) = 1u << (TB_NRF_D7 & 31u); /* timestamp pin idles high */
    GPIO_DIRSET(TB_NRF_D7) = 1u << (TB_NRF_D7 & 31u);
#endif
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
}

static volatile uint32_t rx_stalled; /* ring was full: RX not restarted, getc restarts it */

void tb_cm_irq(void)
{
    if (UARTE_EVENTS_ENDRX(UARTE0) != 0u) {
        uint32_t next = (rx_head + 1u) % RX_RING;
        UARTE_EVENTS_ENDRX(UARTE0) = 0u;
        rx_ring[rx_head] = rx_byte;
        rx_head = next;
        if ((next + 1u) % RX_RING == rx_tail) {
            rx_stalled = 1u; /* one slot left: wait for the monitor before receiving more */
        } else {
            UARTE_TASKS_STARTRX(UARTE0) = 1u;
        }
    }
    if (UARTE_EVENTS_ERROR(UARTE0) != 0u) {
        UARTE_EVENTS_ERROR(UARTE0) = 0u;
        UARTE_ERRORSRC(UARTE0) = UARTE_ERRORSRC(UARTE0); /* write 1 to clear */
    }
}

int tb_port_getc(void)
{
    int byte;
    for (;;) {
        __asm__ volatile("cpsid i" ::: "memory");
        if (rx_tail != rx_head) {
            byte = rx_ring[rx_tail];
            rx_tail = (rx_tail + 1u) % RX_RING;
            if (rx_stalled != 0u) {
                rx_stalled = 0u;
                UARTE_TASKS_STARTRX(UARTE0) = 1u;
            }
            __asm__ volatile("cpsie i" ::: "memory");
            return byte;
        }
        /* The DUT clock pauses while idle (as on the QEMU ports): DUT time only advances while
         * the firmware executes; STOP keeps the count, START resumes it. */
        TIMER_TASKS_STOP = 1u;
        __asm__ volatile("dsb\n\twfi" ::: "memory");
        TIMER_TASKS_START = 1u;
        __asm__ volatile("cpsie i" ::: "memory");
    }
}

void tb_port_write(const char *data, size_t n) { nrf_uarte_write(UARTE0, data, n); }

void tb_cm_fault_write(const char *text)
{
    size_t n = 0;
    while (text[n] != '\0') {
        ++n;
    }
    tb_port_write(text, n);
}

uint32_t tb_port_timestamp_us(void) { return nrf_timer_us(); }

void tb_port_timestamp_pulse(void)
{
#if TB_ENERGY
    uint32_t start = tb_port_timestamp_us();
    GPIO_OUTCLR(TB_NRF_D7) = 1u << (TB_NRF_D7 & 31u);
    while ((uint32_t)(tb_port_timestamp_us() - start) < 2u) {
    }
    GPIO_OUTSET(TB_NRF_D7) = 1u << (TB_NRF_D7 & 31u);
#endif
}
