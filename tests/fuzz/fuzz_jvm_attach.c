// SPDX-License-Identifier: MIT
/* Arbitrary bytes as an attach listener's reply, a /proc/PID/status and a JVM's options. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "jvm_attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *out;
	size_t out_len;
	int status;

	if (!jvm_attach__parse_reply(text, size, &status, &out, &out_len) &&
	    (out < text || out + out_len != text + size))
		abort();
	(void)jvm_attach__catches_sigquit(text, size);
	(void)jvm_attach__options_forbid(text, size);
	return 0;
}
