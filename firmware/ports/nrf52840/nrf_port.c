/*
 * nRF52840 port (nRF52840-DK, and through its own board.h the Arduino Nano 33 BLE): register level,
 * no nrfx or CMSIS headers. Register addresses and bit positions from the nRF52840 Product
 * Specification v1.7 [PS]; the board's pins from its board.h (sources cited there).
 *
 *   Clock [PS 6.4 CLOCK, registers 6.4.7]: the CPU always runs at 64 MHz; TASKS_HFCLKSTART
 *     switches HFCLK from the internal RC to the 32 MHz crystal (HFXO), which makes 64 MHz and
 *     the 16 MHz peripheral clock accurate; wait for EVENTS_HFCLKSTARTED.
 *   DUT UART [PS 6.34 UARTE, registers 6.34.9]: UARTE0 (EasyDMA). TX copies each chunk into a RAM
 *     buffer (EasyDMA reads RAM only) and waits for ENDTX; RX runs one-byte transfers, ENDRX
 *     interrupt pushes the byte into a ring and restarts RX. Baud values from the BAUDRATE table.
 *   Timestamps [PS 6.30 TIMER, registers 6.30.10]: TIMER1 in 32-bit timer mode, PRESCALER 4
 *     (16 MHz / 2^4 = 1 MHz): a free-running microsecond counter wrapping at 2^32, read with
 *     TASKS_CAPTURE[0] -> CC[0]; stopped (TASKS_STOP keeps the count) while the firmware sleeps
 *     waiting for UART input, as the QEMU ports pause theirs.
 *   GPIO [PS 6.9 GPIO, registers 6.9.2]: P0 at 0x50000000, P1 at 0x50000300; PSEL values are
 *     pin | port << 5 with CONNECT (bit 31) = 0.
 */
#include "tb_port.h"

#include <stdint.h>

/* Angle brackets: the board.h of the port being built (-I ports/<board>), not this directory's. */
#include <board.h>

#include "cm_core.h"

#define R(addr) TB_REG32(addr)

#ifndef TB_BAUD
#define TB_BAUD 115200u
#endif

#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART R(CLOCK_BASE + 0x000u)
#define CLOCK_EVENTS_HFCLKSTARTED R(CLOCK_BASE + 0x100u)

#define UARTE0 0x40002000u
#define UARTE_TASKS_STARTRX R(UARTE0 + 0x000u)
#define UARTE_TASKS_STARTTX R(UARTE0 + 0x008u)
#define UARTE_EVENTS_ENDRX R(UARTE0 + 0x110u)
#define UARTE_EVENTS_ENDTX R(UARTE0 + 0x120u)
#define UARTE_EVENTS_ERROR R(UARTE0 + 0x124u)
#define UARTE_INTENSET R(UARTE0 + 0x304u)
#define UARTE_ERRORSRC R(UARTE0 + 0x480u)
#define UARTE_ENABLE R(UARTE0 + 0x500u)
#define UARTE_PSEL_RTS R(UARTE0 + 0x508u)
#define UARTE_PSEL_TXD R(UARTE0 + 0x50Cu)
#define UARTE_PSEL_CTS R(UARTE0 + 0x510u)
#define UARTE_PSEL_RXD R(UARTE0 + 0x514u)
#define UARTE_BAUDRATE R(UARTE0 + 0x524u)
#define UARTE_RXD_PTR R(UARTE0 + 0x534u)
#define UARTE_RXD_MAXCNT R(UARTE0 + 0x538u)
#define UARTE_TXD_PTR R(UARTE0 + 0x544u)
#define UARTE_TXD_MAXCNT R(UARTE0 + 0x548u)
#define UARTE_CONFIG R(UARTE0 + 0x56Cu)
#define UARTE_ENABLE_UARTE 8u
#define UARTE_INT_ENDRX (1u << 4)
#define PSEL_DISCONNECTED 0xFFFFFFFFu

#define TIMER1 0x40009000u
#define TIMER_TASKS_START R(TIMER1 + 0x000u)
#define TIMER_TASKS_STOP R(TIMER1 + 0x004u)
#define TIMER_TASKS_CLEAR R(TIMER1 + 0x00Cu)
#define TIMER_TASKS_CAPTURE0 R(TIMER1 + 0x040u)
#define TIMER_MODE R(TIMER1 + 0x504u)
#define TIMER_BITMODE R(TIMER1 + 0x508u)
#define TIMER_PRESCALER R(TIMER1 + 0x510u)
#define TIMER_CC0 R(TIMER1 + 0x540u)

