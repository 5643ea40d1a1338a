// SPDX-License-Identifier: GPL-2.0
/* The shared mmapdev device, compiled into vmmap.ko. */
#include "device.c"
