# QEMU mps2-an386 (Cortex-M4F): code in the 4 MB ZBT SSRAM at 0x0, data in SSRAM2/3 at 0x20000000.
CC_host      := arm-none-eabi-gcc
CPU_FLAGS    := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
CFLAGS_PORT  := $(CPU_FLAGS) -ffreestanding -I ports/cortex-m -DTB_HOSTFILE=1
LDFLAGS_PORT := $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=nosys.specs -T ports/qemu-mps2-an386/link.ld
PORT_SRCS    := ../cortex-m/cm_port.c ../cortex-m/cm_core.c
TARGET_NAME  := firmware.elf
