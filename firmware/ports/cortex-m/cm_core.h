/*
 * cm_core.h — what every Cortex-M port shares (cm_core.c): start-up (.data/.bss, FPU, stack
 * painting), the vector table, fault reporting, the SysTick-extended cycle counter and the stack
 * high-water mark. A board port (QEMU's MPS boards in cm_port.c, the NUCLEO-L4R5ZI, the nRF52840)
 * adds its UART, clocks and timestamp pin and provides the three hooks below.
 *
 * board.h of each port defines TB_CPU_HZ, TB_NVIC_WORDS (external IRQ lines / 32), TB_VENDOR and
 * TB_SEMIHOSTING (1 only where a debugger or emulator serves `bkpt 0xab`; on a real board without
 * a probe that instruction would lock the core up).
 */
#ifndef TB_CM_CORE_H
#define TB_CM_CORE_H

#include <stdint.h>

#define TB_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- provided by the board port -------------------------------------------------------------- */
/* Write text on the DUT UART by polling (interrupts may be off): fault reports. */
void tb_cm_fault_write(const char *text);
/* Every external interrupt lands here; the port asks its peripherals what happened. */
void tb_cm_irq(void);

/* ---- provided by cm_core.c -------------------------------------------------------------------- */
/* SysTick counting processor clock cycles (TB_CPU_HZ), 24-bit reload extended to 64 bits by its
 * wrap interrupt. Armv7-M/Armv8-M ARM, section B3.3 "The system timer, SysTick". */
void tb_cm_systick_start(void);
void tb_cm_systick_pause(int paused);
uint64_t tb_cm_cycles(void);
uint32_t tb_cm_systick_us(void);
/* Stop: semihosting exit where TB_SEMIHOSTING, else sleep forever. */
__attribute__((noreturn)) void tb_cm_exit(uint32_t code);

#endif /* TB_CM_CORE_H */
