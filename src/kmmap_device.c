// SPDX-License-Identifier: GPL-2.0
/* The shared mmapdev device, compiled into kmmap.ko. */
#include "device.c"
