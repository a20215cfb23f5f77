/*
 * nRF52840: what both firmware images on this chip share — the DUT port (nrf_port.c) and the
 * interface board (../../interface/iface_nrf.c): the HFXO clock start, the UARTE driver and the
 * GPIO registers. Register level, no nrfx or CMSIS headers. Addresses and bit positions from the
 * nRF52840 Product Specification v1.7 [PS]; the board's pins from its board.h.
 *
 *   Clock [PS 6.4 CLOCK, registers 6.4.7]: the CPU always runs at 64 MHz; TASKS_HFCLKSTART
 *     switches HFCLK from the internal RC to the 32 MHz crystal (HFXO), which makes 64 MHz and
 *     the 16 MHz peripheral clock accurate; wait for EVENTS_HFCLKSTARTED.
 *   UARTE [PS 6.34 UARTE, registers 6.34.9]: UARTE0 at 0x40002000 (peripheral ID 2, IRQ 2),
 *     UARTE1 at 0x40028000 (ID 40, IRQ 40) [PS, "Instantiation" table of the memory chapter]; both with EasyDMA. TX
 *     copies each chunk into a RAM buffer (EasyDMA reads RAM only) and waits for ENDTX; RX runs
 *     one-byte transfers whose ENDRX interrupt hands the byte over and restarts RX. BAUDRATE
 *     values from the BAUDRATE register table.
 *   GPIO [PS 6.9 GPIO, registers 6.9.2]: P0 at 0x50000000, P1 at 0x50000300; PSEL values are
 *     pin | port << 5 with CONNECT (bit 31) = 0. IN at 0x510 (the pins' levels); PIN_CNF[n]: DIR
 *     (bit 0, 1 = output), INPUT (bit 1, 0 = buffer connected), PULL (bits 3:2, 3 = pull-up),
 *     DRIVE (bits 10:8, 6 = S0D1: standard 0, disconnected 1, i.e. open drain).
 *   Microsecond clock [PS 6.30 TIMER, registers 6.30.10]: TIMER1 (0x40009000) in 32-bit timer
 *     mode, PRESCALER 4 (16 MHz / 2^4 = 1 MHz): a free-running microsecond counter wrapping at
 *     2^32, read with TASKS_CAPTURE[0] -> CC[0].
 *   GPIOTE [PS 6.10 GPIOTE, registers 6.10.5]: at 0x40006000, IRQ 6 [PS, "Instantiation" table].
 *     CONFIG[n] at 0x510 + 4n: MODE (bits 1:0, 1 = Event), PSEL (bits 12:8, pin), PORT (bit 13),
 *     POLARITY (bits 17:16, 3 = Toggle: any change); EVENTS_IN[n] at 0x100 + 4n; INTENSET at
 *     0x304, bit n = IN[n].
 */
#ifndef TB_NRF_HW_H
#define TB_NRF_HW_H

#include <stddef.h>
#include <stdint.h>

#include "cm_core.h"

#define R(addr) TB_REG32(addr)

#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART R(CLOCK_BASE + 0x000u)
#define CLOCK_EVENTS_HFCLKSTARTED R(CLOCK_BASE + 0x100u)

