# nRF52840-DK (nRF52840, Cortex-M4F at 64 MHz): register-level port, no nrfx/CMSIS headers.
CC_host      := arm-none-eabi-gcc
CPU_FLAGS    := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
CFLAGS_PORT  := $(CPU_FLAGS) -ffreestanding -I ports/cortex-m
LDFLAGS_PORT := $(CPU_FLAGS) -nostartfiles --specs=nano.specs --specs=nosys.specs -T ports/nrf52840/link.ld
PORT_SRCS    := nrf_port.c nrf_hw.c ../cortex-m/cm_core.c
TARGET_NAME  := firmware.elf
