/* See l4r5_hw.h for every register and pin fact and its source. */
#include "l4r5_hw.h"

static void wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    while ((*reg & mask) != value) {
    }
}

void l4r5_clocks_120mhz(void)
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

void l4r5_pin_af(char port, uint32_t pin, uint32_t af)
{
    uint32_t shift = 4u * (pin % 8u);
    GPIO_AFR(port, pin) = (GPIO_AFR(port, pin) & ~(0xFu << shift)) | (af << shift);
    GPIO_OSPEEDR(port) |= 0x2u << (2u * pin); /* high speed */
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(0x3u << (2u * pin))) | (0x2u << (2u * pin));
}

static uint32_t brr(uint32_t base, uint32_t baud)
{
    if (base == LPUART1_BASE) {
        return (uint32_t)(((uint64_t)HSI_HZ * 256u + baud / 2u) / baud);
    }
    return (HSI_HZ + baud / 2u) / baud;
}

static void uart_enable(uint32_t base, uint32_t baud)
{
    U_BRR(base) = brr(base, baud);
    U_CR1(base) = U_CR1_TE | U_CR1_RE | U_CR1_RXNEIE;
    U_CR1(base) |= U_CR1_UE;
}

void l4r5_lpuart1_vcp_init(uint32_t baud)
{
    PWR_CR2 |= PWR_CR2_IOSV; /* VDDIO2 valid: port G is usable */
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOG;
    RCC_APB1ENR2 |= RCC_APB1ENR2_LPUART1;
    RCC_CCIPR |= RCC_CCIPR_LPUART1SEL_HSI;
    l4r5_pin_af('G', 7u, 8u); /* LPUART1_TX */
    l4r5_pin_af('G', 8u, 8u); /* LPUART1_RX */
    GPIO_PUPDR('G') |= 0x1u << (2u * 8u);
    uart_enable(LPUART1_BASE, baud);
}

void l4r5_usart3_d0d1_init(uint32_t baud)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOD;
    RCC_APB1ENR1 |= RCC_APB1ENR1_USART3;
    RCC_CCIPR |= RCC_CCIPR_USART3SEL_HSI;
    l4r5_pin_af('D', 8u, 7u); /* D1 = USART3_TX */
    l4r5_pin_af('D', 9u, 7u); /* D0 = USART3_RX */
    GPIO_PUPDR('D') |= 0x1u << (2u * 9u);
    uart_enable(USART3_BASE, baud);
}

void l4r5_uart_set_baud(uint32_t base, uint32_t baud)
{
    uint32_t cr1 = U_CR1(base);
    U_CR1(base) = cr1 & ~U_CR1_UE; /* BRR is writable only while the UART is disabled */
    U_BRR(base) = brr(base, baud);
    U_CR1(base) = cr1;
}

void l4r5_uart_putc(uint32_t base, char c)
{
    while ((U_ISR(base) & U_ISR_TXE) == 0u) {
    }
    U_TDR(base) = (uint32_t)(unsigned char)c;
}