#define UARTE0 0x40002000u
#define UARTE1 0x40028000u
#define UARTE_TASKS_STARTRX(b) R((b) + 0x000u)
#define UARTE_TASKS_STARTTX(b) R((b) + 0x008u)
#define UARTE_EVENTS_ENDRX(b) R((b) + 0x110u)
#define UARTE_EVENTS_ENDTX(b) R((b) + 0x120u)
#define UARTE_EVENTS_ERROR(b) R((b) + 0x124u)
#define UARTE_INTENSET(b) R((b) + 0x304u)
#define UARTE_ERRORSRC(b) R((b) + 0x480u)
#define UARTE_ENABLE(b) R((b) + 0x500u)
#define UARTE_PSEL_RTS(b) R((b) + 0x508u)
#define UARTE_PSEL_TXD(b) R((b) + 0x50Cu)
#define UARTE_PSEL_CTS(b) R((b) + 0x510u)
#define UARTE_PSEL_RXD(b) R((b) + 0x514u)
#define UARTE_BAUDRATE(b) R((b) + 0x524u)
#define UARTE_RXD_PTR(b) R((b) + 0x534u)
#define UARTE_RXD_MAXCNT(b) R((b) + 0x538u)
#define UARTE_TXD_PTR(b) R((b) + 0x544u)
#define UARTE_TXD_MAXCNT(b) R((b) + 0x548u)
#define UARTE_CONFIG(b) R((b) + 0x56Cu)
#define UARTE_ENABLE_UARTE 8u
#define UARTE_INT_ENDRX (1u << 4)
#define PSEL_DISCONNECTED 0xFFFFFFFFu

#define GPIO_PORT(pin) (0x50000000u + 0x300u * ((pin) >> 5))
#define GPIO_OUTSET(pin) R(GPIO_PORT(pin) + 0x508u)
#define GPIO_OUTCLR(pin) R(GPIO_PORT(pin) + 0x50Cu)
#define GPIO_DIRSET(pin) R(GPIO_PORT(pin) + 0x518u)
#define GPIO_IN(pin) R(GPIO_PORT(pin) + 0x510u)
#define GPIO_PIN_CNF(pin) R(GPIO_PORT(pin) + 0x700u + 4u * ((pin) & 31u))
#define GPIO_CNF_OUTPUT 1u
#define GPIO_CNF_PULLUP (3u << 2)
#define GPIO_CNF_S0D1 (6u << 8)

#define GPIOTE_BASE 0x40006000u
#define GPIOTE_EVENTS_IN(n) R(GPIOTE_BASE + 0x100u + 4u * (n))
#define GPIOTE_INTENSET R(GPIOTE_BASE + 0x304u)
#define GPIOTE_CONFIG(n) R(GPIOTE_BASE + 0x510u + 4u * (n))
#define GPIOTE_CONFIG_EVENT 1u
#define GPIOTE_CONFIG_PIN(pin) (((pin) & 31u) << 8 | ((pin) >> 5) << 13) /* PSEL + PORT */
#define GPIOTE_CONFIG_TOGGLE (3u << 16)

#define TIMER1 0x40009000u
#define TIMER_TASKS_START R(TIMER1 + 0x000u)
#define TIMER_TASKS_STOP R(TIMER1 + 0x004u)
#define TIMER_TASKS_CLEAR R(TIMER1 + 0x00Cu)
#define TIMER_TASKS_CAPTURE0 R(TIMER1 + 0x040u)
#define TIMER_MODE R(TIMER1 + 0x504u)
#define TIMER_BITMODE R(TIMER1 + 0x508u)
#define TIMER_PRESCALER R(TIMER1 + 0x510u)
#define TIMER_CC0 R(TIMER1 + 0x540u)

#define NVIC_ISER(n) R(0xE000E100u + 4u * (n))

/* HFCLK from the crystal; returns once it runs. */
void nrf_hfclk_start(void);
/* TIMER1 as a free-running 1 MHz, 32-bit counter from 0; and its count now. */
void nrf_timer_us_start(void);
uint32_t nrf_timer_us(void);
/* BAUDRATE register value for `baud` (115200 for a rate the table lacks). */
uint32_t nrf_baud_value(uint32_t baud);
/* UARTE at `base` on pins `txd`/`rxd` (PSEL values), 8N1 at `baud`; RX of one byte into
 * `*rx_byte` started with its ENDRX interrupt enabled. */
void nrf_uarte_init(uint32_t base, uint32_t txd, uint32_t rxd, uint32_t baud, volatile uint8_t *rx_byte);
/* Send `n` bytes, waiting for each chunk's ENDTX. */
void nrf_uarte_write(uint32_t base, const char *data, size_t n);

#endif
