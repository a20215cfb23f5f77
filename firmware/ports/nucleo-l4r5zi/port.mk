# NUCLEO-L4R5ZI (STM32L4R5ZI, Cortex-M4F): register-level port, no vendor HAL.
CC_host      := arm-none-eabi-gcc
CPU_FLAGS    := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
CFLAGS_PORT  := $(CPU_FLAGS) -ffreestanding -I ports/cortex-m
LDFLAGS_PORT := $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=nosys.specs -T ports/nucleo-l4r5zi/link.ld
PORT_SRCS    := l4r5_port.c l4r5_hw.c ../cortex-m/cm_core.c
TARGET_NAME  := firmware.elf
