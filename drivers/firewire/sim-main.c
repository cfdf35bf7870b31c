// SPDX-License-Identifier: GPL-2.0
/* placeholder until the real module lands */
#include <linux/module.h>
#include <linux/firewire.h>
#include "core.h"
MODULE_LICENSE("GPL");
