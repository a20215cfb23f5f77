/*
 * The STM32L4 HAL's start-up checks, in the HAL's order, as a bare-metal test program for the
 * renode-nucleo-l4r5zi twin (boards/renode/stm32l4r5.repl). Written for the test, not copied: it
 * performs the read-backs that ST's HAL (stm32l4xx_hal.c, _hal_pwr_ex.c, _hal_rcc.c) makes while a
 * vendor image boots at 120 MHz, and fails the way the HAL would (error handler) when the twin
 * answers wrongly:
 *   1 HAL_Init: FLASH_ACR prefetch on; SysTick 1 ms at the reset clock (MSI 4 MHz); the tick
 *     must advance (every later timeout is counted in ticks).
 *   2 HAL_PWREx_ControlVoltageScaling(range 1 boost): PWR clock on, VOS = range 1, R1MODE = 0,
 *     then poll PWR_SR2.VOSF until 0 within a loop budget.
 *   3 HAL_RCC_OscConfig(MSI, PLL): MSI is the system clock (SWS = MSI) and ready; flash latency
 *     written and read back for the MSI range; PLL off -> wait PLLRDY = 0 (tick timeout);
 *     configure PLLCFGR (read back); PLL on, PLLREN -> wait PLLRDY = 1 (tick timeout).
 *   4 HAL_RCC_ClockConfig(FLASH_LATENCY_5): latency 5 written, read back; PLLRDY checked; AHB /2;
 *     SW = PLL -> wait SWS = PLL (tick timeout); AHB /1; SysTick at 120 MHz; HAL_Delay works.
 *   5 Back and forth (the model is behaviour, not constants): SW = MSI -> SWS = MSI, PLL off ->
 *     PLLRDY = 0, latency 0 -> reads 0; HSI on -> HSIRDY; LSI on -> LSIRDY (CSR); FLASH_CR LOCK
 *     clears only after the key sequence.
 * Prints "hal-seq ok" or "hal-seq fail <step> <register value>" on LPUART1 (PG7/PG8, HSI16).
 */
#include <stdint.h>

#define R(a) (*(volatile uint32_t *)(a))
#define RCC 0x40021000u
#define PWR 0x40007000u
#define FLASH 0x40022000u
#define LPUART1 0x40008000u
#define SYST_CSR R(0xE000E010u)
#define SYST_RVR R(0xE000E014u)
#define SYST_CVR R(0xE000E018u)

extern uint32_t _estack;
static volatile uint32_t ticks;
static uint32_t core_hz = 4000000u;

static void putc_(char c)
{
    while ((R(LPUART1 + 0x1Cu) & (1u << 7)) == 0u) {
    }
    R(LPUART1 + 0x28u) = (uint32_t)c;
}

static void puts_(const char *s)
{
    while (*s) {
        putc_(*s++);
    }
}

static void puthex(uint32_t v)
{
    int i;
    puts_("0x");
    for (i = 28; i >= 0; i -= 4) {
        putc_("0123456789abcdef"[(v >> i) & 0xFu]);
    }
}

static void uart_init(void)
{
    R(RCC + 0x58u) |= 1u << 28;                 /* PWREN */
    R(PWR + 0x04u) |= 1u << 9;                  /* IOSV: VDDIO2 */
    R(RCC + 0x00u) |= 1u << 8;                  /* HSION */
    R(RCC + 0x4Cu) |= 1u << 6;                  /* GPIOG */
    R(RCC + 0x5Cu) |= 1u << 0;                  /* LPUART1EN */
    R(RCC + 0x88u) |= 2u << 10;                 /* LPUART1SEL = HSI16 */
    R(LPUART1 + 0x0Cu) = (uint32_t)((16000000ull * 256u) / 115200u);
    R(LPUART1 + 0x00u) = (1u << 3) | (1u << 2) | 1u;
}

__attribute__((noreturn)) static void fail(int step, uint32_t value)
{
    puts_("hal-seq fail ");
    putc_((char)('0' + step));
    putc_(' ');
    puthex(value);
    puts_("\r\n");
    for (;;) {
    }
}

static void tick_init(void)
{
    SYST_RVR = core_hz / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u;
}

/* The HAL's wait: poll until (reg & mask) == want, or fail after timeout_ms ticks. */
static void wait_ticks(int step, uint32_t addr, uint32_t mask, uint32_t want, uint32_t timeout_ms)
{
    uint32_t start = ticks;
    while ((R(addr) & mask) != want) {
        if (ticks - start > timeout_ms) {
            fail(step, R(addr));
        }
    }
}

