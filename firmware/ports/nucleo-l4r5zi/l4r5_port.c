/*
 * NUCLEO-L4R5ZI port: STM32L4R5ZI (Cortex-M4F) at 120 MHz, register level, no vendor HAL or CMSIS.
 *
 * Sources of every fact below (cited per register block):
 *   [RM0432]  ST RM0432 Rev 9, "STM32L4+ Series reference manual".
 *   [UM2179]  ST UM2179 Rev 7, "STM32 Nucleo-144 boards (MB1312)" — NUCLEO-L4R5ZI user manual.
 *   [DS12023] ST DS12023, STM32L4R5xx datasheet, Table 16 "Alternate function AF0 to AF7" and
 *             Table 17 "AF8 to AF15".
 *   [MLT]     mlcommons/tiny v0.5 reference submission, api/submitter_implemented.cpp (mbed):
 *             `DigitalOut timestampPin(D7)` on TARGET_NUCLEO_L4R5ZI; energy mode uses the
 *             Arduino D0/D1 UART at 9600 baud for the IO manager (EEMBC EnergyRunner docs).
 *
 * Board wiring:
 *   - DUT link (performance/accuracy): LPUART1 TX = PG7, RX = PG8, AF8 [DS12023 Table 17], wired
 *     to the ST-LINK/V2-1 virtual COM port [UM2179 section 6.9 "Virtual COM port (VCP)": "LPUART1
 *     (PG7/PG8) ... connected to ST-LINK"]. Port G pins PG2..PG15 are supplied by VDDIO2, which
 *     must be declared valid (PWR_CR2.IOSV) before they work [RM0432 5.1.1 "Independent I/O
 *     supply rail", 5.4.2 PWR_CR2].
 *   - Energy mode: the DUT link moves to the Arduino D0/D1 header pins, D0 = PD9 (USART3_RX),
 *     D1 = PD8 (USART3_TX), AF7 [UM2179 Table 12 "ST Zio connector" (CN10); DS12023 Table 16], at
 *     9600 baud, wired to the energy interface board; the timestamp pin is Arduino D7 = PF13
 *     [UM2179 Table 12, CN10 pin 16] as in [MLT], idle high, pulsed low.
 *   - Clock [RM0432 6.2 "Clocks"]: reset runs MSI at 4 MHz. The PLL takes MSI 4 MHz, M = 1,
 *     N = 60, R = 2 -> 120 MHz SYSCLK (RCC_PLLCFGR, 6.4 "RCC registers"), which needs voltage range 1 boost mode
 *     (PWR_CR5.R1MODE = 0, then PWR_SR2.VOSF = 0: 5.1.8 "Dynamic voltage scaling management",
 *     5.4 "PWR registers") and 5 flash wait states (FLASH_ACR.LATENCY, 3.3.3 "Read access latency",
 *     Table 12 "Number of wait states according to CPU clock (HCLK) frequency": 5 WS for
 *     HCLK <= 120 MHz in range 1 boost). Switching above 80 MHz in boost mode must pass through
 *     AHB prescaler /2 for at least 1 us [RM0432 6.2.7 "System clock (SYSCLK) selection"].
 *   - LPUARTs take HSI16 (RCC_CCIPR.LPUART1SEL = 10, 6.4 "RCC registers"): BRR = 256 * 16 MHz / baud stays in
 *     range [0x300, 2^20) for 9600..921600 baud [RM0432 52.4.8 "LPUART baud rate generation"].
 *   - Timestamps: SysTick on HCLK (120 MHz), extended to 64 bits (cm_core.c), paused while the
 *     firmware sleeps waiting for UART input (as on the QEMU ports).
 */
#include "tb_port.h"

#include <stdint.h>

#include "board.h"
#include "cm_core.h"

#define R(addr) TB_REG32(addr)

#ifndef TB_BAUD
#define TB_BAUD 115200u
#endif

