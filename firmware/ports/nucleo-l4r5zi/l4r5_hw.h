/*
 * STM32L4R5ZI on the NUCLEO-L4R5ZI: what both firmware images on this chip share — the DUT port
 * (l4r5_port.c) and the interface board (../../interface/iface_l4r5.c): 120 MHz clock set-up, pin
 * alternate functions and the two UARTs the board wires out. Register level, no vendor HAL/CMSIS.
 *
 * Sources of every fact below (cited per register block):
 *   [RM0432]  ST RM0432 Rev 9, "STM32L4+ Series reference manual".
 *   [UM2179]  ST UM2179 Rev 7, "STM32 Nucleo-144 boards (MB1312)" — NUCLEO-L4R5ZI user manual.
 *   [DS12023] ST DS12023, STM32L4R5xx datasheet, Table 16 "Alternate function AF0 to AF7" and
 *             Table 17 "AF8 to AF15".
 *
 * UARTs on the board:
 *   - LPUART1 TX = PG7, RX = PG8, AF8 [DS12023 Table 17], wired to the ST-LINK/V2-1 virtual COM
 *     port [UM2179 section 6.9 "Virtual COM port (VCP)": "LPUART1 (PG7/PG8) ... connected to
 *     ST-LINK"]. Port G pins PG2..PG15 are supplied by VDDIO2, which must be declared valid
 *     (PWR_CR2.IOSV) before they work [RM0432 5.1.1 "Independent I/O supply rail", 5.4.2 PWR_CR2].
 *   - USART3 on the Arduino header: D0 = PD9 (USART3_RX), D1 = PD8 (USART3_TX), AF7 [UM2179
 *     Table 12 "ST Zio connector" (CN10); DS12023 Table 16].
 *   - Both take HSI16 as kernel clock (RCC_CCIPR.LPUART1SEL / USART3SEL = 10, 6.4 "RCC
 *     registers"). LPUART: BRR = 256 * 16 MHz / baud, in range [0x300, 2^20) for 9600..921600 baud
 *     [RM0432 52.4.8 "LPUART baud rate generation"]; USART (oversampling 16): BRR = 16 MHz / baud
 *     [RM0432 USART chapter, "USART baud rate generation"]. BRR may only be written while UE = 0
 *     [RM0432, USART_BRR and LPUART_BRR register descriptions].
 *   - Clock [RM0432 6.2 "Clocks"]: reset runs MSI at 4 MHz. The PLL takes MSI 4 MHz, M = 1,
 *     N = 60, R = 2 -> 120 MHz SYSCLK (RCC_PLLCFGR, 6.4 "RCC registers"), which needs voltage range 1 boost mode
 *     (PWR_CR5.R1MODE = 0, then PWR_SR2.VOSF = 0: 5.1.8 "Dynamic voltage scaling management",
 *     5.4 "PWR registers") and 5 flash wait states (FLASH_ACR.LATENCY, 3.3.3 "Read access latency",
 *     Table 12 "Number of wait states according to CPU clock (HCLK) frequency": 5 WS for
 *     HCLK <= 120 MHz in range 1 boost). Switching above 80 MHz in boost mode must pass through
 *     AHB prescaler /2 for at least 1 us [RM0432 6.2.7 "System clock (SYSCLK) selection"].
 *   - Interrupts: USART3 = IRQ 39, LPUART1 = IRQ 70 [RM0432 Table 58 "STM32L4Rxxx/L4Sxxx vector
 *     table"].
 *
 * Edge input and DUT reset (interface board, ../../interface/iface_l4r5.c):
 *   - Arduino D3 = PE13, D2 = PF15 [UM2179 Table 12 "ST Zio connector" (CN10)]. Ports E and F
 *     are clocked by RCC_AHB2ENR.GPIOEEN (bit 4) / GPIOFEN (bit 5) [RM0432 6.4,
 *     "RCC AHB2 peripheral clock enable register (RCC_AHB2ENR)"].
 *   - A GPIO pin reaches EXTI line n = its pin number through SYSCFG_EXTICRx (four 4-bit fields
 *     per register, EXTICR1 at 0x08 for lines 0..3 ... EXTICR4 at 0x14 for lines 12..15; port
 *     code A = 0, B = 1, ... E = 4) [RM0432 SYSCFG chapter, "SYSCFG external interrupt
 *     configuration register 1..4"]; SYSCFG at 0x40010000 [RM0432 2.2.2 Table 3], clocked by
 *     RCC_APB2ENR.SYSCFGEN (bit 0, RCC_APB2ENR at 0x60) [RM0432 6.4, "RCC APB2 peripheral clock
 *     enable register (RCC_APB2ENR)"].
 *   - EXTI at 0x40010400 [RM0432 2.2.2 Table 3]: IMR1 0x00, RTSR1 0x08, FTSR1 0x0C, PR1 0x14
 *     (write 1 to clear) [RM0432 EXTI chapter, "EXTI registers"]. Lines 10..15 share IRQ 40
 *     "EXTI15_10" [RM0432 Table 58].
 *   - Open drain: GPIO_OTYPER (0x04) bit = 1 [RM0432 8.5.2]; the pin level: GPIO_IDR (0x10)
 *     [RM0432 8.5.5].
 */
