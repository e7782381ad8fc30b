// SPDX-License-Identifier: MIT
/* The offcpu profile type's rules that do not need the kernel (see record_offcpu.h). */
#include <errno.h>
#include <linux/types.h>
#include <string.h>

#include "offcpu.h"
#include "record_offcpu.h"

const char *offcpu__state_name(uint32_t state)
{
	switch (state) {
	case OFFCPU_STATE_S:
		return "S";
	case OFFCPU_STATE_D:
		return "D";
	case OFFCPU_STATE_R:
		return "R";
	default:
		return "other";
	}
}

bool offcpu__block_kept(uint64_t start_ns, uint64_t end_ns, uint64_t min_ns, uint64_t max_ns,
			uint64_t *ns)
{
	uint64_t len;

	/* a start after the end is a clock read on another CPU a little behind: nothing blocked */
	if (end_ns < start_ns)
		return false;
	len = end_ns - start_ns;
	if (len < min_ns || len > max_ns)
		return false;
	*ns = len;
	return true;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool offcpu__is_interrupt_frame(const char *function)
{
	/* x86-64 entry points: system vectors (timer, IPIs...), device interrupts; softirqs */
	return starts_with(function, "asm_sysvec_") || !strcmp(function, "asm_common_interrupt") ||
	       !strcmp(function, "handle_softirqs") || !strcmp(function, "__do_softirq");
}

size_t offcpu__waker_kernel_frames(const char *const *functions, size_t n, bool *from_interrupt)
{
	size_t i;

	*from_interrupt = false;
	for (i = 0; i < n; i++) {
		if (functions[i] && offcpu__is_interrupt_frame(functions[i])) {
			*from_interrupt = true;
			return i + 1;
		}
	}
	return n;
}

int offcpu__stack_with_waker(const uint64_t *blocked, size_t nblocked, uint64_t separator,
			     const uint64_t *waker, size_t nwaker, uint64_t *out, size_t cap)
{
	size_t i, len = nwaker + 1 + nblocked;

	if (len > cap || len > (size_t)INT32_MAX)
		return -ENOSPC;
	for (i = 0; i < nwaker; i++)
		out[i] = waker[nwaker - 1 - i];
	out[nwaker] = separator;
	if (nblocked)
		memcpy(out + nwaker + 1, blocked, nblocked * sizeof(*blocked));
	return (int)len;
}