/* RCC [RM0432 6.4], base 0x40021000 [RM0432 2.2.2 Table 3] */
#define RCC_BASE 0x40021000u
#define RCC_CR R(RCC_BASE + 0x00u)
#define RCC_CFGR R(RCC_BASE + 0x08u)
#define RCC_PLLCFGR R(RCC_BASE + 0x0Cu)
#define RCC_AHB2ENR R(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 R(RCC_BASE + 0x58u)
#define RCC_APB1ENR2 R(RCC_BASE + 0x5Cu)
#define RCC_CCIPR R(RCC_BASE + 0x88u)
#define RCC_CR_MSIRDY (1u << 1)
#define RCC_CR_HSION (1u << 8)
#define RCC_CR_HSIRDY (1u << 10)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x3u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x3u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_HPRE_DIV2 (0x8u << 4)
#define RCC_PLLCFGR_SRC_MSI 0x1u
#define RCC_PLLCFGR_M(m) (((m) - 1u) << 4)
#define RCC_PLLCFGR_N(n) ((n) << 8)
#define RCC_PLLCFGR_REN (1u << 24) /* PLLR = /2: bits 26:25 = 00 */
#define RCC_AHB2ENR_GPIOD (1u << 3)
#define RCC_AHB2ENR_GPIOF (1u << 5)
#define RCC_AHB2ENR_GPIOG (1u << 6)
#define RCC_APB1ENR1_USART3 (1u << 18)
#define RCC_APB1ENR1_PWR (1u << 28)
#define RCC_APB1ENR2_LPUART1 (1u << 0)
#define RCC_CCIPR_USART3SEL_HSI (0x2u << 4)
#define RCC_CCIPR_LPUART1SEL_HSI (0x2u << 10)

/* PWR [RM0432 5.4], base 0x40007000 */
#define PWR_BASE 0x40007000u
#define PWR_CR1 R(PWR_BASE + 0x00u)
#define PWR_CR2 R(PWR_BASE + 0x04u)
#define PWR_SR2 R(PWR_BASE + 0x14u)
#define PWR_CR5 R(PWR_BASE + 0x80u)
#define PWR_CR1_VOS_MASK (0x3u << 9)
#define PWR_CR1_VOS_RANGE1 (0x1u << 9)
#define PWR_CR2_IOSV (1u << 9)
#define PWR_SR2_VOSF (1u << 10)
#define PWR_CR5_R1MODE (1u << 8) /* 1 = range 1 normal, 0 = range 1 boost */

/* FLASH interface [RM0432 3.7], base 0x40022000 */
#define FLASH_ACR R(0x40022000u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_LATENCY_5WS 5u
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* GPIO [RM0432 8.5], ports 0x400 apart from 0x48000000 */
#define GPIO_BASE(port) (0x48000000u + 0x400u * (uint32_t)((port) - 'A'))
#define GPIO_MODER(p) R(GPIO_BASE(p) + 0x00u)
#define GPIO_OSPEEDR(p) R(GPIO_BASE(p) + 0x08u)
#define GPIO_PUPDR(p) R(GPIO_BASE(p) + 0x0Cu)
#define GPIO_BSRR(p) R(GPIO_BASE(p) + 0x18u)
#define GPIO_AFR(p, pin) R(GPIO_BASE(p) + 0x20u + 4u * ((pin) / 8u))

/* LPUART1 [RM0432 52.7] base 0x40008000; USART3 [RM0432 51.8] base 0x40004800. Same register
 * offsets for what is used here; only the baud-rate formula differs (x256 on the LPUART). */
#define LPUART1_BASE 0x40008000u
#define USART3_BASE 0x40004800u
#define U_CR1(b) R((b) + 0x00u)
#define U_BRR(b) R((b) + 0x0Cu)
#define U_ISR(b) R((b) + 0x1Cu)
#define U_ICR(b) R((b) + 0x20u)
#define U_RDR(b) R((b) + 0x24u)
#define U_TDR(b) R((b) + 0x28u)
#define U_CR1_UE (1u << 0)
#define U_CR1_RE (1u << 2)
#define U_CR1_TE (1u << 3)
#define U_CR1_RXNEIE (1u << 5)
#define U_ISR_ORE (1u << 3)
#define U_ISR_RXNE (1u << 5)
#define U_ISR_TXE (1u << 7)
#define U_ICR_ALL 0x00121B5Fu /* every clear flag: PE FE NE ORE IDLE TC CTS RTOF EOB CM WUC */

#define NVIC_ISER(n) R(0xE000E100u + 4u * (n))
#define HSI_HZ 16000000u

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

static void wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    while ((*reg & mask) != value) {
    }
}