static void set_latency(int step, uint32_t ws)
{
    R(FLASH + 0x00u) = (R(FLASH + 0x00u) & ~0xFu) | ws;
    if ((R(FLASH + 0x00u) & 0xFu) != ws) {
        fail(step, R(FLASH + 0x00u));
    }
}

static void delay_ms(uint32_t ms)
{
    uint32_t start = ticks;
    while (ticks - start < ms + 1u) {
    }
}

int main(void)
{
    uint32_t loops;
    uint32_t start;

    uart_init();
    /* 1 HAL_Init */
    R(FLASH + 0x00u) |= 1u << 8;
    tick_init();
    start = ticks;
    for (loops = 0; loops < 4000000u && ticks == start; ++loops) {
    }
    if (ticks == start) {
        fail(1, SYST_CVR);
    }
    /* 2 voltage scaling, range 1 boost */
    R(RCC + 0x58u) |= 1u << 28;
    R(PWR + 0x00u) = (R(PWR + 0x00u) & ~(3u << 9)) | (1u << 9);
    R(PWR + 0x80u) &= ~(1u << 8);
    for (loops = 50u * (core_hz / 1000000u) + 1u; (R(PWR + 0x14u) & (1u << 10)) && loops; --loops) {
    }
    if (R(PWR + 0x14u) & (1u << 10)) {
        fail(2, R(PWR + 0x14u));
    }
    /* 3 oscillators: MSI is the clock and ready, latency for MSI 4 MHz, PLL off/config/on */
    if ((R(RCC + 0x08u) & 0xCu) != 0u || (R(RCC + 0x00u) & 2u) == 0u) {
        fail(3, R(RCC + 0x00u));
    }
    set_latency(3, 0u);
    R(RCC + 0x00u) &= ~(1u << 24);
    wait_ticks(3, RCC + 0x00u, 1u << 25, 0u, 2u);
    R(RCC + 0x0Cu) = 1u | (0u << 4) | (60u << 8);
    if (R(RCC + 0x0Cu) != (1u | (60u << 8))) {
        fail(3, R(RCC + 0x0Cu));
    }
    R(RCC + 0x00u) |= 1u << 24;
    R(RCC + 0x0Cu) |= 1u << 24;
    wait_ticks(3, RCC + 0x00u, 1u << 25, 1u << 25, 2u);
    /* 4 clock config: latency up first, AHB /2, switch, wait SWS, AHB /1 */
    set_latency(4, 5u);
    if ((R(RCC + 0x00u) & (1u << 25)) == 0u) {
        fail(4, R(RCC + 0x00u));
    }
    R(RCC + 0x08u) = (R(RCC + 0x08u) & ~0xF0u) | (8u << 4);
    R(RCC + 0x08u) = (R(RCC + 0x08u) & ~3u) | 3u;
    wait_ticks(4, RCC + 0x08u, 0xCu, 0xCu, 5000u);
    R(RCC + 0x08u) &= ~0xF0u;
    core_hz = 120000000u;
    tick_init();
    start = ticks;
    delay_ms(3u);
    if (ticks - start < 3u) {
        fail(4, ticks);
    }
    /* 5 behaviour, not constants */
    R(RCC + 0x08u) &= ~3u; /* back to MSI */
    wait_ticks(5, RCC + 0x08u, 0xCu, 0u, 5000u);
    R(RCC + 0x00u) &= ~(1u << 24);
    wait_ticks(5, RCC + 0x00u, 1u << 25, 0u, 2u);
    set_latency(5, 0u);
    R(RCC + 0x94u) |= 1u; /* LSION */
    wait_ticks(5, RCC + 0x94u, 2u, 2u, 2u);
    if ((R(FLASH + 0x14u) & (1u << 31)) == 0u) {
        fail(5, R(FLASH + 0x14u));
    }
    R(FLASH + 0x08u) = 0x45670123u;
    R(FLASH + 0x08u) = 0xCDEF89ABu;
    if (R(FLASH + 0x14u) & (1u << 31)) {
        fail(5, R(FLASH + 0x14u));
    }
    puts_("hal-seq ok\r\n");
    for (;;) {
    }
}

static void systick(void) { ticks += 1u; }
__attribute__((noreturn)) static void reset(void)
{
    (void)main();
    for (;;) {
    }
}
static void hang(void) { fail(9, 0u); }

__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&_estack, reset, hang, hang, hang, hang, hang, 0, 0, 0, 0, hang, hang,
    0, hang, systick,
};
