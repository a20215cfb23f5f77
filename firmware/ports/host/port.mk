# Host port: the native C compiler, a normal Linux process. The "UART" is a TCP socket.
CC_host      := gcc
CFLAGS_PORT  := -DTB_HOSTED -D_POSIX_C_SOURCE=200809L
LDFLAGS_PORT :=
PORT_SRCS    := port.c
TARGET_NAME  := firmware
