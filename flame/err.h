/* SPDX-License-Identifier: MIT */
/* Errors of flame/: a negative errno returned, and a one-line message for the user. */
#ifndef SINGE_FLAME_ERR_H
#define SINGE_FLAME_ERR_H

/* A one-line, human-readable description of what went wrong, filled by parsers. */
struct flame_err {
	char msg[256];
};

/* Record a formatted message in err (err may be NULL); returns -code for tail calls. */
int flame_err__set(struct flame_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SINGE_FLAME_ERR_H */
