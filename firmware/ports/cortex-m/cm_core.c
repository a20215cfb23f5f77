/*
 * Start-up, vector table, faults, SysTick time and stack painting for every Cortex-M port
 * (see cm_core.h). Register addresses are the architectural System Control Space ones
 * (Armv7-M Architecture Reference Manual, B3.2.2 "System control and ID registers", B3.3.2
 * "SysTick register map"), identical on the M4 and the M55.
 */
#include "cm_core.h"

#include "board.h"
#include "tb_port.h"

#define SYST_CSR TB_REG32(0xE000E010u)
#define SYST_RVR TB_REG32(0xE000E014u)
#define SYST_CVR TB_REG32(0xE000E018u)
#define SCB_ICSR TB_REG32(0xE000ED04u)
#define SCB_VTOR TB_REG32(0xE000ED08u)
#define SCB_CPACR TB_REG32(0xE000ED88u)
#define SYST_RELOAD 0x00FFFFFFu
#define ICSR_PENDSTSET (1u << 26)
#define SYST_CSR_RUN 0x7u   /* enable, interrupt, processor clock */
#define SYST_CSR_PAUSE 0x6u /* same without enable */
#define STACK_PAINT 0xA5A5A5A5u

#ifndef TB_SEMIHOSTING
#define TB_SEMIHOSTING 0
#endif

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_bottom, _estack;
int main(void);

static volatile uint32_t systick_wraps;

void tb_cm_exit(uint32_t code)
{
#if TB_SEMIHOSTING
    /* SYS_EXIT_EXTENDED (0x20): { ADP_Stopped_ApplicationExit, exit code } */
    volatile uint32_t block[2] = {0x20026u, code};
    register uint32_t r0 __asm__("r0") = 0x20u;
    register volatile uint32_t *r1 __asm__("r1") = block;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
#else
    (void)code;
#endif
    __asm__ volatile("cpsid i" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

void tb_cm_systick_start(void)
{
    SYST_RVR = SYST_RELOAD;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_RUN;
}

void tb_cm_systick_pause(int paused) { SYST_CSR = paused ? SYST_CSR_PAUSE : SYST_CSR_RUN; }

uint64_t tb_cm_cycles(void)
{
    uint32_t hi;
    uint32_t lo;
    uint32_t pending;
    do {
        hi = systick_wraps;
        lo = SYST_CVR;
        pending = SCB_ICSR & ICSR_PENDSTSET;
    } while (hi != systick_wraps);
    /* A wrap whose interrupt has not run yet: the counter has just reloaded. */
    if (pending != 0u && lo > SYST_RELOAD / 2u) {
        hi += 1u;
    }
    return ((uint64_t)hi << 24) + (uint64_t)(SYST_RELOAD - lo);
}

uint32_t tb_cm_systick_us(void) { return (uint32_t)(tb_cm_cycles() / (uint64_t)(TB_CPU_HZ / 1000000u)); }

uint32_t tb_port_stack_high_water(void)
{
    const uint32_t *p = &_stack_bottom;
    while (p < &_estack && *p == STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)p);
}

const char *tb_port_vendor(void) { return TB_VENDOR; }

/* ---- exceptions and start-up ------------------------------------------------------------- */

__attribute__((noreturn)) static void fault(const char *what)
{
    tb_cm_fault_write("e-[Fault: ");
    tb_cm_fault_write(what);
    tb_cm_fault_write("]\r\n");
    tb_cm_exit(1u);
}

static void nmi_handler(void) { fault("NMI"); }
static void hardfault_handler(void) { fault("HardFault"); }
static void memmanage_handler(void) { fault("MemManage"); }
static void busfault_handler(void) { fault("BusFault"); }
static void usagefault_handler(void) { fault("UsageFault"); }
static void securefault_handler(void) { fault("SecureFault"); }
static void unexpected_handler(void) { fault("unexpected exception"); }
static void systick_handler(void) { systick_wraps += 1u; }
static void irq_handler(void) { tb_cm_irq(); }

__attribute__((noreturn)) void reset_handler(void);
typedef void (*vector_t)(void);
extern const vector_t tb_vectors[16 + TB_NVIC_WORDS * 32u];

void reset_handler(void)
{
    uint32_t *src;
    uint32_t *dst;
    uint32_t sp;

    /* Our table wherever the image was linked (a bootloader may have started us, e.g. the Arduino
     * Nano 33 BLE's at 0x10000). */
    SCB_VTOR = (uint32_t)(uintptr_t)tb_vectors;
    SCB_CPACR |= 0xFu << 20; /* CP10/CP11 full access: the FPU, before any float code runs */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    for (src = &_sidata, dst = &_sdata; dst < &_edata;) {
        *dst++ = *src++;
    }
    for (dst = &_sbss; dst < &_ebss;) {
        *dst++ = 0u;
    }
    /* Paint the unused stack so tb_port_stack_high_water() can find the deepest use. */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = &_stack_bottom; (uintptr_t)dst < (uintptr_t)sp - 64u;) {
        *dst++ = STACK_PAINT;
    }
    (void)main();
    tb_cm_exit(0u);
}

__attribute__((section(".vectors"), used)) const vector_t tb_vectors[16 + TB_NVIC_WORDS * 32u] = {
    [0] = (vector_t)(uintptr_t)&_estack,
    [1] = reset_handler,
    [2] = nmi_handler,
    [3] = hardfault_handler,
    [4] = memmanage_handler,
    [5] = busfault_handler,
    [6] = usagefault_handler,
    [7] = securefault_handler,
    [8] = unexpected_handler,
    [9] = unexpected_handler,
    [10] = unexpected_handler,
    [11] = unexpected_handler, /* SVCall */
    [12] = unexpected_handler, /* DebugMonitor */
    [13] = unexpected_handler,
    [14] = unexpected_handler, /* PendSV */
    [15] = systick_handler,
    [16 ... (15 + TB_NVIC_WORDS * 32u)] = irq_handler,
};