#ifndef TB_L4R5_HW_H
#define TB_L4R5_HW_H

#include <stdint.h>

#include "cm_core.h"

#define R(addr) TB_REG32(addr)

/* RCC [RM0432 6.4], base 0x40021000 [RM0432 2.2.2 Table 3] */
#define RCC_BASE 0x40021000u
#define RCC_CR R(RCC_BASE + 0x00u)
#define RCC_CFGR R(RCC_BASE + 0x08u)
#define RCC_PLLCFGR R(RCC_BASE + 0x0Cu)
#define RCC_AHB2ENR R(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 R(RCC_BASE + 0x58u)
#define RCC_APB1ENR2 R(RCC_BASE + 0x5Cu)
#define RCC_APB2ENR R(RCC_BASE + 0x60u)
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
#define RCC_AHB2ENR_GPIOE (1u << 4)
#define RCC_AHB2ENR_GPIOF (1u << 5)
#define RCC_AHB2ENR_GPIOG (1u << 6)
#define RCC_APB1ENR1_USART3 (1u << 18)
#define RCC_APB1ENR1_PWR (1u << 28)
#define RCC_APB1ENR2_LPUART1 (1u << 0)
#define RCC_APB2ENR_SYSCFG (1u << 0)
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
#define GPIO_OTYPER(p) R(GPIO_BASE(p) + 0x04u)
#define GPIO_OSPEEDR(p) R(GPIO_BASE(p) + 0x08u)
#define GPIO_PUPDR(p) R(GPIO_BASE(p) + 0x0Cu)
#define GPIO_IDR(p) R(GPIO_BASE(p) + 0x10u)
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

/* SYSCFG and EXTI (sources in the header comment) */
#define SYSCFG_EXTICR(line) R(0x40010000u + 0x08u + 4u * ((line) / 4u))
#define EXTI_BASE 0x40010400u
#define EXTI_IMR1 R(EXTI_BASE + 0x00u)
#define EXTI_RTSR1 R(EXTI_BASE + 0x08u)
#define EXTI_FTSR1 R(EXTI_BASE + 0x0Cu)
#define EXTI_PR1 R(EXTI_BASE + 0x14u)

#define NVIC_ISER(n) R(0xE000E100u + 4u * (n))
#define HSI_HZ 16000000u

/* Clocks to 120 MHz (range 1 boost, 5 wait states), HSI16 on for the UART kernels. */
void l4r5_clocks_120mhz(void);
/* GPIO `port` pin `pin` to alternate function `af`, high speed. */
void l4r5_pin_af(char port, uint32_t pin, uint32_t af);
/* LPUART1 on PG7/PG8 (ST-LINK VCP) at `baud`, TX+RX+RXNE interrupt enabled. */
void l4r5_lpuart1_vcp_init(uint32_t baud);
/* USART3 on Arduino D0/D1 (PD9 RX / PD8 TX) at `baud`, TX+RX+RXNE interrupt enabled. */
void l4r5_usart3_d0d1_init(uint32_t baud);
/* Change a running UART's rate (UE off, BRR, UE on). */
void l4r5_uart_set_baud(uint32_t base, uint32_t baud);
/* One byte out, waiting for TXE. */
void l4r5_uart_putc(uint32_t base, char c);

#endif