static void clocks_120mhz(void)
{
    uint32_t i;

    RCC_APB1ENR1 |= RCC_APB1ENR1_PWR;
    (void)RCC_APB1ENR1; /* the enable takes effect before PWR is touched */
    /* Range 1 (reset value), boost mode; wait until the regulator has settled. */
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_RANGE1;
    PWR_CR5 &= ~PWR_CR5_R1MODE;
    wait_set(&PWR_SR2, PWR_SR2_VOSF, 0u);
    /* Wait states before the clock goes up; read back as the RM requires. */
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_ACR_LATENCY_5WS | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    wait_set(&FLASH_ACR, FLASH_ACR_LATENCY_MASK, FLASH_ACR_LATENCY_5WS);
    /* HSI16 for the UART kernels; MSI (4 MHz after reset) feeds the PLL. */
    RCC_CR |= RCC_CR_HSION;
    wait_set(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY);
    wait_set(&RCC_CR, RCC_CR_MSIRDY, RCC_CR_MSIRDY);
    RCC_CR &= ~RCC_CR_PLLON;
    wait_set(&RCC_CR, RCC_CR_PLLRDY, 0u);
    RCC_PLLCFGR = RCC_PLLCFGR_SRC_MSI | RCC_PLLCFGR_M(1u) | RCC_PLLCFGR_N(60u) | RCC_PLLCFGR_REN;
    RCC_CR |= RCC_CR_PLLON;
    wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY);
    /* Boost-mode switch: AHB /2 first, switch to the PLL, hold >= 1 us, then AHB /1. */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_HPRE_MASK) | RCC_CFGR_HPRE_DIV2;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    wait_set(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL);
    for (i = 0; i < 120u; ++i) { /* >= 1 us at 60 MHz HCLK, whatever the loop costs */
        __asm__ volatile("nop");
    }
    RCC_CFGR &= ~RCC_CFGR_HPRE_MASK;
}

static void pin_af(char port, uint32_t pin, uint32_t af)
{
    uint32_t shift = 4u * (pin % 8u);
    GPIO_AFR(port, pin) = (GPIO_AFR(port, pin) & ~(0xFu << shift)) | (af << shift);
    GPIO_OSPEEDR(port) |= 0x2u << (2u * pin); /* high speed */
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(0x3u << (2u * pin))) | (0x2u << (2u * pin));
}

static void uart_init(void)
{
    uint32_t base = DUT_UART;
#if TB_ENERGY
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOD | RCC_AHB2ENR_GPIOF;
    RCC_APB1ENR1 |= RCC_APB1ENR1_USART3;
    RCC_CCIPR |= RCC_CCIPR_USART3SEL_HSI;
    pin_af('D', 8u, 7u); /* D1 = USART3_TX */
    pin_af('D', 9u, 7u); /* D0 = USART3_RX */
    GPIO_PUPDR('D') |= 0x1u << (2u * 9u);
    U_BRR(base) = (HSI_HZ + TB_BAUD / 2u) / TB_BAUD;
    /* Timestamp pin D7 = PF13: output, idle high. */
    GPIO_BSRR('F') = 1u << 13;
    GPIO_MODER('F') = (GPIO_MODER('F') & ~(0x3u << 26)) | (0x1u << 26);
#else
    PWR_CR2 |= PWR_CR2_IOSV; /* VDDIO2 valid: port G is usable */
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOG;
    RCC_APB1ENR2 |= RCC_APB1ENR2_LPUART1;
    RCC_CCIPR |= RCC_CCIPR_LPUART1SEL_HSI;
    pin_af('G', 7u, 8u); /* LPUART1_TX */
    pin_af('G', 8u, 8u); /* LPUART1_RX */
    GPIO_PUPDR('G') |= 0x1u << (2u * 8u);
    U_BRR(base) = (uint32_t)(((uint64_t)HSI_HZ * 256u + TB_BAUD / 2u) / TB_BAUD);
#endif
    U_CR1(base) = U_CR1_TE | U_CR1_RE | U_CR1_RXNEIE;
    U_CR1(base) |= U_CR1_UE;
}

void tb_port_init(void)
{
    uint32_t i;

    clocks_120mhz();
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

static void uart_putc(char c)
{
    while ((U_ISR(DUT_UART) & U_ISR_TXE) == 0u) {
    }
    U_TDR(DUT_UART) = (uint32_t)(unsigned char)c;
}

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