#define GPIO_PORT(pin) (0x50000000u + 0x300u * ((pin) >> 5))
#define GPIO_OUTSET(pin) R(GPIO_PORT(pin) + 0x508u)
#define GPIO_OUTCLR(pin) R(GPIO_PORT(pin) + 0x50Cu)
#define GPIO_DIRSET(pin) R(GPIO_PORT(pin) + 0x518u)
#define GPIO_PIN_CNF(pin) R(GPIO_PORT(pin) + 0x700u + 4u * ((pin) & 31u))

#define NVIC_ISER(n) R(0xE000E100u + 4u * (n))

#if TB_ENERGY
#define UART_TXD TB_NRF_D1_TXD
#define UART_RXD TB_NRF_D0_RXD
#else
#define UART_TXD TB_NRF_VCOM_TXD
#define UART_RXD TB_NRF_VCOM_RXD
#endif

/* BAUDRATE register values [PS 6.34.9 BAUDRATE]. */
static uint32_t baud_value(uint32_t baud)
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

/* Large enough for the biggest input in one binary load (VWW: 27648 bytes) plus its command line:
 * Renode's UARTE model drops bytes that arrive while RX is not started, so stalling (below) is
 * only a last resort. */
#define RX_RING 32768u
static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head;
static volatile uint32_t rx_tail;
static volatile uint8_t rx_byte;
static uint8_t tx_buf[64];

void tb_port_init(void)
{
    uint32_t i;

    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    while (CLOCK_EVENTS_HFCLKSTARTED == 0u) {
    }

    TIMER_MODE = 0u;      /* timer */
    TIMER_BITMODE = 3u;   /* 32 bit */
    TIMER_PRESCALER = 4u; /* 1 MHz */
    TIMER_TASKS_CLEAR = 1u;
    TIMER_TASKS_START = 1u;

    GPIO_OUTSET(UART_TXD) = 1u << (UART_TXD & 31u);
    GPIO_DIRSET(UART_TXD) = 1u << (UART_TXD & 31u);
    GPIO_PIN_CNF(UART_RXD) = 0xCu; /* input, buffer connected, pull-up */
    UARTE_PSEL_TXD = UART_TXD;
    UARTE_PSEL_RXD = UART_RXD;
    UARTE_PSEL_RTS = PSEL_DISCONNECTED;
    UARTE_PSEL_CTS = PSEL_DISCONNECTED;
    UARTE_BAUDRATE = baud_value(TB_BAUD);
    UARTE_CONFIG = 0u; /* 8N1, no flow control */
    UARTE_ENABLE = UARTE_ENABLE_UARTE;
    UARTE_RXD_PTR = (uint32_t)(uintptr_t)&rx_byte;
    UARTE_RXD_MAXCNT = 1u;
    UARTE_EVENTS_ENDRX = 0u;
    UARTE_INTENSET = UARTE_INT_ENDRX;
    UARTE_TASKS_STARTRX = 1u;

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
    if (UARTE_EVENTS_ENDRX != 0u) {
        uint32_t next = (rx_head + 1u) % RX_RING;
        UARTE_EVENTS_ENDRX = 0u;
        rx_ring[rx_head] = rx_byte;
        rx_head = next;
        if ((next + 1u) % RX_RING == rx_tail) {
            rx_stalled = 1u; /* one slot left: wait for the monitor before receiving more */
        } else {
            UARTE_TASKS_STARTRX = 1u;
        }
    }
    if (UARTE_EVENTS_ERROR != 0u) {
        UARTE_EVENTS_ERROR = 0u;
        UARTE_ERRORSRC = UARTE_ERRORSRC; /* write 1 to clear */
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
                UARTE_TASKS_STARTRX = 1u;
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

void tb_port_write(const char *data, size_t n)
{
    while (n > 0u) {
        size_t chunk = n < sizeof tx_buf ? n : sizeof tx_buf;
        size_t i;
        for (i = 0; i < chunk; ++i) {
            tx_buf[i] = (uint8_t)data[i];
        }
        UARTE_EVENTS_ENDTX = 0u;
        UARTE_TXD_PTR = (uint32_t)(uintptr_t)tx_buf;
        UARTE_TXD_MAXCNT = (uint32_t)chunk;
        UARTE_TASKS_STARTTX = 1u;
        while (UARTE_EVENTS_ENDTX == 0u) {
        }
        data += chunk;
        n -= chunk;
    }
}

void tb_cm_fault_write(const char *text)
{
    size_t n = 0;
    while (text[n] != '\0') {
        ++n;
    }
    tb_port_write(text, n);
}

uint32_t tb_port_timestamp_us(void)
{
    TIMER_TASKS_CAPTURE0 = 1u;
    return TIMER_CC0;
}

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
