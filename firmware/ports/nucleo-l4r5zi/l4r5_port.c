/*
 * NUCLEO-L4R5ZI port: STM32L4R5ZI (Cortex-M4F) at 120 MHz, register level, no vendor HAL or CMSIS.
 * Clock, pins and UART set-up are shared with the interface-board firmware in l4r5_hw.c; every
 * register and pin fact and its source document is in l4r5_hw.h. This file adds the DUT's side:
 *
 *   [MLT]     mlcommons/tiny v0.5 reference submission, api/submitter_implemented.cpp (mbed):
 *             `DigitalOut timestampPin(D7)` on TARGET_NUCLEO_L4R5ZI; energy mode uses the
 *             Arduino D0/D1 UART at 9600 baud for the IO manager (EEMBC EnergyRunner docs).
 *   [UM2179]  ST UM2179 Rev 7, NUCLEO-L4R5ZI user manual.
 *
 *   - DUT link (performance/accuracy): LPUART1 through the ST-LINK virtual COM port.
 *   - Energy mode: the DUT link moves to USART3 on the Arduino D0/D1 header pins, at 9600 baud,
 *     wired to the energy interface board; the timestamp pin is Arduino D7 = PF13
 *     [UM2179 Table 12, CN10 pin 16] as in [MLT], idle high, pulsed low.
 *   - Timestamps: SysTick on HCLK (120 MHz), extended to 64 bits (cm_core.c), paused while the
 *     firmware sleeps waiting for UART input (as on the QEMU ports).
 */
#include "tb_port.h"

#include <stdint.h>

#include "board.h"
#include "cm_core.h"
#include "l4r5_hw.h"

#ifndef TB_BAUD
#define TB_BAUD 115200u
#endif

#if TB_ENERGY
#define DUT_UART USART3_BASE
#else
#define DUT_UART LPUART1_BASE
#endif

/* Received bytes, filled by the UART interrupt: the host may send a whole command line while the
 * monitor is still busy, and the UART holds one byte. */
#define RX_RING 2048u
static volatile uint8_t rx_ring[RX_RING];
static volatile uint32_t rx_head;
static volatile uint32_t rx_tail;

static void uart_init(void)
{
#if TB_ENERGY
    l4r5_usart3_d0d1_init(TB_BAUD);
    /* Timestamp pin D7 = PF13: output, idle high. */
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOF;
    GPIO_BSRR('F') = 1u << 13;
    GPIO_MODER('F') = (GPIO_MODER('F') & ~(0x3u << 26)) | (0x1u << 26);
#else
    l4r5_lpuart1_vcp_init(TB_BAUD);
#endif
}

void tb_port_init(void)
{
    uint32_t i;

    l4r5_clocks_120mhz();
    uart_init();
    /* Every external interrupt goes to tb_cm_irq; only the DUT UART's RXNE is enabled. */
    for (i = 0; i < TB_NVIC_WORDS; ++i) {
        NVIC_ISER(i) = 0xFFFFFFFFu;
    }
    tb_cm_systick_start();
}

void tb_cm_irq(void)
{
    uint32_t isr = U_ISR(DUT_UART);
    while ((isr & U_ISR_RXNE) != 0u) {
        uint32_t next = (rx_head + 1u) % RX_RING;
        if (next == rx_tail) {
            /* Ring full (a binary tb-load arriving faster than the monitor reads, as a simulator
             * delivers it): leave the byte in the UART and stop its interrupt; getc re-enables it. */
            U_CR1(DUT_UART) &= ~U_CR1_RXNEIE;
            break;
        }
        rx_ring[rx_head] = (uint8_t)U_RDR(DUT_UART);
        rx_head = next;
        isr = U_ISR(DUT_UART);
    }
    if ((isr & U_ISR_ORE) != 0u) {
        U_ICR(DUT_UART) = U_ICR_ALL;
    }
}

int tb_port_getc(void)
{
    int byte;
    for (;;) {
        /* PRIMASK set: a byte arriving between the check and WFI still wakes the core. */
        __asm__ volatile("cpsid i" ::: "memory");
        if (rx_tail != rx_head) {
            byte = rx_ring[rx_tail];
            rx_tail = (rx_tail + 1u) % RX_RING;
            U_CR1(DUT_UART) |= U_CR1_RXNEIE; /* room again: take what the UART holds */
            __asm__ volatile("cpsie i" ::: "memory");
            return byte;
        }
        /* The DUT clock pauses while idle, as on the QEMU ports: DUT time then only advances while
         * the firmware executes, so a simulator's time does not depend on how fast the host sends
         * the next command (laps are taken inside `infer`, never across an idle wait). */
        tb_cm_systick_pause(1);
        __asm__ volatile("dsb\n\twfi" ::: "memory");
        tb_cm_systick_pause(0);
        __asm__ volatile("cpsie i" ::: "memory");
    }
}

static void uart_putc(char c) { l4r5_uart_putc(DUT_UART, c); }

void tb_port_write(const char *data, size_t n)
{
    size_t i;
    for (i = 0; i < n; ++i) {
        uart_putc(data[i]);
    }
}

void tb_cm_fault_write(const char *text)
{
    for (; *text != '\0'; ++text) {
        uart_putc(*text);
    }
}

uint32_t tb_port_timestamp_us(void) { return tb_cm_systick_us(); }

void tb_port_timestamp_pulse(void)
{
#if TB_ENERGY
    uint32_t start = tb_port_timestamp_us();
    GPIO_BSRR('F') = 1u << (13u + 16u); /* D7 low */
    while ((uint32_t)(tb_port_timestamp_us() - start) < 2u) {
    }
    GPIO_BSRR('F') = 1u << 13; /* release high */
#endif
}
