# QEMU mps3-an547 (Cortex-M55, MVE + FPU): code in the 512 kB ITCM, data in the 512 kB DTCM
# (both through their Secure aliases: the core boots Secure and the IDAU marks bit 28 Secure).
CC_host      := arm-none-eabi-gcc
CPU_FLAGS    := -mcpu=cortex-m55 -mthumb -mfloat-abi=hard
CFLAGS_PORT  := $(CPU_FLAGS) -ffreestanding -I ports/cortex-m -DTB_HOSTFILE=1
LDFLAGS_PORT := $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=nosys.specs -T ports/qemu-mps3-an547/link.ld
PORT_SRCS    := ../cortex-m/cm_port.c ../cortex-m/cm_core.c
TARGET_NAME  := firmware.elf
